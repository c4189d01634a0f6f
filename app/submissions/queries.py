"""Reads about submissions that other parts of the app need."""

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from app.content.models import Material
from app.submissions.models import AnswerDraft, Attachment


def referenced_file_hashes(session: Session) -> set[str]:
    """Every stored file some row points to: attachments of submission versions and exercise materials."""
    return set(session.scalars(union(select(Attachment.content_hash), select(Material.content_hash))))


def answer_draft(session: Session, enrolment_id: int, exercise_id: int) -> AnswerDraft | None:
    """The learner's unsubmitted answer to the exercise, if they saved one."""
    return session.scalar(select(AnswerDraft).where(AnswerDraft.enrolment_id == enrolment_id,
                                                    AnswerDraft.exercise_id == exercise_id))
