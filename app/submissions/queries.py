"""Reads about submissions that other parts of the app need."""

from datetime import datetime

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session, selectinload

from app.content.models import Material
from app.submissions.models import AnswerDraft, Attachment, DraftAttachment, SubmissionStatus, SubmissionVersion


def referenced_file_hashes(session: Session) -> set[str]:
    """Every stored file some row points to: attachments of submission versions and of answer drafts, and
    exercise materials."""
    return set(session.scalars(union(select(Attachment.content_hash), select(DraftAttachment.content_hash),
                                     select(Material.content_hash))))


def answer_draft(session: Session, enrolment_id: int, exercise_id: int) -> AnswerDraft | None:
    """The learner's unsubmitted answer to the exercise, if they saved one."""
    return session.scalar(select(AnswerDraft).where(AnswerDraft.enrolment_id == enrolment_id,
                                                    AnswerDraft.exercise_id == exercise_id)
                          .options(selectinload(AnswerDraft.attachments)))


def is_overdue(*, due_at: datetime | None, now: datetime, is_required: bool, state: str,
               first_submitted_at: datetime | None) -> bool:
    """Overdue: a required exercise whose due date has passed, neither accepted nor first submitted by
    then. Work is judged by when it came, not by today: work handed in on time is never overdue however
    long the review or the revision takes. The one rule of every page (progress table, mentor queue,
    learner's pages)."""
    if due_at is None or not is_required or state == SubmissionStatus.ACCEPTED:
        return False
    if first_submitted_at is None:
        return now > due_at
    return first_submitted_at > due_at


def first_submitted_at(session: Session, submission_ids: list[int]) -> dict[int, datetime]:
    """When the first version of each submission was submitted: one grouped query."""
    if not submission_ids:
        return {}
    return dict(session.execute(
        select(SubmissionVersion.submission_id, func.min(SubmissionVersion.submitted_at))
        .where(SubmissionVersion.submission_id.in_(submission_ids))
        .group_by(SubmissionVersion.submission_id)).all())
