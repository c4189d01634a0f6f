"""What changed between two versions of a module, exercise by exercise, for organizers."""

from dataclasses import dataclass, field

from app.content.models import Exercise, ModuleVersion
from app.core.textdiff import DiffLine, line_diff


@dataclass
class FieldChange:
    name: str  # a key the template translates: title, brief_ja, brief_en, event, rubric, questions, settings
    lines: list[DiffLine]


@dataclass
class ExerciseChange:
    slug: str
    exercise: Exercise
    state: str  # "added", "removed", "changed"
    fields: list[FieldChange] = field(default_factory=list)


def _rubric_text(exercise: Exercise) -> str:
    lines = []
    for c in exercise.criteria:
        lines.append(f"{c.title_ja} / {c.title_en}")
        lines.extend(f"  {lv.points}: {lv.descriptor_ja} / {lv.descriptor_en}" for lv in c.levels)
    return "\n".join(lines)


def _questions_text(exercise: Exercise) -> str:
    lines = []
    for q in exercise.questions:
        lines.append(f"[{q.kind}] {q.prompt_ja} / {q.prompt_en} → {q.answer_key}")
        lines.extend(f"  {c['key']}: {c['ja']} / {c['en']}" for c in q.choices)
    return "\n".join(lines)


def _settings_text(exercise: Exercise) -> str:
    unlock = f"{exercise.unlock_after_slug} {exercise.unlock_when}" if exercise.unlock_after_slug else "-"
    return "\n".join([
        f"required: {exercise.is_required}", f"group deliverable: {exercise.is_group_deliverable}",
        f"weight: {exercise.weight}",
        f"pass_threshold: {exercise.pass_threshold}", f"unlock: {unlock}",
        f"days_after_start: {exercise.unlock_days_after_start}",
        f"suggested_offset_days: {exercise.suggested_offset_days}",
        f"materials: {', '.join(f'{m.filename} ({m.content_hash[:8]})' for m in exercise.materials)}",
    ])


_FIELDS = {
    "title": lambda e: f"{e.title_ja} / {e.title_en}",
    "brief_ja": lambda e: e.brief_ja_md,
    "brief_en": lambda e: e.brief_en_md,
    "event": lambda e: f"{e.event_title_ja or ''}\n{e.event_ja_md or ''}\n{e.event_title_en or ''}\n{e.event_en_md or ''}",
    "rubric": _rubric_text,
    "questions": _questions_text,
    "settings": _settings_text,
}


def compare_versions(old: ModuleVersion, new: ModuleVersion) -> list[ExerciseChange]:
    """Exercises added, removed or changed from `old` to `new`, in the new version's order."""
    before = {e.slug: e for e in old.exercises}
    after = {e.slug: e for e in new.exercises}
    changes = []
    for slug, exercise in after.items():
        if slug not in before:
            changes.append(ExerciseChange(slug, exercise, "added"))
            continue
        fields = []
        for name, text in _FIELDS.items():
            old_text, new_text = text(before[slug]), text(exercise)
            if old_text != new_text:
                fields.append(FieldChange(name, [line for line in line_diff(old_text, new_text) if line.kind != "same"]))
        if fields:
            changes.append(ExerciseChange(slug, exercise, "changed", fields))
    changes.extend(ExerciseChange(slug, e, "removed") for slug, e in before.items() if slug not in after)
    return changes
