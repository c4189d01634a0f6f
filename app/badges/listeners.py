"""Badges listen to completions: a completion record becomes a credential, once it is committed."""

from flask import current_app
from sqlalchemy.orm import Session

from app.badges.keys import KeyStore
from app.badges.issuers import IssuerDefaults
from app.badges.issuing import completion_record, create_credential, records_awaiting_credential
from app.badges.urls import BadgeUrls
from app.completions.signals import completion_recorded
from app.core.jobs import RetryLater, enqueue_after_commit
from app.core.timeutil import utcnow
from app.core.transaction import commit, rollback
from app.extensions import db


def badge_settings(config) -> tuple[KeyStore, BadgeUrls, IssuerDefaults]:
    """The key store, URL builder and default issuer from the app's configuration."""
    return (KeyStore(config["KEYS_DIR"]), BadgeUrls(config["BASE_URL"]),
            IssuerDefaults(config["BADGE_ISSUER_NAME_JA"], config["BADGE_ISSUER_NAME_EN"],
                           config["BADGE_ISSUER_URL"], config["BADGE_ISSUER_EMAIL"], config["BADGE_ISSUER_DID_KEY"]))


def issue_pending_credentials(session: Session, config, record_ids: list[int] | None = None) -> tuple[int, int]:
    """Issue a credential for each completion record that has none yet (only `record_ids` if given),
    each in a transaction of its own. One that fails (a signing key missing, say) is logged and stays
    awaiting its credential for `flask badges issue-pending`. Returns (issued, failed)."""
    keys, urls, defaults = badge_settings(config)
    issued = failed = 0
    for record_id in records_awaiting_credential(session, record_ids):
        try:
            create_credential(session, completion_record(session, record_id), keys=keys, urls=urls,
                              defaults=defaults, now=utcnow())
            commit(session)
        except Exception:
            rollback(session)
            current_app.logger.exception("completion record %s: credential not issued; it stays pending", record_id)
            failed += 1
        else:
            issued += 1
    return issued, failed


def issue_credential(record_id: int) -> None:
    """The job after a module's completion: issue its credential unless it has one. Raises RetryLater
    when it could not (it stays pending for a retry or `flask badges issue-pending`)."""
    issued, failed = issue_pending_credentials(db.session, current_app.config, [record_id])
    if failed:
        raise RetryLater(f"completion record {record_id}: credential not issued")


@completion_recorded.connect
def _on_completion_recorded(session, record, **extra):
    # Signing waits for the commit of the decision that completed the module, so that a failure
    # while signing can never undo the mentor's decision.
    enqueue_after_commit(session, f"credential-{record.id}", issue_credential, record.id)
