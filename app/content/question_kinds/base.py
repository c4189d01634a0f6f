"""What every kind of auto-checked question provides: the handler interface and the parts kinds share."""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Callable, Protocol

from app.content.derive import Derivation

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


# What handlers read of a question, as protocols: the model and the specs import this package, so it
# must not import them (the import contract refuses the cycle).
class DefinedAnswer(Protocol):
    """A question's definition (app.content.specs.QuestionSpec)."""

    answer: float | None
    tolerance: float
    choices: tuple[ChoiceSpec, ...]


class StoredQuestion(Protocol):
    """A question as stored (app.content.models.Question)."""

    answer_key: dict
    choices: list[dict]
    unit_ja: str | None


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
    def answer_key(self, spec: DefinedAnswer) -> dict:
        """What grading compares with; stored server-side only."""

    @abstractmethod
    def parse(self, question: StoredQuestion, values: list[str]) -> dict:
        """The learner's non-blank form values as a response to store. Raises InvalidResponse."""

    @abstractmethod
    def is_correct(self, question: StoredQuestion, response: dict) -> bool:
        """Whether a response that parse() returned matches the question's answer key."""

    @abstractmethod
    def sample_answer(self, question: StoredQuestion, right: bool) -> list[str]:
        """Form values a learner could send: a right answer, or a wrong one."""
