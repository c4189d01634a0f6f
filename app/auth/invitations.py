"""Sending an invitation link: shared by the pages that create accounts (admin, cohort import)."""

from pathlib import Path

from flask import current_app
from flask_babel import force_locale, format_timedelta
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.services import invitation_link_token
from app.core.mail import send_mail_after_commit
from app.core.urls import public_url


def send_invitation(session: Session, user: User) -> str:
    """Mail the user a single-use link to choose a password, in their language, once the account is
    committed; return the link."""
    link = public_url("auth.accept_invitation", token=invitation_link_token(user, current_app.config["SECRET_KEY"]))
    with force_locale(user.locale):
        subject = _("Your invitation to Enshu")
        body = _("You have been invited to Enshu. Open this link within %(period)s to choose your password:\n%(link)s",
                 link=link, period=format_timedelta(current_app.config["INVITATION_MAX_AGE"]))
    outbox = Path(current_app.config["OUTBOX_DIR"])
    send_mail_after_commit(session, outbox, user.email, subject, body)
    return link
