"""Revoking credentials and publishing the revocations as a signed status list. Services flush; the
caller commits."""

from datetime import datetime

from sqlalchemy.orm import Session

from app.auth import audit
from app.auth.models import User
from app.badges import documents, proofs
from app.badges.errors import AlreadyRevoked, ReasonRequired
from app.badges.keys import KeyStore
from app.badges.models import Credential, CredentialStatus, Issuer
from app.badges.queries import revoked_indexes
from app.badges.urls import BadgeUrls


def revoke(session: Session, credential: Credential, *, reason: str, actor: User, now: datetime) -> None:
    """Revoke with a reason: the status list bit is set and the OB 2.0 assertion answers 410 Gone.
    Raises ReasonRequired, AlreadyRevoked."""
    if not reason or not reason.strip():
        raise ReasonRequired()
    if credential.status == CredentialStatus.REVOKED:
        raise AlreadyRevoked()
    before = {"status": credential.status}
    credential.status = CredentialStatus.REVOKED
    credential.revoked_at = now
    credential.revocation_reason = reason.strip()
    audit.record(session, actor, "badge.revoke", "credential", credential.id, before=before,
                 after={"status": credential.status, "reason": credential.revocation_reason})
    session.flush()


def signed_status_list(session: Session, issuer: Issuer, *, keys: KeyStore, urls: BadgeUrls,
                       now: datetime) -> dict:
    """The issuer's revocation status list credential, valid from `now` and signed with its current key."""
    document = documents.status_list_credential(issuer, revoked_indexes(session, issuer.id), now, urls)
    key = issuer.signing_key
    return proofs.sign(document, keys.private_key(key.public_key_multibase), documents.verification_method(key, urls),
                       now)
