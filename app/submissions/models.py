from datetime import datetime
from enum import StrEnum
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.cohorts.models import Enrolment
from app.content.models import Exercise
from app.core.db import enum_type, utcnow
from app.extensions import db
from app.groups.models import CohortGroup


class SubmissionStatus(StrEnum):
    AWAITING_REVIEW = "awaiting_review"
    RETURNED = "returned"
    ACCEPTED = "accepted"
    # The last revision round allowed by the cohort ended without a pass: closed, nothing more to submit.
    NOT_PASSED = "not_passed"


class Submission(db.Model):
    """A learner's work on one exercise in one enrolment; its versions are the history. The work on a
    group deliverable belongs to the group (`group_id`): one per group, which every member sees and
    revises; its `enrolment_id` is the member who first submitted it."""

    __tablename__ = "submission"
    __table_args__ = (
        # One submission per learner for their own work, one per group for a group deliverable.
        Index("ix_submission_own_work", "enrolment_id", "exercise_id", unique=True,
              sqlite_where=text("group_id IS NULL"), postgresql_where=text("group_id IS NULL")),
        Index("ix_submission_group_work", "group_id", "exercise_id", unique=True,
              sqlite_where=text("group_id IS NOT NULL"), postgresql_where=text("group_id IS NOT NULL")),
        # Every reading of a learner's work, own and group work alike.
        Index("ix_submission_enrolment_id", "enrolment_id"),
        CheckConstraint("latest_version_number >= 1", name="has_a_version"),
        # The mentor queue: awaiting review, oldest first.
        Index("ix_submission_status_submitted_at", "status", "last_submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="RESTRICT"))
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercise.id", ondelete="RESTRICT"), index=True)
    # A group's work keeps its group: a group is deleted only while it has none.
    group_id: Mapped[Optional[int]] = mapped_column(ForeignKey("cohort_group.id", ondelete="RESTRICT"))
    status: Mapped[SubmissionStatus] = mapped_column(enum_type(SubmissionStatus, 20, "status"),
                                                     default=SubmissionStatus.AWAITING_REVIEW)
    latest_version_number: Mapped[int] = mapped_column(default=1)
    last_submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    enrolment: Mapped[Enrolment] = relationship()
    exercise: Mapped[Exercise] = relationship()
    group: Mapped[Optional[CohortGroup]] = relationship()
    versions: Mapped[list["SubmissionVersion"]] = relationship(
        back_populates="submission", order_by="SubmissionVersion.number")


class SubmissionVersion(db.Model):
    """One submitted answer. Never changed after it is written."""

    __tablename__ = "submission_version"
    __table_args__ = (
        UniqueConstraint("submission_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="RESTRICT"))
    number: Mapped[int]
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Who sent this version: in a group's work, any member may (None before groups existed).
    submitted_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    submission: Mapped[Submission] = relationship(back_populates="versions")
    submitted_by: Mapped[Optional[User]] = relationship()
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="submission_version", order_by="Attachment.id")


class Attachment(db.Model):
    __tablename__ = "attachment"
    __table_args__ = (CheckConstraint("size >= 0", name="size_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_version_id: Mapped[int] = mapped_column(ForeignKey("submission_version.id", ondelete="CASCADE"),
                                                       index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_hash: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    media_type: Mapped[str] = mapped_column(String(127))

    submission_version: Mapped[SubmissionVersion] = relationship(back_populates="attachments")


class AnswerDraft(db.Model):
    """What a learner has typed for an exercise but not submitted yet: one per enrolment and exercise,
    seen only by its learner, overwritten by each save and deleted when a version is submitted."""

    __tablename__ = "answer_draft"
    __table_args__ = (UniqueConstraint("enrolment_id", "exercise_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # A draft is worth nothing without its enrolment or exercise: it goes with them.
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"))
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"), index=True)
    body_md: Mapped[str] = mapped_column(Text)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Deleted with the draft by the database (the submit deletes drafts in bulk).
    attachments: Mapped[list["DraftAttachment"]] = relationship(
        back_populates="draft", order_by="DraftAttachment.id", cascade="all, delete-orphan", passive_deletes=True)


class DraftAttachment(db.Model):
    """A file the learner chose for their answer but has not submitted: kept when the page is sent for
    something else (checking answers, preview, saving the draft), since a browser cannot keep a chosen
    file across pages. The stored file is the same as an attachment's; on submit it becomes one."""

    __tablename__ = "draft_attachment"
    __table_args__ = (CheckConstraint("size >= 0", name="size_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("answer_draft.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_hash: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    media_type: Mapped[str] = mapped_column(String(127))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    draft: Mapped[AnswerDraft] = relationship(back_populates="attachments")
