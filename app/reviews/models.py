from datetime import datetime
from enum import StrEnum
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.content.models import RubricCriterion
from app.core.db import enum_type, utcnow
from app.extensions import db
from app.submissions.models import Submission, SubmissionVersion


class Decision(StrEnum):
    ACCEPTED = "accepted"
    RETURNED = "returned"


class Review(db.Model):
    """A mentor's decision on one submission version."""

    __tablename__ = "review"
    __table_args__ = (
        # One decision per version: a second mentor's concurrent review fails instead of overwriting.
        UniqueConstraint("submission_version_id"),
        CheckConstraint("total_points >= 0", name="total_points_not_negative"),
        CheckConstraint("total_points <= max_points", name="total_points_within_max"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_version_id: Mapped[int] = mapped_column(ForeignKey("submission_version.id", ondelete="RESTRICT"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"), index=True)
    decision: Mapped[Decision] = mapped_column(enum_type(Decision, 16, "decision"))
    feedback_md: Mapped[str] = mapped_column(Text)
    feedback_html: Mapped[str] = mapped_column(Text)
    total_points: Mapped[int]
    max_points: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    submission_version: Mapped[SubmissionVersion] = relationship()
    mentor: Mapped[User] = relationship()
    scores: Mapped[list["CriterionScore"]] = relationship(back_populates="review")


class CriterionScore(db.Model):
    __tablename__ = "criterion_score"
    __table_args__ = (
        UniqueConstraint("review_id", "criterion_id"),
        CheckConstraint("points >= 0", name="points_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("rubric_criterion.id", ondelete="RESTRICT"))
    points: Mapped[int]

    review: Mapped[Review] = relationship(back_populates="scores")
    criterion: Mapped[RubricCriterion] = relationship()


class ReviewClaim(db.Model):
    """A mentor's hold on a submission awaiting review, so that two mentors don't review the same one.
    At most one row per submission (its primary key); a row whose `expires_at` has passed holds nothing
    and the next claim takes it over."""

    __tablename__ = "review_claim"
    __table_args__ = (CheckConstraint("expires_at > claimed_at", name="expires_after_claimed"),)

    # A claim is only about the submission and the mentor: it goes with either.
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    # The organizer who gave it to this mentor; None when the mentor claimed it.
    assigned_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    submission: Mapped[Submission] = relationship()
    mentor: Mapped[User] = relationship(foreign_keys=[mentor_id])

    def is_active(self, now: datetime) -> bool:
        return self.expires_at > now
