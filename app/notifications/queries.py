"""What the notification pages, the header's count and the mailing read."""

from sqlalchemy import ScalarSelect, func, select
from sqlalchemy.orm import Session, joinedload

from app.auth.models import User
from app.badges.models import Credential
from app.cohorts.models import Enrolment
from app.notifications.models import MailOptOut, Notification, NotificationKind
from app.reviews.queries import Paged
from app.submissions.models import Submission


def unread_count_of_user() -> ScalarSelect:
    """The number of unread notifications of the User row it is selected with (a correlated subquery), so
    that the header's count comes with the signed-in user's own load."""
    return (select(func.count(Notification.id))
            .where(Notification.recipient_id == User.id, Notification.read_at.is_(None))
            .correlate(User).scalar_subquery())


def unread_count(session: Session, user_id: int) -> int:
    return session.scalar(select(func.count(Notification.id))
                          .where(Notification.recipient_id == user_id, Notification.read_at.is_(None)))


def notifications_page(session: Session, user_id: int, page: int, per_page: int) -> Paged:
    """One page of the person's notifications, newest first, with what their texts and links name
    (two queries, however many there are)."""
    mine = Notification.recipient_id == user_id
    total = session.scalar(select(func.count(Notification.id)).where(mine))
    pages = max(1, -(-total // per_page))
    number = min(max(page, 1), pages)
    items = list(session.scalars(
        select(Notification).where(mine)
        .options(joinedload(Notification.cohort), joinedload(Notification.exercise), joinedload(Notification.extension),
                 joinedload(Notification.credential).joinedload(Credential.achievement),
                 joinedload(Notification.submission).joinedload(Submission.enrolment).joinedload(Enrolment.user))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(per_page).offset((number - 1) * per_page)))
    return Paged(items, number, per_page, total)


def mailed_kinds(session: Session, user_id: int) -> set[NotificationKind]:
    """The kinds mailed to the person: all but those they turned off."""
    off = set(session.scalars(select(MailOptOut.kind).where(MailOptOut.user_id == user_id)))
    return set(NotificationKind) - off


def opted_out(session: Session, user_ids: set[int]) -> set[tuple[int, NotificationKind]]:
    """(user id, kind) for every kind one of `user_ids` turned off, in one query."""
    if not user_ids:
        return set()
    return {(row.user_id, row.kind) for row in session.execute(
        select(MailOptOut.user_id, MailOptOut.kind).where(MailOptOut.user_id.in_(user_ids)))}
