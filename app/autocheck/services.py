"""Grading auto-checked questions. Each question kind has a grader in one registry."""

import math
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.autocheck.models import QuestionAttempt
from app.cohorts.models import Enrolment
from app.content.models import Exercise, Question
from app.submissions.unlocking import lock_for


# Longer than any answer a question could want ("-1234567.891" is 12); float() of more is refused.
MAX_NUMBER_CHARS = 30


class QuestionsClosed(Exception):
    """The exercise is locked or the cohort is closed; nothing is graded."""


class InvalidResponse(Exception):
    """The learner's input cannot be graded (not a number, an unknown choice)."""


class Grader(Protocol):
    def parse(self, question: Question, values: list[str]) -> dict: ...

    def is_correct(self, question: Question, response: dict) -> bool: ...


class NumericGrader:
    def parse(self, question: Question, values: list[str]) -> dict:
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

    def is_correct(self, question: Question, response: dict) -> bool:
        key = question.answer_key
        return abs(response["value"] - key["value"]) <= key["tolerance"] + 1e-9


class ChoiceGrader:
    def __init__(self, single: bool):
        self.single = single

    def parse(self, question: Question, values: list[str]) -> dict:
        keys = {c["key"] for c in question.choices}
        chosen = sorted(set(values))
        if not chosen or not set(chosen) <= keys or (self.single and len(chosen) != 1):
            raise InvalidResponse()
        return {"keys": chosen}

    def is_correct(self, question: Question, response: dict) -> bool:
        return sorted(response["keys"]) == sorted(question.answer_key["keys"])


GRADERS: dict[str, Grader] = {
    "numeric": NumericGrader(),
    "single": ChoiceGrader(single=True),
    "multiple": ChoiceGrader(single=False),
}


@dataclass
class QuestionState:
    attempts: int = 0
    is_correct: bool = False
    last_response: dict | None = None


def question_states(session: Session, enrolment_ids: list[int], question_ids: list[int]
                    ) -> dict[tuple[int, int], QuestionState]:
    """(enrolment id, question id) → attempts so far and whether the latest one was right. One query."""
    states: dict[tuple[int, int], QuestionState] = {}
    if not enrolment_ids or not question_ids:
        return states
    attempts = session.scalars(select(QuestionAttempt).where(
        QuestionAttempt.enrolment_id.in_(enrolment_ids), QuestionAttempt.question_id.in_(question_ids))
        .order_by(QuestionAttempt.attempted_at, QuestionAttempt.id))
    for attempt in attempts:
        state = states.setdefault((attempt.enrolment_id, attempt.question_id), QuestionState())
        state.attempts += 1
        state.is_correct = attempt.is_correct
        state.last_response = attempt.response
    return states


def check_answers(session: Session, *, enrolment: Enrolment, exercise: Exercise,
                  responses: dict[int, list[str]], now: datetime) -> tuple[dict[int, bool], set[int]]:
    """Grade the answered questions of `exercise` and record one attempt each.
    Returns ({question id: correct}, {question ids whose input could not be graded}).
    Questions left blank are neither graded nor counted. Raises QuestionsClosed."""
    if not enrolment.cohort.is_open(now) or lock_for(session, enrolment, exercise, now) is not None:
        raise QuestionsClosed()
    results, invalid = {}, set()
    for question in exercise.questions:
        values = [v for v in responses.get(question.id, []) if v.strip()]
        if not values:
            continue
        grader = GRADERS[question.kind]
        try:
            response = grader.parse(question, values)
        except InvalidResponse:
            invalid.add(question.id)
            continue
        correct = grader.is_correct(question, response)
        session.add(QuestionAttempt(enrolment=enrolment, question=question, response=response, is_correct=correct,
                                    attempted_at=now))
        results[question.id] = correct
    session.flush()
    return results, invalid
