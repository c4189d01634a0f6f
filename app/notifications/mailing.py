"""Mailing notifications: in each recipient's language, with absolute links from BASE_URL, once the
transaction that created them is committed (through the job queue when there is one)."""

from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.core.mail import send_mail_after_commit
from app.core.urls import public_url
from app.notifications.models import Notification
from app.notifications.queries import opted_out
from app.notifications.texts import headline, note, target


def mail_text(notification: Notification) -> tuple[str, str]:
    """(subject, body) in the language in force."""
    endpoint, values = target(notification)
    subject = headline(notification)
    written = note(notification)
    body = "\n\n".join([
        subject,
        *([_("Note from the decision:") + "\n" + written] if written else []),
        _("Open it in Enshu:") + "\n" + public_url(endpoint, **values),
        _("You can choose which notifications are also sent by email here:") + "\n"
        + public_url("notifications.settings"),
    ])
    return subject, body


def mail_notifications(session: Session, notifications: list[Notification]) -> int:
    """Mail each notification whose recipient has not turned its kind off, after the commit; returns how
    many were mailed."""
    notifications = [n for n in notifications if n is not None]
    off = opted_out(session, {n.recipient_id for n in notifications})
    outbox = Path(current_app.config["OUTBOX_DIR"])
    mailed = 0
    for notification in notifications:
        recipient = notification.recipient
        if (recipient.id, notification.kind) in off:
            continue
        with force_locale(recipient.locale):
            subject, body = mail_text(notification)
        send_mail_after_commit(session, outbox, recipient.email, subject, body)
        mailed += 1
    return mailed
