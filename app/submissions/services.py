"""Submitting work. Each submit writes a new, immutable version."""

from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.deadlines.services import submissions_open_for
from app.cohorts.models import Enrolment
from app.content.models import Exercise
from app.core.db import column_length, dialect_insert
from app.core.filetypes import detect_kind
from app.core.markdown import render_markdown
from app.core.storage import FileStorage, StagedFile
from app.groups.models import CohortGroup
from app.groups.queries import group_of
from app.submissions.models import (AnswerDraft, Attachment, DraftAttachment, Submission, SubmissionStatus,
                                    SubmissionVersion)
from app.submissions.signals import version_submitted
from app.submissions.unlocking import lock_for
from app.submissions.work import work_of

MAX_ATTACHMENTS_PER_VERSION = 10


class SubmissionRefused(Exception):
    """Base of the reasons a submit is refused; nothing is written when one is raised."""


class CohortClosed(SubmissionRefused):
    pass


class LearnerWithdrawn(SubmissionRefused):
    """The learner was withdrawn from the cohort (an organizer can re-admit them)."""


class ExerciseLocked(SubmissionRefused):
    pass


class AlreadyAccepted(SubmissionRefused):
    pass


class ClosedNotPassed(SubmissionRefused):
    """The mentor closed the exercise as not passed after the cohort's last revision round."""


class ExerciseNotInCohort(SubmissionRefused):
    pass


class NotInGroup(SubmissionRefused):
    """A group deliverable, and the learner is in no group of the cohort yet."""


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


class AttachmentNameTooLong(AttachmentRefused):
    def __init__(self, filename: str, limit: int):
        super().__init__(filename)
        self.limit = limit


class NoRoomForAttachment(AttachmentRefused):
    """A file chosen beyond the number a version may have (see add_draft_attachments)."""

    def __init__(self, filename: str, limit: int):
        super().__init__(filename)
        self.limit = limit


class TooManyAttachments(SubmissionRefused):
    pass


@dataclass(frozen=True)
class Upload:
    filename: str
    stream: BinaryIO


def _checked_upload(upload: Upload, max_bytes: int) -> tuple[str, bytes]:
    """(media type, content) of an upload a version may have; raises the AttachmentRefused that says why not."""
    name_limit = column_length(Attachment.filename)
    # Refused rather than shortened: the learner chose the name, and a cut name may lose its meaning.
    if len(upload.filename) > name_limit:
        raise AttachmentNameTooLong(upload.filename, name_limit)
    data = upload.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise AttachmentTooLarge(upload.filename, max_bytes)
    kind = detect_kind(upload.filename, data)
    if kind is None:
        raise DisallowedFileType(upload.filename)
    return kind.media_type, data


def _stage_uploads(uploads: list[Upload], storage: FileStorage, max_bytes: int) -> list[tuple[Upload, str, StagedFile]]:
    """Check every upload and stage it; if one is refused, the ones staged before it are discarded."""
    staged: list[tuple[Upload, str, StagedFile]] = []
    try:
        for upload in uploads:
            media_type, data = _checked_upload(upload, max_bytes)
            staged.append((upload, media_type, storage.stage(data)))
    except BaseException:
        storage.discard([file for _, _, file in staged])
        raise
    return staged


def _claim_next_number(session: Session, enrolment: Enrolment, exercise: Exercise, group: CohortGroup | None,
                       now: datetime) -> tuple[int, int]:
    """(submission id, version number) for a new version, allocated by the database itself so that
    simultaneous submits get consecutive numbers: the first creates the submission row (a concurrent
    first submit waits for it and then finds it), later ones increment it in one UPDATE, which holds the
    row lock on PostgreSQL and the write lock on SQLite until commit. The submission is the group's when
    `group` is given, else the learner's own. Raises AlreadyAccepted."""
    table = Submission.__table__
    # The owner's rows, and the partial unique index that holds one per owner and exercise (see Submission).
    if group is None:
        kind = table.c.group_id.is_(None)
        owner, conflict = [table.c.enrolment_id == enrolment.id, kind], "enrolment_id"
    else:
        kind = table.c.group_id.is_not(None)
        owner, conflict = [table.c.group_id == group.id], "group_id"
    created = session.execute(
        dialect_insert(session)(table)
        .values(enrolment_id=enrolment.id, exercise_id=exercise.id, group_id=group.id if group else None,
                status=SubmissionStatus.AWAITING_REVIEW, latest_version_number=1, last_submitted_at=now)
        .on_conflict_do_nothing(index_elements=[conflict, "exercise_id"], index_where=kind)
        .returning(table.c.id)).scalar()
    if created is not None:
        return created, 1
    claimed = session.execute(
        update(table)
        .where(*owner, table.c.exercise_id == exercise.id, table.c.status.not_in((SubmissionStatus.ACCEPTED, SubmissionStatus.NOT_PASSED)))
        .values(latest_version_number=table.c.latest_version_number + 1,
                status=SubmissionStatus.AWAITING_REVIEW, last_submitted_at=now)
        .returning(table.c.id, table.c.latest_version_number)).one_or_none()
    if claimed is None:
        status = session.scalar(select(table.c.status).where(table.c.enrolment_id == enrolment.id,
                                                             table.c.exercise_id == exercise.id))
        raise ClosedNotPassed() if status == SubmissionStatus.NOT_PASSED else AlreadyAccepted()
    return claimed.id, claimed.latest_version_number


def _ensure_answerable(session: Session, enrolment: Enrolment, exercise: Exercise,
                       now: datetime) -> CohortGroup | None:
    """The group whose work this is (None for the learner's own work); raises a SubmissionRefused."""
    cohort = enrolment.cohort
    if exercise.module_version_id != cohort.module_version_id:
        raise ExerciseNotInCohort()
    if enrolment.is_withdrawn:
        raise LearnerWithdrawn()
    if not submissions_open_for(session, cohort, enrolment_id=enrolment.id, exercise_id=exercise.id, now=now):
        raise CohortClosed()
    if lock_for(session, enrolment, exercise, now) is not None:
        raise ExerciseLocked()
    if not exercise.is_group_deliverable:
        return None
    group = group_of(session, enrolment.id)
    if group is None:
        raise NotInGroup()
    return group


def submit_version(session: Session, *, enrolment: Enrolment, exercise: Exercise, body_md: str,
                   uploads: list[Upload], keep_attachment_ids: set[int], storage: FileStorage, now: datetime,
                   max_answer_chars: int, max_attachment_bytes: int) -> SubmissionVersion:
    """Write the learner's answer as the next version of their submission and put it in the
    review queue. Attachments of the previous version listed in `keep_attachment_ids` carry over.
    Uploaded files enter the store only once the whole submit is accepted and flushed, just before
    the caller commits. A group deliverable's version goes to the learner's group's submission (NotInGroup
    when they are in none). Raises a SubmissionRefused subclass and stores nothing when the submit is not
    allowed; two simultaneous submits both succeed, as consecutive versions."""
    group = _ensure_answerable(session, enrolment, exercise, now)
    body_md = (body_md or "").replace("\r\n", "\n").strip()
    if not body_md:
        raise EmptyAnswer()
    if len(body_md) > max_answer_chars:
        raise AnswerTooLong(max_answer_chars)
    if len(uploads) > MAX_ATTACHMENTS_PER_VERSION:
        raise TooManyAttachments()

    # Staged before the submission is locked, so the lock is not held while files are read and written.
    staged = _stage_uploads(uploads, storage, max_attachment_bytes)
    try:
        version = _write_version(session, enrolment, exercise, group, body_md, staged, keep_attachment_ids, now)
        version_submitted.send(session, version=version, now=now)
    except BaseException:
        storage.discard([file for _, _, file in staged])
        raise
    for _, _, file in staged:
        storage.promote(file)
    return version


def _write_version(session: Session, enrolment: Enrolment, exercise: Exercise, group: CohortGroup | None,
                   body_md: str, staged: list[tuple[Upload, str, StagedFile]], keep_attachment_ids: set[int],
                   now: datetime) -> SubmissionVersion:
    submission_id, number = _claim_next_number(session, enrolment, exercise, group, now)
    kept = []
    if number > 1 and keep_attachment_ids:
        kept = [Attachment(filename=a.filename, content_hash=a.content_hash, size=a.size, media_type=a.media_type)
                for a in session.scalars(
                    select(Attachment).join(SubmissionVersion)
                    .where(SubmissionVersion.submission_id == submission_id, SubmissionVersion.number == number - 1,
                           Attachment.id.in_(keep_attachment_ids)).order_by(Attachment.id))]
    # The files chosen earlier and kept with the draft (add_draft_attachments) go with it.
    chosen = [Attachment(filename=a.filename, content_hash=a.content_hash, size=a.size, media_type=a.media_type)
              for a in session.scalars(select(DraftAttachment).join(AnswerDraft).where(
                  AnswerDraft.enrolment_id == enrolment.id, AnswerDraft.exercise_id == exercise.id)
                  .order_by(DraftAttachment.id))]
    if len(kept) + len(chosen) + len(staged) > MAX_ATTACHMENTS_PER_VERSION:
        raise TooManyAttachments()
    new = [Attachment(filename=upload.filename, content_hash=file.content_hash, size=file.size, media_type=media_type)
           for upload, media_type, file in staged]
    # The claim changed the row behind the ORM's back; read it afresh.
    submission = session.get(Submission, submission_id, populate_existing=True)
    version = SubmissionVersion(submission=submission, number=number, body_md=body_md,
                                body_html=str(render_markdown(body_md)), submitted_at=now,
                                submitted_by_id=enrolment.user_id, attachments=kept + chosen + new)
    session.add(version)
    session.flush()
    session.expire(submission, ["versions"])
    # What was typed is now a version: the draft has served its purpose.
    session.execute(delete(AnswerDraft).where(AnswerDraft.enrolment_id == enrolment.id,
                                              AnswerDraft.exercise_id == exercise.id))
    return version


def save_answer_draft(session: Session, *, enrolment: Enrolment, exercise: Exercise, body_md: str, now: datetime,
                      max_answer_chars: int) -> AnswerDraft:
    """Keep what the learner has typed, exactly (an empty box too), as their one draft for the exercise,
    replacing the previous one. Raises the SubmissionRefused a submit would for the exercise's state
    (not in the cohort, cohort closed, locked, already accepted) or AnswerTooLong, and writes nothing."""
    _ensure_answerable(session, enrolment, exercise, now)
    statuses = session.execute(work_of([enrolment.id], Submission.status)
                               .where(Submission.exercise_id == exercise.id)).all()
    if any(status == SubmissionStatus.ACCEPTED for _, status in statuses):
        raise AlreadyAccepted()
    if any(status == SubmissionStatus.NOT_PASSED for _, status in statuses):
        raise ClosedNotPassed()
    body_md = (body_md or "").replace("\r\n", "\n")
    if len(body_md) > max_answer_chars:
        raise AnswerTooLong(max_answer_chars)
    # One statement, so that two tabs saving at once both succeed (the later one wins).
    table = AnswerDraft.__table__
    statement = dialect_insert(session)(table).values(
        enrolment_id=enrolment.id, exercise_id=exercise.id, body_md=body_md, saved_at=now)
    session.execute(statement.on_conflict_do_update(
        index_elements=["enrolment_id", "exercise_id"], set_={"body_md": body_md, "saved_at": now}))
    return session.scalars(select(AnswerDraft).where(AnswerDraft.enrolment_id == enrolment.id,
                                                     AnswerDraft.exercise_id == exercise.id)
                           .execution_options(populate_existing=True)).one()


def add_draft_attachments(session: Session, *, enrolment: Enrolment, exercise: Exercise, body_md: str,
                          uploads: list[Upload], storage: FileStorage, now: datetime, max_answer_chars: int,
                          max_attachment_bytes: int) -> tuple[AnswerDraft, list[AttachmentRefused]]:
    """Keep the files chosen for the answer with the learner's draft (saved with `body_md`, what was typed),
    to be sent with the next version: (the draft, the files not kept). Each file is checked as a submit
    would check it, on its own: one refused for its name, size or type (AttachmentRefused), or for which the
    draft has no room left (NoRoomForAttachment: a version has at most MAX_ATTACHMENTS_PER_VERSION files), is
    not kept, and the others are. Raises what `save_answer_draft` refuses, and then keeps nothing."""
    draft = save_answer_draft(session, enrolment=enrolment, exercise=exercise, body_md=body_md, now=now,
                              max_answer_chars=max_answer_chars)
    room = MAX_ATTACHMENTS_PER_VERSION - len(draft.attachments)
    staged: list[tuple[Upload, str, StagedFile]] = []
    refused: list[AttachmentRefused] = []
    try:
        for upload in uploads:
            try:
                media_type, data = _checked_upload(upload, max_attachment_bytes)
            except AttachmentRefused as refusal:
                refused.append(refusal)
                continue
            if len(staged) >= room:
                refused.append(NoRoomForAttachment(upload.filename, MAX_ATTACHMENTS_PER_VERSION))
                continue
            staged.append((upload, media_type, storage.stage(data)))
        for upload, media_type, file in staged:
            draft.attachments.append(DraftAttachment(filename=upload.filename, content_hash=file.content_hash,
                                                     size=file.size, media_type=media_type, created_at=now))
        session.flush()
    except BaseException:
        storage.discard([file for _, _, file in staged])
        raise
    for _, _, file in staged:
        storage.promote(file)
    return draft, refused


def remove_draft_attachment(session: Session, *, enrolment: Enrolment, exercise: Exercise,
                            attachment_id: int | None) -> bool:
    """Take a chosen file off the learner's draft; False when it is not (or no longer) on it."""
    attachment = session.scalar(select(DraftAttachment).join(AnswerDraft).where(
        DraftAttachment.id == attachment_id, AnswerDraft.enrolment_id == enrolment.id,
        AnswerDraft.exercise_id == exercise.id)) if attachment_id else None
    if attachment is None:
        return False
    session.delete(attachment)
    session.flush()
    return True


def can_view_submission(user, submission: Submission, is_mentor_of_cohort: bool, is_group_member: bool = False) -> bool:
    """The learner who wrote it (every member of its group, for a group's work), mentors of its cohort,
    and staff."""
    if submission.group_id is not None:
        return is_group_member or is_mentor_of_cohort or user.is_staff
    return submission.enrolment.user_id == user.id or is_mentor_of_cohort or user.is_staff
