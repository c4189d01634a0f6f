"""Badges listen to completions: a completion record becomes a credential."""

from flask import current_app

from app.badges.keys import KeyStore
from app.badges.services import IssuerDefaults, create_credential
from app.badges.urls import BadgeUrls
from app.completions.signals import completion_recorded


def badge_settings(config) -> tuple[KeyStore, BadgeUrls, IssuerDefaults]:
    """The key store, URL builder and default issuer from the app's configuration."""
    return (KeyStore(config["KEYS_DIR"]), BadgeUrls(config["BASE_URL"]),
            IssuerDefaults(config["BADGE_ISSUER_NAME_JA"], config["BADGE_ISSUER_NAME_EN"],
                           config["BADGE_ISSUER_URL"], config["BADGE_ISSUER_EMAIL"], config["BADGE_ISSUER_DID_KEY"]))


@completion_recorded.connect
def _on_completion_recorded(session, record, **extra):
    keys, urls, defaults = badge_settings(current_app.config)
    create_credential(session, record, keys=keys, urls=urls, defaults=defaults, now=record.completed_at)
