"""What the mentor's pages read, and the history of versions and reviews the learner's exercise page shows."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, joinedload, selectinload

from app.auth.models import Role, User
from app.cohorts.models import Cohort, Enrolment, MentorAssignment, ScheduledExercise
from app.content.models import Exercise
from app.reviews.models import CriterionScore, Review
from app.submissions.models import Submission, SubmissionStatus, SubmissionVersion


@dataclass(frozen=True)
class QueueItem:
    submission: Submission
    due_at: datetime | None


def reviewable_cohorts(session: Session, mentor: User) -> list[Cohort]:
    query = select(Cohort).order_by(Cohort.starts_at.desc())
    if mentor.role != Role.ADMIN:
        query = query.join(MentorAssignment).where(MentorAssignment.user_id == mentor.id)
    return list(session.scalars(query))


def review_queue(session: Session, mentor: User, cohort_id: int | None = None,
                 exercise_slug: str | None = None) -> list[QueueItem]:
    """Submissions awaiting review in the mentor's cohorts: nearest due first, then oldest."""
    query = (
        select(Submission, ScheduledExercise.due_at)
        .join(Submission.enrolment).join(Enrolment.cohort).join(Submission.exercise)
        .join(Enrolment.user)
        .outerjoin(ScheduledExercise, (ScheduledExercise.cohort_id == Cohort.id)
                   & (ScheduledExercise.exercise_id == Submission.exercise_id))
        .where(Submission.status == SubmissionStatus.AWAITING_REVIEW)
        .options(contains_eager(Submission.enrolment).contains_eager(Enrolment.cohort),
                 contains_eager(Submission.enrolment).contains_eager(Enrolment.user),
                 contains_eager(Submission.exercise))
        .order_by(ScheduledExercise.due_at.asc(), Submission.last_submitted_at.asc())
    )
    if mentor.role != Role.ADMIN:
        query = query.where(Cohort.id.in_(
            select(MentorAssignment.cohort_id).where(MentorAssignment.user_id == mentor.id)))
    if cohort_id:
        query = query.where(Cohort.id == cohort_id)
    if exercise_slug:
        query = query.where(Exercise.slug == exercise_slug)
    return [QueueItem(s, due) for s, due in session.execute(query).all()]


def submission_for_review(session: Session, submission_id: int) -> Submission | None:
    return session.scalar(select(Submission).where(Submission.id == submission_id).options(
        joinedload(Submission.enrolment).joinedload(Enrolment.cohort),
        joinedload(Submission.enrolment).joinedload(Enrolment.user),
        joinedload(Submission.exercise)))


@dataclass
class VersionWithReview:
    version: SubmissionVersion
    review: Review | None


def submission_history(session: Session, submission: Submission | None) -> list[VersionWithReview]:
    """Every version of a submission, newest first, with the review of each (scores loaded)."""
    if submission is None:
        return []
    versions = session.scalars(
        select(SubmissionVersion).where(SubmissionVersion.submission_id == submission.id)
        .options(selectinload(SubmissionVersion.attachments))
        .order_by(SubmissionVersion.number.desc())).all()
    reviews = {r.submission_version_id: r for r in session.scalars(
        select(Review).where(Review.submission_version_id.in_([v.id for v in versions]))
        .options(joinedload(Review.mentor),
                 selectinload(Review.scores).joinedload(CriterionScore.criterion)))}
    return [VersionWithReview(v, reviews.get(v.id)) for v in versions]
