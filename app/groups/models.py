from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.cohorts.models import Cohort, Enrolment, MentorAssignment
from app.core.db import utcnow
from app.extensions import db


class CohortGroup(db.Model):
    """A group (班) of learners within one cohort; a group deliverable is one submission per group."""

    __tablename__ = "cohort_group"
    __table_args__ = (
        UniqueConstraint("cohort_id", "name"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    cohort: Mapped[Cohort] = relationship()
    memberships: Mapped[list["GroupMembership"]] = relationship(back_populates="group",
                                                                cascade="all, delete-orphan")
    mentors: Mapped[list["GroupMentor"]] = relationship(back_populates="group", cascade="all, delete-orphan")


class GroupMembership(db.Model):
    """A learner's place in a group: at most one group per enrolment (so per cohort)."""

    __tablename__ = "group_membership"
    __table_args__ = (UniqueConstraint("enrolment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("cohort_group.id", ondelete="CASCADE"), index=True)
    # The work stays with the group and the enrolment; the link between them is all that goes.
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    group: Mapped[CohortGroup] = relationship(back_populates="memberships")
    enrolment: Mapped[Enrolment] = relationship()


class GroupMentor(db.Model):
    """A mentor of the cohort looking after one group. It hangs on the cohort assignment, so a mentor
    taken off the cohort leaves its groups too."""

    __tablename__ = "group_mentor"
    __table_args__ = (UniqueConstraint("group_id", "mentor_assignment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("cohort_group.id", ondelete="CASCADE"))
    mentor_assignment_id: Mapped[int] = mapped_column(ForeignKey("mentor_assignment.id", ondelete="CASCADE"),
                                                      index=True)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)

    group: Mapped[CohortGroup] = relationship(back_populates="mentors")
    mentor_assignment: Mapped[MentorAssignment] = relationship()
