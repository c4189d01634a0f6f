"""Auto-checked questions in content: their specs, loaded from questions.toml and checked against the data."""

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from app.content.derive import AGGREGATES, Derivation, DeriveError, evaluate


class QuestionKind(StrEnum):
    NUMERIC = "numeric"
    SINGLE = "single"
    MULTIPLE = "multiple"


@dataclass(frozen=True)
class ChoiceSpec:
    key: str
    ja: str
    en: str
    is_correct: bool
    value: str


@dataclass(frozen=True)
class QuestionSpec:
    slug: str
    kind: QuestionKind
    prompt_ja: str
    prompt_en: str
    points: int
    answer: float | None
    tolerance: float
    unit: tuple[str, str] | None
    feedback: tuple[str, str] | None
    choices: tuple[ChoiceSpec, ...]
    derivation: Derivation | None

    @property
    def answer_key(self) -> dict:
        """What grading compares with; stored server-side only."""
        if self.kind == QuestionKind.NUMERIC:
            return {"value": self.answer, "tolerance": self.tolerance}
        return {"keys": sorted(c.key for c in self.choices if c.is_correct)}


def _pair(value) -> tuple[str, str] | None:
    if isinstance(value, dict) and all(isinstance(value.get(k), str) and value[k].strip() for k in ("ja", "en")):
        return value["ja"].strip(), value["en"].strip()
    return None


def _derivation(raw, report) -> Derivation | None:
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


def load_question(item, folder: Path, report) -> QuestionSpec | None:
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
        problem("'kind' must be numeric, single or multiple")
        return None
    prompt = _pair(item.get("prompt"))
    if prompt is None:
        problem("'prompt' needs both ja and en texts (translation)")
    feedback = _pair(item.get("feedback")) if "feedback" in item else None
    if "feedback" in item and feedback is None:
        problem("'feedback' needs both ja and en texts (translation)")
    unit = _pair(item.get("unit")) if "unit" in item else None
    points = item.get("points", 1)
    if not isinstance(points, int) or isinstance(points, bool) or points < 1:
        problem("'points' must be a whole number of 1 or more")
    derivation = _derivation(item.get("derive"), problem)
    derived = None
    if derivation is not None:
        try:
            derived = evaluate(derivation, folder)
        except DeriveError as e:
            problem(f"the answer cannot be derived from the data: {e}")
            return None

    choices: list[ChoiceSpec] = []
    answer, tolerance = None, 0.0
    if kind == QuestionKind.NUMERIC:
        answer, tolerance = item.get("answer"), item.get("tolerance", 0)
        if not isinstance(answer, (int, float)) or isinstance(answer, bool):
            problem("a numeric question needs a number 'answer'")
            return None
        if not isinstance(tolerance, (int, float)) or tolerance < 0:
            problem("'tolerance' must be a number of 0 or more")
            return None
        if derivation is None:
            problem("a numeric question needs 'derive' so its answer can be checked against the data")
            return None
        if isinstance(derived, str) or abs(derived - answer) > tolerance + 1e-9:
            problem(f"answer {answer} does not follow from the data (derived: {derived}, tolerance {tolerance})")
            return None
    else:
        raw_choices = item.get("choices")
        if not isinstance(raw_choices, list) or len(raw_choices) < 2:
            problem("a choice question needs at least two 'choices'")
            return None
        for raw in raw_choices:
            text = _pair(raw)
            key = raw.get("key") if isinstance(raw, dict) else None
            if text is None or not isinstance(key, str):
                problem("every choice needs a 'key' and ja and en texts (translation)")
                return None
            choices.append(ChoiceSpec(key, text[0], text[1], raw.get("correct") is True, str(raw.get("value", text[0]))))
        correct = [c for c in choices if c.is_correct]
        if len({c.key for c in choices}) != len(choices):
            problem("choice keys must be different")
            return None
        if not correct or (kind == QuestionKind.SINGLE and len(correct) != 1):
            problem("a single-choice question needs exactly one correct choice; a multiple-choice one at least one")
            return None
        if derivation is not None:
            if kind != QuestionKind.SINGLE:
                problem("'derive' is only for numeric and single-choice questions")
                return None
            if str(derived) != correct[0].value:
                problem(f"the correct choice '{correct[0].value}' does not follow from the data (derived: {derived})")
                return None
    if prompt is None or (isinstance(points, bool) or not isinstance(points, int) or points < 1):
        return None
    return QuestionSpec(slug, kind, prompt[0], prompt[1], points, answer, float(tolerance), unit, feedback,
                        tuple(choices), derivation)
