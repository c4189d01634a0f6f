"""A number computed from the exercise's data, within a tolerance."""

import math
import unicodedata

from app.content.derive import Derivation
from app.content.question_kinds.base import AnswerSpec, InvalidResponse, QuestionKindHandler, Report

# Longer than any answer a question could want ("-1234567.891" is 12); float() of more is refused.
MAX_NUMBER_CHARS = 30


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class NumericQuestion(QuestionKindHandler):
    template = "question_kinds/numeric.html"

    def load(self, item: dict, derivation: Derivation | None, derived, report: Report) -> AnswerSpec | None:
        answer, tolerance = item.get("answer"), item.get("tolerance", 0)
        if not _is_number(answer):
            report("a numeric question needs a number 'answer'")
            return None
        if not isinstance(tolerance, (int, float)) or tolerance < 0:
            report("'tolerance' must be a number of 0 or more")
            return None
        if derivation is None:
            report("a numeric question needs 'derive' so its answer can be checked against the data")
            return None
        if isinstance(derived, str) or abs(derived - answer) > tolerance + 1e-9:
            report(f"answer {answer} does not follow from the data (derived: {derived}, tolerance {tolerance})")
            return None
        return AnswerSpec(answer=answer, tolerance=float(tolerance))

    def answer_key(self, spec) -> dict:
        return {"value": spec.answer, "tolerance": spec.tolerance}

    def parse(self, question, values: list[str]) -> dict:
        # NFKC turns full-width digits and signs (１２．５) into ASCII; thousands separators are dropped.
        text = unicodedata.normalize("NFKC", values[0] if values else "").replace(",", "").strip()
        if question.unit_ja and text.endswith(question.unit_ja):
            text = text[: -len(question.unit_ja)].strip()
        # float() also reads "nan", "inf" and "1e999" (as inf), none of which is an answer, and it reads
        # thousands of digits slowly; such input gets the same "not a number" message as "abc".
        if len(text) > MAX_NUMBER_CHARS:
            raise InvalidResponse()
        try:
            value = float(text)
        except ValueError:
            raise InvalidResponse() from None
        if not math.isfinite(value):
            raise InvalidResponse()
        return {"value": value}

    def is_correct(self, question, response: dict) -> bool:
        key = question.answer_key
        return abs(response["value"] - key["value"]) <= key["tolerance"] + 1e-9

    def sample_answer(self, question, right: bool) -> list[str]:
        value = question.answer_key["value"]
        return [str(value if right else value + 1000)]
