from datetime import datetime
from enum import StrEnum
from typing import Optional

from sqlalchemy import ForeignKey, Index, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.badges.models import Credential
from app.cohorts.models import Cohort
from app.content.models import Exercise
from app.core.db import enum_type, utcnow
from app.deadlines.models import Extension
from app.extensions import db
from app.submissions.models import Submission


class NotificationKind(StrEnum):
    WORK_RETURNED = "work_returned"
    WORK_ACCEPTED = "work_accepted"
    # To each mentor assigned to the cohort.
    SUBMISSION_WAITING = "submission_waiting"
    DUE_IN_7_DAYS = "due_in_7_days"
    DUE_IN_1_DAY = "due_in_1_day"
    OVERDUE = "overdue"
    BADGE_ISSUED = "badge_issued"
    # To each author of work nominated as exemplary: may it be shared (app/cases)?
    CASE_CONSENT_ASKED = "case_consent_asked"
    # To the learner whose extension request was decided (app/deadlines), or who was given more time directly
    # or by a bulk extension.
    EXTENSION_APPROVED = "extension_approved"
    EXTENSION_DECLINED = "extension_declined"
    EXTENSION_GRANTED = "extension_granted"


# Sent by `flask notifications send-due`: at most one of each per (person, cohort, exercise).
REMINDER_KINDS = (NotificationKind.DUE_IN_7_DAYS, NotificationKind.DUE_IN_1_DAY, NotificationKind.OVERDUE)
REMINDER_CONDITION = "kind IN ('due_in_7_days', 'due_in_1_day', 'overdue')"


class Notification(db.Model):
    """Something that happened for one person, shown in the app until they mark it read. It names the
    objects it is about; the page and the mail link to them."""

    __tablename__ = "notification"
    __table_args__ = (
        # A reminder is sent once, however often (or simultaneously) the cron command runs.
        Index("uq_notification_reminder", "recipient_id", "kind", "cohort_id", "exercise_id", unique=True,
              sqlite_where=text(REMINDER_CONDITION), postgresql_where=text(REMINDER_CONDITION)),
        # The header's unread count on every page.
        Index("ix_notification_unread", "recipient_id",
              sqlite_where=text("read_at IS NULL"), postgresql_where=text("read_at IS NULL")),
        Index("ix_notification_recipient_id_created_at", "recipient_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # News about objects that go away goes with them: it could link nowhere.
    recipient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(enum_type(NotificationKind, 24, "kind"))
    cohort_id: Mapped[Optional[int]] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    exercise_id: Mapped[Optional[int]] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[Optional[int]] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[Optional[int]] = mapped_column(ForeignKey("badge_credential.id", ondelete="CASCADE"),
                                                         index=True)
    # The decided extension (its note says why a request was declined).
    extension_id: Mapped[Optional[int]] = mapped_column(ForeignKey("deadline_extension.id", ondelete="CASCADE"),
                                                        index=True)
    # The due date a reminder gave, or an extension set, as it was when it was sent.
    due_at: Mapped[Optional[datetime]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[Optional[datetime]]

    recipient: Mapped[User] = relationship()
    cohort: Mapped[Optional[Cohort]] = relationship()
    exercise: Mapped[Optional[Exercise]] = relationship()
    submission: Mapped[Optional[Submission]] = relationship()
    credential: Mapped[Optional[Credential]] = relationship()
    extension: Mapped[Optional[Extension]] = relationship()


class MailOptOut(db.Model):
    """A kind of notification a person wants in the app only, without e-mail. Without a row, it is mailed."""

    __tablename__ = "notification_mail_opt_out"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(enum_type(NotificationKind, 24, "kind"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
