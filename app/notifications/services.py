"""Creating notifications, marking them read and each person's choice of what is mailed. Services flush;
the caller commits (and the mail waits for that commit, app/notifications/mailing.py)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, insert, or_, select, text, update
from sqlalchemy.orm import Session, joinedload

from app.auth.models import User
from app.badges.models import Credential
from app.cohorts.models import Cohort, CohortStatus, Enrolment, EnrolmentStatus, MentorAssignment, ScheduledExercise
from app.core.db import dialect_insert
from app.deadlines.models import Extension, ExtensionStatus
from app.deadlines.queries import effective_due_of_schedule
from app.notifications.models import REMINDER_CONDITION, REMINDER_KINDS, MailOptOut, Notification, NotificationKind
from app.reviews.models import Decision, Review
from app.submissions.models import Submission, SubmissionVersion


class NotificationNotFound(Exception):
    """No such notification for this person (someone else's counts as none)."""


def create_notification(session: Session, *, recipient_id: int, kind: NotificationKind, now: datetime,
                        cohort_id: int | None = None, exercise_id: int | None = None,
                        submission_id: int | None = None, credential_id: int | None = None,
                        extension_id: int | None = None, due_at: datetime | None = None) -> Notification | None:
    """Add a notification for `recipient_id`. A reminder that person already has for the same cohort and
    exercise is not added again (None), also when another transaction adds it at the same moment: the
    unique index decides, and the later insert waits for the earlier one and then does nothing."""
    values = dict(recipient_id=recipient_id, kind=kind, cohort_id=cohort_id, exercise_id=exercise_id,
                  submission_id=submission_id, credential_id=credential_id, extension_id=extension_id,
                  due_at=due_at, created_at=now)
    if kind not in REMINDER_KINDS:
        # No unique index applies: a plain INSERT, which SQLAlchemy 2.0 compiles once (not so ON CONFLICT).
        return session.scalars(insert(Notification).values(**values).returning(Notification)).one()
    statement = (dialect_insert(session)(Notification).values(**values)
                 .on_conflict_do_nothing(index_elements=["recipient_id", "kind", "cohort_id", "exercise_id"],
                                         index_where=text(REMINDER_CONDITION))
                 .returning(Notification))
    return session.scalars(statement).one_or_none()


def _active(session: Session, user_ids: list[int]) -> list[int]:
    """Those of `user_ids` whose account is active (a deactivated account is told nothing)."""
    if not user_ids:
        return []
    return list(session.scalars(select(User.id).where(User.id.in_(user_ids), User.is_active_account.is_(True))
                                .order_by(User.id)))


def notify_review_decided(session: Session, review: Review, now: datetime) -> list[Notification]:
    """Tell the learner that their work came back for revision or was accepted."""
    submission = review.submission_version.submission
    kind = NotificationKind.WORK_ACCEPTED if review.decision == Decision.ACCEPTED else NotificationKind.WORK_RETURNED
    return [create_notification(session, recipient_id=user_id, kind=kind, now=now,
                                cohort_id=submission.enrolment.cohort_id, exercise_id=submission.exercise_id,
                                submission_id=submission.id)
            for user_id in _active(session, [submission.enrolment.user_id])]


def notify_version_submitted(session: Session, version: SubmissionVersion, now: datetime) -> list[Notification]:
    """Tell each mentor assigned to the cohort that a new version waits for review."""
    submission = version.submission
    cohort_id = submission.enrolment.cohort_id
    mentor_ids = list(session.scalars(select(MentorAssignment.user_id).where(MentorAssignment.cohort_id == cohort_id)))
    return [create_notification(session, recipient_id=user_id, kind=NotificationKind.SUBMISSION_WAITING, now=now,
                                cohort_id=cohort_id, exercise_id=submission.exercise_id, submission_id=submission.id)
            for user_id in _active(session, mentor_ids)]


def notify_credential_issued(session: Session, credential: Credential, now: datetime) -> list[Notification]:
    """Tell the learner that their badge has been issued."""
    # Asked of the recipient object (loaded with the completion record when a completion is issued), not
    # in a query of its own.
    if not credential.recipient.is_active_account:
        return []
    record = credential.completion_record  # a level badge has none
    return [create_notification(session, recipient_id=credential.recipient_id, kind=NotificationKind.BADGE_ISSUED,
                                now=now, cohort_id=record.enrolment.cohort_id if record else None,
                                credential_id=credential.id)]


def _extension_kind(extension: Extension, enrolment: Enrolment) -> NotificationKind:
    if extension.status == ExtensionStatus.DECLINED:
        return NotificationKind.EXTENSION_DECLINED
    # Granted by staff (directly or in bulk): nobody asked, so the learner hears of it for the first time.
    asked = extension.bulk_extension_id is None and extension.requested_by_id == enrolment.user_id
    return NotificationKind.EXTENSION_APPROVED if asked else NotificationKind.EXTENSION_GRANTED


def notify_extensions_decided(session: Session, extensions: list[Extension], now: datetime) -> list[Notification]:
    """Tell each learner that their request for more time was approved (with the new due date) or declined
    (with the note), or that they were given more time without asking."""
    # Their enrolments and learners in one query (a bulk extension may reach hundreds), not one each; a
    # deactivated account is told nothing.
    enrolments = {enrolment.id: enrolment for enrolment in session.scalars(
        select(Enrolment).where(Enrolment.id.in_({e.enrolment_id for e in extensions}))
        .options(joinedload(Enrolment.user)))}
    told = [(e, enrolments[e.enrolment_id]) for e in extensions if enrolments[e.enrolment_id].user.is_active_account]
    return [create_notification(session, recipient_id=enrolment.user_id, kind=_extension_kind(e, enrolment), now=now,
                                cohort_id=enrolment.cohort_id, exercise_id=e.exercise_id, extension_id=e.id,
                                due_at=e.due_at)
            for e, enrolment in told]


@dataclass(frozen=True)
class DueDate:
    """When one learner's work for one exercise of a cohort is due."""
    user_id: int
    cohort_id: int
    exercise_id: int
    due_at: datetime


REMINDER_HORIZON = timedelta(days=7)


def due_dates_for_reminders(session: Session, now: datetime) -> list[DueDate]:
    """The due dates of the work learners still owe, as far as reminders go: each exercise with a due date
    in a running cohort that has not ended (or whose end the learner's own due date passes), for each
    active learner (active account, not withdrawn) who has submitted nothing for it, due within
    REMINDER_HORIZON of `now` or already past.

    The one place reminders read due dates from: each learner's effective due date (app/deadlines), so an
    extension or accommodation moves their reminders too."""
    due = effective_due_of_schedule()
    rows = session.execute(
        select(Enrolment.user_id, Enrolment.cohort_id, ScheduledExercise.exercise_id, due)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(ScheduledExercise, ScheduledExercise.cohort_id == Cohort.id)
        .join(User, User.id == Enrolment.user_id)
        .where(Cohort.status == CohortStatus.RUNNING, or_(Cohort.ends_at > now, due > Cohort.ends_at),
               Enrolment.status == EnrolmentStatus.ACTIVE, User.is_active_account.is_(True),
               ScheduledExercise.due_at.is_not(None), due <= now + REMINDER_HORIZON,
               ~exists().where(Submission.enrolment_id == Enrolment.id,
                               Submission.exercise_id == ScheduledExercise.exercise_id))
        .order_by(Enrolment.cohort_id, ScheduledExercise.exercise_id, Enrolment.user_id))
    return [DueDate(*row) for row in rows]


def reminder_kind(due_at: datetime, now: datetime) -> NotificationKind | None:
    """Which reminder work due at `due_at` needs at `now`: overdue once past, else due within a day, else
    within a week; None when it is further away."""
    if due_at < now:
        return NotificationKind.OVERDUE
    if due_at <= now + timedelta(days=1):
        return NotificationKind.DUE_IN_1_DAY
    if due_at <= now + REMINDER_HORIZON:
        return NotificationKind.DUE_IN_7_DAYS
    return None


def create_due_reminders(session: Session, now: datetime) -> list[Notification]:
    """A reminder for each piece of work that needs one at `now` and has not had that kind yet; returns the
    new ones. Running it again (or at the same time in another process) adds nothing."""
    created = []
    for due in due_dates_for_reminders(session, now):
        kind = reminder_kind(due.due_at, now)
        if kind is None:
            continue
        notification = create_notification(session, recipient_id=due.user_id, kind=kind, now=now,
                                           cohort_id=due.cohort_id, exercise_id=due.exercise_id, due_at=due.due_at)
        if notification is not None:
            created.append(notification)
    return created


def mark_read(session: Session, user: User, notification_id: int, now: datetime) -> Notification:
    """Mark one of `user`'s notifications read (again is fine). Raises NotificationNotFound for an id
    that is not theirs."""
    notification = session.get(Notification, notification_id)
    if notification is None or notification.recipient_id != user.id:
        raise NotificationNotFound()
    if notification.read_at is None:
        notification.read_at = now
        session.flush()
    return notification


def mark_all_read(session: Session, user: User, now: datetime) -> int:
    """Mark every unread notification of `user` read; returns how many."""
    return session.execute(update(Notification)
                           .where(Notification.recipient_id == user.id, Notification.read_at.is_(None))
                           .values(read_at=now).execution_options(synchronize_session=False)).rowcount


def set_mailed_kinds(session: Session, user: User, mailed: set[NotificationKind],
                     offered: tuple[NotificationKind, ...]) -> None:
    """Of the kinds `offered` on the settings form, mail those in `mailed` and not the others; kinds the
    form did not offer keep their setting."""
    off = [kind for kind in offered if kind not in mailed]
    session.execute(delete(MailOptOut).where(MailOptOut.user_id == user.id, MailOptOut.kind.in_(offered)))
    session.add_all(MailOptOut(user_id=user.id, kind=kind) for kind in off)
    session.flush()
