from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.cohorts.models import Enrolment
from app.content.models import Exercise
from app.core.db import enum_type, utcnow
from app.extensions import db


class SubmissionStatus(StrEnum):
    AWAITING_REVIEW = "awaiting_review"
    RETURNED = "returned"
    ACCEPTED = "accepted"
    # The last revision round allowed by the cohort ended without a pass: closed, nothing more to submit.
    NOT_PASSED = "not_passed"


class Submission(db.Model):
    """A learner's work on one exercise in one enrolment; its versions are the history."""

    __tablename__ = "submission"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "exercise_id"),
        CheckConstraint("latest_version_number >= 1", name="has_a_version"),
        # The mentor queue: awaiting review, oldest first.
        Index("ix_submission_status_submitted_at", "status", "last_submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="RESTRICT"))
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercise.id", ondelete="RESTRICT"), index=True)
    status: Mapped[SubmissionStatus] = mapped_column(enum_type(SubmissionStatus, 20, "status"),
                                                     default=SubmissionStatus.AWAITING_REVIEW)
    latest_version_number: Mapped[int] = mapped_column(default=1)
    last_submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    enrolment: Mapped[Enrolment] = relationship()
    exercise: Mapped[Exercise] = relationship()
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

    submission: Mapped[Submission] = relationship(back_populates="versions")
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
