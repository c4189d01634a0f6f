"""Pure loader for exercises/: a folder becomes frozen specs plus a list of errors that name
the file and, where it can be found, the line. Each part of a module has its own reader: exercises.py
(exercise folders), rubric.py, questions.py, mentor_pack.py; files.py reads TOML and Markdown."""

import hashlib
from pathlib import Path

from app.content.exercises import is_talent_level, load_exercise
from app.content.files import SLUG, ErrorList, bilingual_text, line_of, read_toml
from app.content.specs import ContentError, ExerciseSpec, ModuleSpec, PersonaSpec, SourceSpec, Text


def load_all(root: Path) -> tuple[list[ModuleSpec], list[ContentError]]:
    """Every module folder under `root` (folders holding a module.toml)."""
    specs, errors = [], []
    if not root.is_dir():
        return [], [ContentError(str(root), None, "content folder does not exist")]
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        spec, module_errors = load_module(folder, root)
        errors.extend(module_errors)
        if spec:
            specs.append(spec)
    return specs, errors


def load_module(folder: Path, root: Path | None = None) -> tuple[ModuleSpec | None, list[ContentError]]:
    """Load one module folder. Returns the spec (None if anything is wrong) and every error found."""
    errors = ErrorList(root or folder.parent)
    if not SLUG.match(folder.name):
        errors.add(folder, "a module folder name may contain only lowercase letters, digits and hyphens")
    path = folder / "module.toml"
    data, source = read_toml(path, errors)
    if data is None:
        return None, errors.items
    title = bilingual_text(data, "title", path, source, errors)
    summary = bilingual_text(data, "summary", path, source, errors)
    level = data.get("target_level")
    if not is_talent_level(level):
        errors.add(path, "'target_level' must be a talent level from 0 to 3", line_of(source, "target_level"))
    hours = data.get("estimated_hours")
    if not isinstance(hours, (int, float)) or isinstance(hours, bool) or hours <= 0:
        errors.add(path, "'estimated_hours' must be a number above 0", line_of(source, "estimated_hours"))
    objectives = _load_objectives(data.get("objectives"), path, source, errors)
    exercises = _load_exercises(folder, data.get("exercises"), source, errors)
    personas = _load_personas(data.get("personas", []), path, source, errors)
    sources = _load_sources(data.get("sources", []), path, source, errors)
    if errors.items:
        return None, errors.items
    return ModuleSpec(folder.name, title, summary, level, float(hours), objectives, exercises,
                      _content_hash(folder), personas, sources), []


def _load_objectives(raw, path: Path, source: str, errors: ErrorList) -> tuple[Text, ...]:
    objectives = []
    for item in raw if isinstance(raw, list) else [None]:
        if isinstance(item, dict):
            text = bilingual_text({"objective": item}, "objective", path, source, errors, line_key="objectives")
            if text:
                objectives.append(text)
        else:
            errors.add(path, "'objectives' must be a list of {ja, en} texts", line_of(source, "objectives"))
    return tuple(objectives)


def _load_exercises(folder: Path, listed, source: str, errors: ErrorList) -> tuple[ExerciseSpec, ...]:
    """The exercise folders module.toml lists, in its order; every other folder is an error."""
    path = folder / "module.toml"
    if not isinstance(listed, list) or not listed or not all(isinstance(s, str) for s in listed):
        errors.add(path, "'exercises' must list the exercise folders in order", line_of(source, "exercises"))
        listed = []
    if len(set(listed)) != len(listed):
        errors.add(path, "an exercise is listed twice in 'exercises'", line_of(source, "exercises"))
    exercises = []
    for slug in listed:
        exercise_folder = folder / slug
        if not SLUG.match(slug) or not exercise_folder.is_dir():
            errors.add(path, f"exercise folder '{slug}' does not exist", line_of(source, "exercises"))
            continue
        exercise = load_exercise(exercise_folder, errors)
        if exercise:
            exercises.append(exercise)
    for child in sorted(folder.iterdir()):
        if child.is_dir() and not child.name.startswith(".") and child.name not in listed:
            errors.add(child, "folder is not listed in module.toml 'exercises'")
    _check_unlock_order(folder, listed, exercises, errors)
    return tuple(exercises)


def _check_unlock_order(folder: Path, listed: list[str], exercises: list[ExerciseSpec], errors: ErrorList) -> None:
    """An exercise unlocks only after one listed before it."""
    for exercise in exercises:
        target = exercise.unlock.after if exercise.unlock else None
        earlier = listed[:listed.index(exercise.slug)]
        if target is not None and target not in earlier:
            path = folder / exercise.slug / "exercise.toml"
            errors.add(path, f"[unlock] after = \"{target}\" is not an exercise listed before this one",
                       line_of(path.read_text(encoding="utf-8"), "after"))


def _load_personas(raw, path: Path, source: str, errors: ErrorList) -> tuple[PersonaSpec, ...]:
    line = line_of(source, "personas")
    if not isinstance(raw, list):
        errors.add(path, "'personas' must be a list", line)
        return ()
    personas = []
    for item in raw:
        texts = [bilingual_text(item, key, path, source, errors, line_key="personas") if isinstance(item, dict)
                 else None for key in ("name", "role", "description")]
        if all(texts):
            personas.append(PersonaSpec(*texts))
        elif not isinstance(item, dict):
            errors.add(path, "every persona needs name, role and description in ja and en", line)
    return tuple(personas)


def _load_sources(raw, path: Path, source: str, errors: ErrorList) -> tuple[SourceSpec, ...]:
    line = line_of(source, "sources")
    if not isinstance(raw, list) or not all(isinstance(i, dict) and isinstance(i.get("title"), str) for i in raw):
        errors.add(path, "'sources' must be a list of { title, url }", line)
        return ()
    bad = [i["url"] for i in raw if i.get("url") is not None and not str(i["url"]).startswith(("https://", "http://"))]
    if bad:
        errors.add(path, f"source url must start with https:// or http://: {bad[0]}", line)
    return tuple(SourceSpec(i["title"], i.get("url")) for i in raw)


def _content_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder).as_posix()).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
