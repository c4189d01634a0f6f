"""Submitting work. Each submit writes a new, immutable version."""

from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cohorts.models import Enrolment
from app.content.models import Exercise
from app.core.filetypes import detect_kind
from app.core.markdown import render_markdown
from app.core.storage import FileStorage
from app.submissions.models import Attachment, Submission, SubmissionStatus, SubmissionVersion
from app.submissions.unlocking import lock_for

MAX_ATTACHMENTS_PER_VERSION = 10


class SubmissionRefused(Exception):
    """Base of the reasons a submit is refused; nothing is written when one is raised."""


class CohortClosed(SubmissionRefused):
    pass


class ExerciseLocked(SubmissionRefused):
    pass


class AlreadyAccepted(SubmissionRefused):
    pass


class ExerciseNotInCohort(SubmissionRefused):
    pass


class EmptyAnswer(SubmissionRefused):
    pass


class AnswerTooLong(SubmissionRefused):
    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit


class AttachmentRefused(SubmissionRefused):
    def __init__(self, filename: str):
        super().__init__(filename)
        self.filename = filename


class AttachmentTooLarge(AttachmentRefused):
    def __init__(self, filename: str, limit: int):
        super().__init__(filename)
        self.limit = limit


class DisallowedFileType(AttachmentRefused):
    pass


class TooManyAttachments(SubmissionRefused):
    pass


@dataclass(frozen=True)
class Upload:
    filename: str
    stream: BinaryIO


def _store_uploads(uploads: list[Upload], storage: FileStorage, max_bytes: int) -> list[Attachment]:
    attachments = []
    for upload in uploads:
        data = upload.stream.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise AttachmentTooLarge(upload.filename, max_bytes)
        kind = detect_kind(upload.filename, data)
        if kind is None:
            raise DisallowedFileType(upload.filename)
        attachments.append(Attachment(filename=upload.filename, content_hash=storage.put_bytes(data), size=len(data),
                                      media_type=kind.media_type))
    return attachments


def submit_version(session: Session, *, enrolment: Enrolment, exercise: Exercise, body_md: str,
                   uploads: list[Upload], keep_attachment_ids: set[int], storage: FileStorage, now: datetime,
                   max_answer_chars: int, max_attachment_bytes: int) -> SubmissionVersion:
    """Write the learner's answer as the next version of their submission and put it in the
    review queue. Attachments of the previous version listed in `keep_attachment_ids` carry over.
    Raises a SubmissionRefused subclass and writes nothing when the submit is not allowed."""
    cohort = enrolment.cohort
    if exercise.module_version_id != cohort.module_version_id:
        raise ExerciseNotInCohort()
    if not cohort.is_open(now):
        raise CohortClosed()
    if lock_for(session, enrolment, exercise, now) is not None:
        raise ExerciseLocked()
    body_md = (body_md or "").replace("\r\n", "\n").strip()
    if not body_md:
        raise EmptyAnswer()
    if len(body_md) > max_answer_chars:
        raise AnswerTooLong(max_answer_chars)

    # Row lock (PostgreSQL) so two simultaneous submits get consecutive numbers, not a collision.
    submission = session.scalar(
        select(Submission).where(Submission.enrolment_id == enrolment.id, Submission.exercise_id == exercise.id)
        .with_for_update())
    if submission is not None and submission.status == SubmissionStatus.ACCEPTED:
        raise AlreadyAccepted()

    kept: list[Attachment] = []
    if submission is not None and keep_attachment_ids:
        previous = submission.versions[-1]
        kept = [Attachment(filename=a.filename, content_hash=a.content_hash, size=a.size, media_type=a.media_type)
                for a in previous.attachments if a.id in keep_attachment_ids]
    if len(kept) + len(uploads) > MAX_ATTACHMENTS_PER_VERSION:
        raise TooManyAttachments()
    new_attachments = _store_uploads(uploads, storage, max_attachment_bytes)

    if submission is None:
        submission = Submission(enrolment=enrolment, exercise=exercise, latest_version_number=1)
        session.add(submission)
        number = 1
    else:
        number = submission.latest_version_number + 1
    submission.latest_version_number = number
    submission.status = SubmissionStatus.AWAITING_REVIEW
    submission.last_submitted_at = now
    version = SubmissionVersion(submission=submission, number=number, body_md=body_md,
                                body_html=str(render_markdown(body_md)), submitted_at=now,
                                attachments=kept + new_attachments)
    session.add(version)
    session.flush()
    return version


def can_view_submission(user, submission: Submission, is_mentor_of_cohort: bool) -> bool:
    """The learner who wrote it, mentors of its cohort, and staff."""
    return (submission.enrolment.user_id == user.id or is_mentor_of_cohort or user.is_staff)
