"""Notifications listen to the features below them: a decision, a new version, an issued badge and a decided
extension each tell the people concerned, in the transaction that did it; the mail follows its commit."""

from app.badges.signals import credential_issued
from app.deadlines.signals import extensions_decided
from app.notifications import services
from app.notifications.mailing import mail_notifications
from app.reviews.signals import review_decided
from app.submissions.signals import version_submitted


@review_decided.connect
def _on_review_decided(session, review, now, **extra):
    mail_notifications(session, services.notify_review_decided(session, review, now))


@version_submitted.connect
def _on_version_submitted(session, version, now, **extra):
    mail_notifications(session, services.notify_version_submitted(session, version, now))


@credential_issued.connect
def _on_credential_issued(session, credential, now, **extra):
    mail_notifications(session, services.notify_credential_issued(session, credential, now))


@extensions_decided.connect
def _on_extensions_decided(session, extensions, now, **extra):
    mail_notifications(session, services.notify_extensions_decided(session, extensions, now))
