from datetime import datetime
from enum import StrEnum
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.db import enum_type, utcnow
from app.extensions import db
from app.submissions.models import Submission, SubmissionVersion


class ConsentState(StrEnum):
    ASKED = "asked"
    CONSENTED = "consented"
    DECLINED = "declined"
    # Consent given, then taken back: final, like a refusal.
    WITHDRAWN = "withdrawn"


class CaseNomination(db.Model):
    """Accepted work put forward as exemplary: at most one per submission. It is a case in the library
    while it is published and every author's consent is CONSENTED (app/cases/queries.py: `is_public`)."""

    __tablename__ = "case_nomination"
    __table_args__ = (
        UniqueConstraint("submission_id"),
        CheckConstraint("length(note) > 0", name="note_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"))
    # The accepted version: the answer and attachments the case shows.
    submission_version_id: Mapped[int] = mapped_column(ForeignKey("submission_version.id", ondelete="CASCADE"),
                                                       index=True)
    nominated_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"),
                                                           index=True)
    # Why the work is exemplary, in the nominator's words (plain text).
    note: Mapped[str] = mapped_column(Text)
    nominated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[Optional[datetime]]

    submission: Mapped[Submission] = relationship()
    submission_version: Mapped[SubmissionVersion] = relationship()
    nominated_by: Mapped[Optional[User]] = relationship()
    consents: Mapped[list["CaseConsent"]] = relationship(back_populates="nomination", cascade="all, delete-orphan",
                                                         order_by="CaseConsent.id")


class CaseConsent(db.Model):
    """One author's answer to a nomination (every member of the group, for a group's work), asked when the
    work is nominated. Whether the case shows their name (and municipality) or 「匿名」 is theirs to choose."""

    __tablename__ = "case_consent"
    __table_args__ = (
        UniqueConstraint("nomination_id", "user_id"),
        # An answer has its moment; a question not yet answered has none.
        CheckConstraint("(state = 'asked') = (answered_at IS NULL)", name="answered_when_answered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("case_nomination.id", ondelete="CASCADE"))
    # An author's consent is never dropped silently: a missing row would read as no objection.
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"), index=True)
    state: Mapped[ConsentState] = mapped_column(enum_type(ConsentState, 16, "state"), default=ConsentState.ASKED)
    shows_name: Mapped[bool] = mapped_column(default=False)
    answered_at: Mapped[Optional[datetime]]

    nomination: Mapped[CaseNomination] = relationship(back_populates="consents")
    user: Mapped[User] = relationship()
