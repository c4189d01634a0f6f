"""The kinds of auto-checked question and the one registry of their handlers.

Adding a kind: a module here with a QuestionKindHandler subclass, its template under
app/templates/question_kinds/, a member of QuestionKind and a line in HANDLERS below; the kind
column's CHECK constraint follows QuestionKind, so a migration updates it."""

from enum import StrEnum

from app.content.question_kinds.base import QuestionKindHandler
from app.content.question_kinds.choice import MultipleChoiceQuestion, SingleChoiceQuestion
from app.content.question_kinds.numeric import NumericQuestion


class QuestionKind(StrEnum):
    NUMERIC = "numeric"
    SINGLE = "single"
    MULTIPLE = "multiple"


HANDLERS: dict[QuestionKind, QuestionKindHandler] = {
    QuestionKind.NUMERIC: NumericQuestion(),
    QuestionKind.SINGLE: SingleChoiceQuestion(),
    QuestionKind.MULTIPLE: MultipleChoiceQuestion(),
}


def handler_for(kind: str) -> QuestionKindHandler:
    """The handler of a kind; raises ValueError for a value that is no QuestionKind."""
    return HANDLERS[QuestionKind(kind)]
