"""Calibration (issue 13): organizers mark reference answers of an exercise (a real submission, with its
learner's consent, or an exemplar of the mentor pack) with agreed scores; before their first real review of
the exercise, mentors score a reference and see, per criterion, how far they were from the agreed score."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, exists, false, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from app.auth.models import Role, User
from app.content.mentor_pack import exemplar_markdown
from app.content.models import Exercise, RubricCriterion
from app.core.markdown import render_markdown
from app.reviews.models import CalibrationAttempt, CalibrationReference, CalibrationSource, Review
from app.reviews.services import InvalidScores, ReviewRefused, scores_fit_rubric
from app.submissions.models import Submission, SubmissionVersion


class CalibrationRefused(ReviewRefused):
    pass


class NoExemplar(CalibrationRefused):
    """The exercise's mentor pack has no such exemplar."""


class ConsentRequired(CalibrationRefused):
    """A learner's answer is used only with their consent."""


class AlreadyScored(CalibrationRefused):
    """The mentor has scored this reference already: the first impression is what calibrates."""


def _stored(points_by_criterion: dict[int, int]) -> dict[str, int]:
    return {str(cid): p for cid, p in sorted(points_by_criterion.items())}


def add_exemplar_reference(session: Session, *, exercise: Exercise, ideal: bool, locale: str,
                           agreed_points: dict[int, int], actor: User, now: datetime) -> CalibrationReference:
    """The mentor pack's standard (or ideal) exemplar in `locale` as a reference with agreed scores.
    Raises NoExemplar, InvalidScores."""
    pack = getattr(exercise, f"mentor_pack_{locale}_md")
    body = exemplar_markdown(pack, locale, ideal) if pack else None
    if body is None:
        raise NoExemplar()
    return _add(session, exercise=exercise, source=CalibrationSource.EXEMPLAR, version=None, body_md=body,
                agreed_points=agreed_points, actor=actor, now=now)


def add_submission_reference(session: Session, *, version: SubmissionVersion, consent: bool,
                             agreed_points: dict[int, int], actor: User, now: datetime) -> CalibrationReference:
    """A copy of a learner's answer (without their name) as a reference with agreed scores, once the
    organizer confirms the learner's consent. Raises ConsentRequired, InvalidScores."""
    if not consent:
        raise ConsentRequired()
    return _add(session, exercise=version.submission.exercise, source=CalibrationSource.SUBMISSION,
                version=version, body_md=version.body_md, agreed_points=agreed_points, actor=actor, now=now,
                consent_at=now)


def _add(session: Session, *, exercise: Exercise, source: CalibrationSource, version: SubmissionVersion | None,
         body_md: str, agreed_points: dict[int, int], actor: User, now: datetime,
         consent_at: datetime | None = None) -> CalibrationReference:
    if not scores_fit_rubric(exercise.criteria, agreed_points):
        raise InvalidScores()
    reference = CalibrationReference(
        exercise=exercise, source=source, submission_version_id=version.id if version else None,
        consent_confirmed_at=consent_at, body_md=body_md, body_html=str(render_markdown(body_md)),
        agreed_points_by_criterion=_stored(agreed_points), created_by_id=actor.id, created_at=now)
    session.add(reference)
    session.flush()
    return reference


def exercise_with_rubric(session: Session, exercise_id: int) -> Exercise | None:
    """The exercise with its criteria and their levels (two more queries, whatever their number)."""
    return session.scalar(select(Exercise).where(Exercise.id == exercise_id).options(
        selectinload(Exercise.criteria).selectinload(RubricCriterion.levels)))


def references(session: Session, exercise_id: int) -> list[CalibrationReference]:
    return list(session.scalars(select(CalibrationReference).where(CalibrationReference.exercise_id == exercise_id)
                                .order_by(CalibrationReference.id)))


def attempts_by_reference(session: Session, mentor_id: int, exercise_id: int) -> dict[int, CalibrationAttempt]:
    return {a.reference_id: a for a in session.scalars(
        select(CalibrationAttempt).join(CalibrationAttempt.reference)
        .where(CalibrationAttempt.mentor_id == mentor_id, CalibrationReference.exercise_id == exercise_id))}


def needs_calibration_clause(mentor: User, exercise_id: int) -> ColumnElement[bool]:
    """SQL that is true for a mentor (not an administrator) before their first real review of the
    exercise, while it has a reference they have not scored."""
    if mentor.role != Role.MENTOR:
        return false()
    has_reference = exists().where(CalibrationReference.exercise_id == exercise_id)
    has_attempt = exists().where(CalibrationAttempt.mentor_id == mentor.id,
                                 CalibrationAttempt.reference_id == CalibrationReference.id,
                                 CalibrationReference.exercise_id == exercise_id)
    has_reviewed = exists().where(Review.mentor_id == mentor.id,
                                  Review.submission_version_id == SubmissionVersion.id,
                                  SubmissionVersion.submission_id == Submission.id,
                                  Submission.exercise_id == exercise_id)
    return has_reference & ~has_attempt & ~has_reviewed


def needs_calibration(session: Session, mentor: User, exercise_id: int) -> bool:
    """Whether the mentor is asked to score a reference before reviewing the exercise. One query (none for
    others than mentors)."""
    if mentor.role != Role.MENTOR:
        return False
    return bool(session.scalar(select(needs_calibration_clause(mentor, exercise_id))))


def score_reference(session: Session, *, reference: CalibrationReference, mentor: User,
                    points_by_criterion: dict[int, int], now: datetime) -> CalibrationAttempt:
    """Keep the mentor's scores of `reference`. Raises InvalidScores, AlreadyScored; writes nothing then."""
    if not scores_fit_rubric(reference.exercise.criteria, points_by_criterion):
        raise InvalidScores()
    attempt = CalibrationAttempt(reference=reference, mentor_id=mentor.id,
                                 points_by_criterion=_stored(points_by_criterion), created_at=now)
    session.add(attempt)
    try:
        session.flush()
    except IntegrityError as e:  # the caller rolls back
        raise AlreadyScored() from e
    return attempt


@dataclass(frozen=True)
class CriterionComparison:
    criterion: RubricCriterion
    mine: int
    agreed: int

    @property
    def difference(self) -> int:
        return self.mine - self.agreed


def comparison(reference: CalibrationReference, attempt: CalibrationAttempt,
               criteria: list[RubricCriterion]) -> list[CriterionComparison]:
    """Per criterion of the rubric: the mentor's score, the agreed score."""
    mine, agreed = attempt.points(), reference.agreed_points()
    return [CriterionComparison(c, mine[c.id], agreed[c.id]) for c in criteria if c.id in mine and c.id in agreed]
