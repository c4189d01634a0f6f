from datetime import datetime

from sqlalchemy import Column, ForeignKey, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.cohorts.models import Enrolment
from app.content.models import ModuleVersion
from app.core.db import utcnow
from app.extensions import db
from app.submissions.models import SubmissionVersion

completion_accepted_version = Table(
    "completion_accepted_version",
    db.metadata,
    Column("completion_record_id", ForeignKey("completion_record.id"), primary_key=True),
    Column("submission_version_id", ForeignKey("submission_version.id"), primary_key=True),
)


class CompletionRecord(db.Model):
    """修了記録: a learner completed every required exercise of a module version in a cohort.
    Written once; it is what the badge module issues credentials from."""

    __tablename__ = "completion_record"
    __table_args__ = (UniqueConstraint("enrolment_id", "module_version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"))
    module_version_id: Mapped[int] = mapped_column(ForeignKey("module_version.id"))
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)
    total_points: Mapped[int]
    max_points: Mapped[int]
    # Weighted by the exercises' weights; rubric and auto-checked points together (0–100).
    score_percent: Mapped[float] = mapped_column(default=0.0)

    enrolment: Mapped[Enrolment] = relationship()
    module_version: Mapped[ModuleVersion] = relationship()
    accepted_versions: Mapped[list[SubmissionVersion]] = relationship(
        secondary=completion_accepted_version)
