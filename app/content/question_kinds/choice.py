"""Choices with ja and en texts: one correct (single), or one or more correct (multiple)."""

from app.content.derive import Derivation
from app.content.question_kinds.base import (AnswerSpec, ChoiceSpec, InvalidResponse, QuestionKindHandler, Report,
                                             bilingual_pair)


def _load_choices(raw_choices, report: Report) -> list[ChoiceSpec] | None:
    if not isinstance(raw_choices, list) or len(raw_choices) < 2:
        report("a choice question needs at least two 'choices'")
        return None
    choices = []
    for raw in raw_choices:
        text = bilingual_pair(raw)
        key = raw.get("key") if isinstance(raw, dict) else None
        if text is None or not isinstance(key, str):
            report("every choice needs a 'key' and ja and en texts (translation)")
            return None
        choices.append(ChoiceSpec(key, text[0], text[1], raw.get("correct") is True, str(raw.get("value", text[0]))))
    if len({c.key for c in choices}) != len(choices):
        report("choice keys must be different")
        return None
    return choices


class ChoiceQuestion(QuestionKindHandler):
    is_single: bool

    def load(self, item: dict, derivation: Derivation | None, derived, report: Report) -> AnswerSpec | None:
        choices = _load_choices(item.get("choices"), report)
        if choices is None:
            return None
        correct = [c for c in choices if c.is_correct]
        if not correct or (self.is_single and len(correct) != 1):
            report("a single-choice question needs exactly one correct choice; a multiple-choice one at least one")
            return None
        if derivation is not None:
            if not self.is_single:
                report("'derive' is only for numeric and single-choice questions")
                return None
            if str(derived) != correct[0].value:
                report(f"the correct choice '{correct[0].value}' does not follow from the data (derived: {derived})")
                return None
        return AnswerSpec(choices=tuple(choices))

    def answer_key(self, spec) -> dict:
        return {"keys": sorted(c.key for c in spec.choices if c.is_correct)}

    def parse(self, question, values: list[str]) -> dict:
        keys = {c["key"] for c in question.choices}
        chosen = sorted(set(values))
        if not chosen or not set(chosen) <= keys or (self.is_single and len(chosen) != 1):
            raise InvalidResponse()
        return {"keys": chosen}

    def is_correct(self, question, response: dict) -> bool:
        return sorted(response["keys"]) == sorted(question.answer_key["keys"])

    def sample_answer(self, question, right: bool) -> list[str]:
        correct = list(question.answer_key["keys"])
        if right:
            return correct
        # A choice that is not correct; when every choice is (a multiple-choice question may have that), too few.
        return [c["key"] for c in question.choices if c["key"] not in correct][:1] or correct[:1]


class SingleChoiceQuestion(ChoiceQuestion):
    is_single = True
    template = "question_kinds/single.html"


class MultipleChoiceQuestion(ChoiceQuestion):
    is_single = False
    template = "question_kinds/multiple.html"
