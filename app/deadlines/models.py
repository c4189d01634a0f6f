"""Who gets more time, and how much: a learner's accommodation (extra days on every due date), extensions
of one exercise for one learner (requested and decided, or granted directly), bulk extensions that grant
many at once, and each person's secret calendar address. app/deadlines/queries.py turns them into the
effective due date every page, list and reminder uses."""

from datetime import datetime
from enum import StrEnum
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.cohorts.models import Enrolment
from app.content.models import Exercise
from app.core.db import enum_type, utcnow
from app.extensions import db

# An accommodation adds at most this many days (a quarter of a year; more is a different cohort).
MAX_EXTRA_DAYS = 90


class Accommodation(db.Model):
    """Extra days on every due date of every cohort the learner is in, now and later (合理的配慮)."""

    __tablename__ = "accommodation"
    __table_args__ = (
        CheckConstraint(f"extra_days BETWEEN 1 AND {MAX_EXTRA_DAYS}", name="extra_days_in_range"),
        CheckConstraint("length(reason) > 0", name="reason_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    extra_days: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    set_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class ExtensionStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    DECLINED = "declined"


class BulkExtension(db.Model):
    """One decision that extended many learners' due dates at once (a blizzard in Kushiro, disaster duty),
    with its one reason; its per-learner extensions point back at it."""

    __tablename__ = "bulk_extension"
    __table_args__ = (CheckConstraint("length(reason) > 0", name="reason_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    # What was chosen, as the organizer saw it in the preview (cohorts, exercises, places, the new date).
    summary: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    extensions: Mapped[list["Extension"]] = relationship(back_populates="bulk_extension")


class Extension(db.Model):
    """More time for one learner on one exercise of their cohort: asked for by the learner (requested,
    then approved with a date or declined with a note) or granted by staff directly (approved at once)."""

    __tablename__ = "deadline_extension"
    __table_args__ = (
        CheckConstraint("length(reason) > 0", name="reason_not_empty"),
        CheckConstraint("(status = 'approved') = (due_at IS NOT NULL)", name="approved_has_date"),
        CheckConstraint("(status = 'requested') = (decided_at IS NULL)", name="decided_has_time"),
        # At most one open request per learner and exercise.
        Index("uq_deadline_extension_open_request", "enrolment_id", "exercise_id", unique=True,
              sqlite_where=text("status = 'requested'"), postgresql_where=text("status = 'requested'")),
        Index("ix_deadline_extension_enrolment_id_exercise_id", "enrolment_id", "exercise_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"))
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"), index=True)
    status: Mapped[ExtensionStatus] = mapped_column(enum_type(ExtensionStatus, 16, "status"))
    reason: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The new due date, once approved.
    due_at: Mapped[Optional[datetime]]
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[Optional[datetime]]
    decision_note: Mapped[str] = mapped_column(Text, default="")
    bulk_extension_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("bulk_extension.id", ondelete="CASCADE"), index=True)

    enrolment: Mapped[Enrolment] = relationship()
    exercise: Mapped[Exercise] = relationship()
    requested_by: Mapped[Optional[User]] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[Optional[User]] = relationship(foreign_keys=[decided_by_id])
    bulk_extension: Mapped[Optional[BulkExtension]] = relationship(back_populates="extensions")


class CalendarFeed(db.Model):
    """A person's secret calendar address: whoever knows the token reads their due dates, so it is random
    (256 bits) and replaced from their settings page, after which the old address answers 404. Stored as
    it is, so that the page can show the address again whenever the person needs it."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
