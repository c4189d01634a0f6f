"""What every kind of auto-checked question provides: the handler interface and the parts kinds share."""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from app.content.derive import Derivation

if TYPE_CHECKING:  # the model imports this package for its kind column
    from app.content.models import Question
    from app.content.specs import QuestionSpec

Report = Callable[[str], None]


class InvalidResponse(Exception):
    """The learner's input cannot be graded (not a number, an unknown choice)."""


def bilingual_pair(value) -> tuple[str, str] | None:
    """(ja, en) of a {ja, en} table whose texts are both non-blank; None otherwise."""
    if isinstance(value, dict) and all(isinstance(value.get(k), str) and value[k].strip() for k in ("ja", "en")):
        return value["ja"].strip(), value["en"].strip()
    return None


@dataclass(frozen=True)
class ChoiceSpec:
    key: str
    ja: str
    en: str
    is_correct: bool
    value: str


@dataclass(frozen=True)
class AnswerSpec:
    """The part of a question's definition that depends on its kind."""

    answer: float | None = None
    tolerance: float = 0.0
    choices: tuple[ChoiceSpec, ...] = ()


class QuestionKindHandler(ABC):
    """One kind of question from end to end: its definition in questions.toml, its grading, its form field
    and a sample answer for demo data. Registered in app/content/question_kinds/__init__.py."""

    # A template with the macros `answer(q, name)` (the inputs, named `name`) and `invalid_message()`.
    template: str

    @abstractmethod
    def load(self, item: dict, derivation: Derivation | None, derived, report: Report) -> AnswerSpec | None:
        """The kind's part of one [[questions]] table, checked against `derived` (the value `derivation`
        computes from the data). `report(message)` records each problem; None when there was one."""

    @abstractmethod
    def answer_key(self, spec: "QuestionSpec") -> dict:
        """What grading compares with; stored server-side only."""

    @abstractmethod
    def parse(self, question: "Question", values: list[str]) -> dict:
        """The learner's non-blank form values as a response to store. Raises InvalidResponse."""

    @abstractmethod
    def is_correct(self, question: "Question", response: dict) -> bool:
        """Whether a response that parse() returned matches the question's answer key."""

    @abstractmethod
    def sample_answer(self, question: "Question", right: bool) -> list[str]:
        """Form values a learner could send: a right answer, or a wrong one."""
