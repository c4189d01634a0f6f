"""Sync loaded content into the database: upsert modules by slug, version by content hash,
retire instead of delete."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.content.specs import ModuleSpec
from app.content.models import (Exercise, Material, Module, ModuleVersion, Question, RubricCriterion,
                                RubricLevel)
from app.core.markdown import render_markdown
from app.core.storage import FileStorage


class SyncAction(StrEnum):
    CREATED = "created"
    NEW_VERSION = "new version"
    UNCHANGED = "unchanged"
    RETIRED = "retired"


@dataclass(frozen=True)
class SyncResult:
    slug: str
    action: SyncAction
    version: int | None


def _build_version(module: Module, number: int, spec: ModuleSpec, storage: FileStorage) -> ModuleVersion:
    version = ModuleVersion(
        module=module, number=number, content_hash=spec.content_hash,
        title_ja=spec.title.ja, title_en=spec.title.en,
        summary_ja_md=spec.summary.ja, summary_ja_html=str(render_markdown(spec.summary.ja)),
        summary_en_md=spec.summary.en, summary_en_html=str(render_markdown(spec.summary.en)),
        objectives=[{"ja": o.ja, "en": o.en} for o in spec.objectives],
        personas=[{key: {"ja": getattr(p, key).ja, "en": getattr(p, key).en} for key in ("name", "role", "description")}
                  for p in spec.personas],
        sources=[{"title": s.title, "url": s.url} for s in spec.sources],
        target_level=spec.target_level, estimated_hours=spec.estimated_hours,
    )
    for position, ex in enumerate(spec.exercises, start=1):
        exercise = Exercise(
            slug=ex.slug, position=position, title_ja=ex.title.ja, title_en=ex.title.en,
            brief_ja_md=ex.brief.ja, brief_ja_html=str(render_markdown(ex.brief.ja)),
            brief_en_md=ex.brief.en, brief_en_html=str(render_markdown(ex.brief.en)),
            is_required=ex.is_required, weight=ex.weight, pass_threshold=ex.pass_threshold,
            suggested_offset_days=ex.suggested_offset_days, is_group_deliverable=ex.is_group_deliverable,
        )
        if ex.unlock:
            exercise.unlock_after_slug = ex.unlock.after
            exercise.unlock_when = ex.unlock.when
            exercise.unlock_days_after_start = ex.unlock.days_after_start
        if ex.event:
            exercise.event_title_ja, exercise.event_title_en = ex.event.title.ja, ex.event.title.en
            exercise.event_ja_md, exercise.event_en_md = ex.event.body.ja, ex.event.body.en
            exercise.event_ja_html = str(render_markdown(ex.event.body.ja))
            exercise.event_en_html = str(render_markdown(ex.event.body.en))
        if ex.mentor_pack:
            exercise.mentor_pack_ja_md, exercise.mentor_pack_en_md = ex.mentor_pack.ja, ex.mentor_pack.en
            exercise.mentor_pack_ja_html = str(render_markdown(ex.mentor_pack.ja))
            exercise.mentor_pack_en_html = str(render_markdown(ex.mentor_pack.en))
        if ex.skills:
            exercise.skills = {"talent_level": ex.skills.talent_level, "dss_literacy": list(ex.skills.dss_literacy),
                               "dss_promotion": list(ex.skills.dss_promotion)}
        for q_position, q in enumerate(ex.questions, start=1):
            exercise.questions.append(Question(
                slug=q.slug, position=q_position, kind=str(q.kind), prompt_ja=q.prompt_ja, prompt_en=q.prompt_en,
                points=q.points, answer_key=q.answer_key,
                choices=[{"key": c.key, "ja": c.ja, "en": c.en} for c in q.choices],
                unit_ja=q.unit[0] if q.unit else None, unit_en=q.unit[1] if q.unit else None,
                feedback_ja=q.feedback[0] if q.feedback else None, feedback_en=q.feedback[1] if q.feedback else None))
        version.exercises.append(exercise)
        for c_position, crit in enumerate(ex.criteria, start=1):
            criterion = RubricCriterion(slug=crit.slug, position=c_position, title_ja=crit.title.ja,
                                        title_en=crit.title.en, max_points=crit.max_points)
            criterion.levels = [RubricLevel(points=lv.points, descriptor_ja=lv.descriptor.ja,
                                            descriptor_en=lv.descriptor.en) for lv in crit.levels]
            exercise.criteria.append(criterion)
        for mat in ex.materials:
            data = mat.path.read_bytes()
            exercise.materials.append(Material(filename=mat.filename, content_hash=storage.put_bytes(data),
                                               size=len(data), media_type=mat.media_type,
                                               is_simulated=mat.is_simulated))
    return version


def sync_modules(session: Session, specs: list[ModuleSpec], storage: FileStorage, now: datetime,
                 retire_missing: bool = True) -> list[SyncResult]:
    """Bring the database in line with `specs`. Running it twice changes nothing the second time."""
    modules = {m.slug: m for m in session.scalars(select(Module))}
    results = []
    for spec in specs:
        module = modules.get(spec.slug)
        if module is None:
            module = Module(slug=spec.slug)
            session.add(module)
            session.add(_build_version(module, 1, spec, storage))
            results.append(SyncResult(spec.slug, SyncAction.CREATED, 1))
            continue
        module.retired_at = None
        latest = latest_version(session, module)
        if latest is not None and latest.content_hash == spec.content_hash:
            if latest.summary_ja_md is None:  # synced before migration 0007; the same hash: the same files
                latest.summary_ja_md, latest.summary_en_md = spec.summary.ja, spec.summary.en
            results.append(SyncResult(spec.slug, SyncAction.UNCHANGED, latest.number))
            continue
        number = (latest.number if latest else 0) + 1
        session.add(_build_version(module, number, spec, storage))
        results.append(SyncResult(spec.slug, SyncAction.NEW_VERSION, number))
    if retire_missing:
        present = {spec.slug for spec in specs}
        for slug, module in modules.items():
            if slug not in present and module.retired_at is None:
                module.retired_at = now
                results.append(SyncResult(slug, SyncAction.RETIRED, None))
    session.flush()
    return results


def latest_version(session: Session, module: Module) -> ModuleVersion | None:
    return session.scalar(select(ModuleVersion).where(ModuleVersion.module_id == module.id)
                          .order_by(ModuleVersion.number.desc()).limit(1))


def current_module_versions(session: Session) -> list[ModuleVersion]:
    """The newest version of every module that is not retired, for choosing a cohort's module."""
    versions = session.scalars(
        select(ModuleVersion).join(Module).where(Module.retired_at.is_(None))
        .order_by(ModuleVersion.module_id, ModuleVersion.number.desc())).all()
    seen, current = set(), []
    for version in versions:
        if version.module_id not in seen:
            seen.add(version.module_id)
            current.append(version)
    return current
