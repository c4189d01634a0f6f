from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.cohorts.models import Enrolment
from app.content.models import Question
from app.core.db import utcnow
from app.extensions import db


class QuestionAttempt(db.Model):
    """One try at an auto-checked question; the count of rows is the attempt count."""

    __tablename__ = "question_attempt"
    __table_args__ = (Index("ix_question_attempt_enrolment_question", "enrolment_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Attempts are the learner's history (they count towards the score): they hold on to both.
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="RESTRICT"))
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="RESTRICT"))
    response: Mapped[dict] = mapped_column(db.JSON)
    is_correct: Mapped[bool]
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)

    enrolment: Mapped[Enrolment] = relationship()
    question: Mapped[Question] = relationship()
