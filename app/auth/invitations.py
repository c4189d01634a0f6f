"""Sending an invitation link: shared by the pages that create accounts (admin, cohort import)."""

from pathlib import Path

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from app.auth.models import User
from app.auth.services import invitation_link_token
from app.core.mail import send_mail


def send_invitation(user: User) -> str:
    """Mail the user a single-use link to choose a password, in their language; return the link."""
    link = url_for("auth.accept_invitation", token=invitation_link_token(user, current_app.config["SECRET_KEY"]),
                   _external=True)
    with force_locale(user.locale):
        send_mail(Path(current_app.config["OUTBOX_DIR"]), user.email, _("Your invitation to Enshu"),
                  _("You have been invited to Enshu. Open this link within 14 days to choose your password:\n%(link)s",
                    link=link))
    return link
