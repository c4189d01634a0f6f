"""questions.toml: auto-checked questions, their answers checked against the exercise's data. What each
kind needs is its handler's (app/content/question_kinds); the parts every kind shares are read here."""

from pathlib import Path

from app.content.derive import AGGREGATES, Derivation, DeriveError, evaluate
from app.content.files import ErrorList, line_of, read_toml
from app.content.question_kinds import HANDLERS, QuestionKind
from app.content.question_kinds.base import Report, bilingual_pair
from app.content.specs import QuestionSpec


def load_questions(folder: Path, errors: ErrorList) -> tuple[QuestionSpec, ...]:
    """The [[questions]] of an exercise folder's questions.toml, if it has one."""
    path = folder / "questions.toml"
    if not path.exists():
        return ()
    data, source = read_toml(path, errors)
    if data is None:
        return ()
    raw = data.get("questions")
    if not isinstance(raw, list) or not raw:
        errors.add(path, "questions.toml needs at least one [[questions]]")
        return ()
    questions, seen = [], set()
    for item in raw:
        slug = item.get("slug") if isinstance(item, dict) else None
        line = line_of(source, f'slug = "{slug}"') if slug else line_of(source, "[[questions]]")
        if slug in seen:
            errors.add(path, f"question slug '{slug}' is used twice", line)
            continue
        seen.add(slug)
        question = load_question(item, folder, lambda message, line=line: errors.add(path, message, line))
        if question:
            questions.append(question)
    return tuple(questions)


def load_question(item, folder: Path, report: Report) -> QuestionSpec | None:
    """One [[questions]] table; `report(message)` records each problem. Checks the answer against the data."""
    if not isinstance(item, dict) or not isinstance(item.get("slug"), str):
        report("every question needs a 'slug'")
        return None
    slug = item["slug"]

    def problem(message: str) -> None:
        report(f"question '{slug}': {message}")

    try:
        kind = QuestionKind(item.get("kind"))
    except ValueError:
        *others, last = QuestionKind
        problem(f"'kind' must be {', '.join(others)} or {last}")
        return None
    prompt, feedback, unit, points = _shared_fields(item, problem)
    derivation = _derivation(item.get("derive"), problem)
    try:
        derived = evaluate(derivation, folder) if derivation is not None else None
    except DeriveError as e:
        problem(f"the answer cannot be derived from the data: {e}")
        return None
    answer = HANDLERS[kind].load(item, derivation, derived, problem)
    if answer is None or prompt is None or points is None:
        return None
    return QuestionSpec(slug, kind, prompt[0], prompt[1], points, answer.answer, answer.tolerance, unit, feedback,
                        answer.choices, derivation)


def _shared_fields(item: dict, problem: Report):
    """(prompt, feedback, unit, points) of a question of any kind; None for each one that is wrong."""
    prompt = bilingual_pair(item.get("prompt"))
    if prompt is None:
        problem("'prompt' needs both ja and en texts (translation)")
    feedback = bilingual_pair(item.get("feedback")) if "feedback" in item else None
    if "feedback" in item and feedback is None:
        problem("'feedback' needs both ja and en texts (translation)")
    unit = bilingual_pair(item.get("unit")) if "unit" in item else None
    points = item.get("points", 1)
    if not isinstance(points, int) or isinstance(points, bool) or points < 1:
        problem("'points' must be a whole number of 1 or more")
        points = None
    return prompt, feedback, unit, points


def _derivation(raw, report: Report) -> Derivation | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) for k in ("file", "column", "aggregate")):
        report("'derive' needs 'file', 'column' and 'aggregate'")
        return None
    if raw["aggregate"] not in AGGREGATES:
        report(f"unknown aggregate '{raw['aggregate']}' (use one of {', '.join(AGGREGATES)})")
        return None
    where = raw.get("where", {})
    if not isinstance(where, dict):
        report("'where' must be a table of column = value")
        return None
    return Derivation(raw["file"], raw["column"], raw["aggregate"],
                      tuple((str(k), str(v)) for k, v in where.items()), raw.get("by"))
