from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, Column, ForeignKey, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.cohorts.models import Enrolment
from app.content.models import ModuleVersion
from app.core.db import utcnow
from app.extensions import db
from app.submissions.models import SubmissionVersion

completion_accepted_version = Table(
    "completion_accepted_version",
    db.metadata,
    Column("completion_record_id", ForeignKey("completion_record.id", ondelete="CASCADE"), primary_key=True),
    # The accepted work a record (and the badge's evidence) names must stay.
    Column("submission_version_id", ForeignKey("submission_version.id", ondelete="RESTRICT"), primary_key=True),
)


class CompletionRecord(db.Model):
    """修了記録: a learner completed every required exercise of a module version in a cohort.
    Written once and never deleted; a revoked record keeps who revoked it, when and why."""

    __tablename__ = "completion_record"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "module_version_id"),
        CheckConstraint("total_points BETWEEN 0 AND max_points", name="total_points_range"),
        CheckConstraint("score_percent BETWEEN 0 AND 100", name="score_percent_range"),
        CheckConstraint("(revoked_at IS NULL) = (revocation_reason IS NULL) "
                        "AND (revoked_at IS NULL) = (revoked_by_id IS NULL)", name="revocation_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="RESTRICT"))
    module_version_id: Mapped[int] = mapped_column(ForeignKey("module_version.id", ondelete="RESTRICT"))
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)
    total_points: Mapped[int]
    max_points: Mapped[int]
    # Weighted by the exercises' weights; rubric and auto-checked points together (0–100).
    score_percent: Mapped[float] = mapped_column(default=0.0)
    revoked_at: Mapped[Optional[datetime]]
    revocation_reason: Mapped[Optional[str]] = mapped_column(Text)
    revoked_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))

    enrolment: Mapped[Enrolment] = relationship()
    module_version: Mapped[ModuleVersion] = relationship()
    revoked_by: Mapped[Optional[User]] = relationship()
    accepted_versions: Mapped[list[SubmissionVersion]] = relationship(
        secondary=completion_accepted_version)
