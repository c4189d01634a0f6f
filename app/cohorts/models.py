from datetime import datetime
from enum import StrEnum
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.content.models import Exercise, ModuleVersion
from app.core.db import enum_type, utcnow
from app.extensions import db


class CohortStatus(StrEnum):
    """Where a cohort is in its life; the organizer moves it on (app/cohorts/lifecycle.py says what each
    state allows)."""
    DRAFT = "draft"
    OPEN = "open"
    RUNNING = "running"
    CLOSED = "closed"
    ARCHIVED = "archived"


class Cohort(db.Model):
    """A scheduled run (受講期) of one pinned module version."""

    __tablename__ = "cohort"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        CheckConstraint("max_revision_rounds >= 0", name="max_revision_rounds_not_negative"),
        CheckConstraint("review_target_working_days >= 1", name="review_target_positive"),
        CheckConstraint("release_gate_decisions IS NULL OR release_gate_decisions >= 1",
                        name="release_gate_decisions_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # Stored, not derived from the dates: the organizer decides when enrolment opens, work starts and the
    # cohort closes; the dates still bound submissions while it runs.
    status: Mapped[CohortStatus] = mapped_column(enum_type(CohortStatus, 16, "status"), default=CohortStatus.DRAFT)
    module_version_id: Mapped[int] = mapped_column(ForeignKey("module_version.id", ondelete="RESTRICT"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # When set, badges of this cohort wait for an organizer's approval instead of being issued at once.
    badges_need_approval: Mapped[bool] = mapped_column(default=False)
    # Review rules (issue 13, fairness; app/reviews/fairness.py applies them). A mentor is not offered work
    # from their own municipality unless the organizer turns this off.
    conflict_of_interest: Mapped[bool] = mapped_column(default=True)
    # Mentors see no learner name or municipality, and neutral file names, until the work is decided.
    blind_review: Mapped[bool] = mapped_column(default=False)
    # How many times work may be returned for revision; None: no limit. The round after the last return
    # must end in a decision (accepted or not passed).
    max_revision_rounds: Mapped[Optional[int]]
    # Working days (weekends and Japanese holidays excluded) work may wait before it is flagged as overdue.
    review_target_working_days: Mapped[int] = mapped_column(default=5)
    # Work that arrives goes at once to the cohort's mentor with the least open work (app/reviews/claims.py).
    auto_assign: Mapped[bool] = mapped_column(default=False)
    # Review checks (issue 13, app/reviews/gate.py). Release gate: the decisions of a mentor who is new
    # to the cohort wait for an organizer or lead mentor; new means fewer than `release_gate_decisions`
    # released decisions here (None: until marked trusted). Moderation: an acceptance needs a second mentor.
    release_gate: Mapped[bool] = mapped_column(default=False)
    release_gate_decisions: Mapped[Optional[int]]
    moderation: Mapped[bool] = mapped_column(default=False)
    # The cohort's mentors may approve or decline learners' extension requests, as organizers do
    # (app/deadlines/services.py).
    mentors_decide_extensions: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Self-enrolment (app/cohorts/selfenrol.py): learners join with this code, or its link /join/<code>;
    # None means self-enrolment is off. Stored without the hyphen it is shown with.
    join_code: Mapped[Optional[str]] = mapped_column(String(8), unique=True)
    # The most active learners self-enrolment admits (None: no limit); organizers may enrol beyond it.
    capacity: Mapped[Optional[int]]
    # When full, a learner joining goes on the waiting list instead of being turned away.
    has_waiting_list: Mapped[bool] = mapped_column(default=False)

    module_version: Mapped[ModuleVersion] = relationship()
    schedule: Mapped[list["ScheduledExercise"]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan")
    enrolments: Mapped[list["Enrolment"]] = relationship(back_populates="cohort")
    mentor_assignments: Mapped[list["MentorAssignment"]] = relationship(back_populates="cohort")
    waiting_list: Mapped[list["WaitingListEntry"]] = relationship(
        back_populates="cohort", order_by="(WaitingListEntry.joined_at, WaitingListEntry.id)")

    def is_within_dates(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at


class ScheduledExercise(db.Model):
    """The due date of one exercise in one cohort."""

    __tablename__ = "scheduled_exercise"
    __table_args__ = (UniqueConstraint("cohort_id", "exercise_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"))
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"))
    # None: no deadline, allowed for optional exercises only (app/cohorts/schedule.py checks it).
    due_at: Mapped[Optional[datetime]]

    cohort: Mapped[Cohort] = relationship(back_populates="schedule")
    exercise: Mapped[Exercise] = relationship()


class EnrolmentStatus(StrEnum):
    ACTIVE = "active"
    # Left the cohort: their work stays, but they cannot submit and staff lists leave them out by default.
    WITHDRAWN = "withdrawn"


class Enrolment(db.Model):
    __tablename__ = "enrolment"
    __table_args__ = (
        UniqueConstraint("cohort_id", "user_id"),
        CheckConstraint("(status = 'withdrawn') = (withdrawn_at IS NOT NULL)", name="withdrawn_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Submissions, attempts and completion records hang on the enrolment: it stays with its cohort and user.
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[EnrolmentStatus] = mapped_column(enum_type(EnrolmentStatus, 16, "status"),
                                                    default=EnrolmentStatus.ACTIVE)
    withdrawn_at: Mapped[Optional[datetime]]

    cohort: Mapped[Cohort] = relationship(back_populates="enrolments")
    user: Mapped[User] = relationship()

    @property
    def is_withdrawn(self) -> bool:
        return self.status == EnrolmentStatus.WITHDRAWN


class MentorAssignment(db.Model):
    __tablename__ = "mentor_assignment"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # A link and nothing more (reviews name their mentor themselves): it goes with either side.
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A lead mentor releases the decisions the cohort's release gate holds; their own are never held.
    is_lead: Mapped[bool] = mapped_column(default=False)
    # Marked trusted by an organizer: the release gate no longer holds this mentor's decisions.
    is_trusted: Mapped[bool] = mapped_column(default=False)

    cohort: Mapped[Cohort] = relationship(back_populates="mentor_assignments")
    user: Mapped[User] = relationship()


class WaitingListEntry(db.Model):
    """A learner waiting for a seat in a full cohort, in the order they asked (joined_at, then id). The
    entry goes when they are enrolled or removed; the audit log keeps both."""

    __tablename__ = "waiting_list_entry"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    cohort: Mapped[Cohort] = relationship(back_populates="waiting_list")
    user: Mapped[User] = relationship()
