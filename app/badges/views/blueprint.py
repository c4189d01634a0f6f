"""The blueprint and what its pages share: the badge settings and the lookups that answer 404."""

from functools import lru_cache

from flask import Blueprint, current_app
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm.interfaces import ORMOption

from app.badges.issuers import IssuerDefaults
from app.badges.keys import KeyStore
from app.badges.listeners import badge_settings
from app.badges.models import Credential, CredentialStatus, Issuer
from app.badges.urls import BadgeUrls
from app.core import authz
from app.extensions import db

# Named after the package, so that templates/ is the package's folder.
bp = Blueprint("badges", "app.badges", template_folder="templates")


def settings() -> tuple[KeyStore, BadgeUrls, IssuerDefaults]:
    return badge_settings(current_app.config)


def issuer_or_404(issuer_id: int) -> Issuer:
    found = db.session.get(Issuer, issuer_id)
    authz.ensure(found is not None)
    return found


@lru_cache(maxsize=32)
def _credential_by_uuid(options: tuple[ORMOption, ...]) -> Select:
    # Built once per set of options (the pages pass module-level tuples): SQLAlchemy works out a new
    # statement's cache key every time, which took a tenth of the public badge page.
    return select(Credential).options(*options).where(Credential.uuid == bindparam("uuid"))


def credential_or_404(uuid: str, *options: ORMOption) -> Credential:
    """`options`: what the page shows of it, loaded in the same query."""
    credential = db.session.scalar(_credential_by_uuid(options), {"uuid": uuid})
    authz.ensure(credential is not None)
    return credential


def issued_or_404(uuid: str, *options: ORMOption) -> Credential:
    """A credential that is issued or revoked; one awaiting approval is not public yet."""
    credential = credential_or_404(uuid, *options)
    authz.ensure(credential.status != CredentialStatus.AWAITING_APPROVAL)
    return credential
