"""Grading auto-checked questions and counting the attempts. Each kind grades through its handler
(app/content/question_kinds)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.autocheck.models import QuestionAttempt
from app.deadlines.services import submissions_open_for
from app.cohorts.models import Enrolment
from app.content.models import Exercise
from app.content.question_kinds.base import InvalidResponse
from app.submissions.unlocking import lock_for


class QuestionsClosed(Exception):
    """The exercise is locked, the cohort is closed or the learner withdrawn; nothing is graded."""


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
    if enrolment.is_withdrawn or not submissions_open_for(session, enrolment.cohort, enrolment_id=enrolment.id, exercise_id=exercise.id, now=now) or lock_for(session, enrolment, exercise, now) is not None:
        raise QuestionsClosed()
    results, invalid = {}, set()
    for question in exercise.questions:
        values = [v for v in responses.get(question.id, []) if v.strip()]
        if not values:
            continue
        try:
            response = question.handler.parse(question, values)
        except InvalidResponse:
            invalid.add(question.id)
            continue
        correct = question.handler.is_correct(question, response)
        session.add(QuestionAttempt(enrolment=enrolment, question=question, response=response, is_correct=correct,
                                    attempted_at=now))
        results[question.id] = correct
    session.flush()
    return results, invalid
