"""Revoking credentials and publishing the revocations as a signed status list. Services flush; the
caller commits."""

import json
from datetime import datetime

from sqlalchemy.orm import Session

from app.auth import audit
from app.auth.models import User
from app.badges import documents, proofs
from app.badges.errors import AlreadyRevoked, ReasonRequired
from app.badges.keys import KeyStore
from app.badges.models import Credential, CredentialStatus, Issuer
from app.badges.queries import revoked_indexes
from app.badges.signals import credential_revoked
from app.badges.urls import BadgeUrls
from app.core.memory import Memory


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
    credential_revoked.send(session, credential=credential, actor=actor, now=now)


# Signed lists by what they say and the key that signs them; an issuer has one list, so a few per issuer.
SIGNED_STATUS_LISTS = Memory(size=256)


def signed_status_list(session: Session, issuer: Issuer, *, keys: KeyStore, urls: BadgeUrls,
                       now: datetime) -> dict:
    """The issuer's revocation status list credential, signed with its current key. Verifiers fetch it for
    every check and signing takes tens of milliseconds, so a list is signed once, valid from `now`, and
    served again until a revocation, a key change or anything else it says changes."""
    document = documents.status_list_credential(issuer, revoked_indexes(session, issuer.id), now, urls)
    key = issuer.signing_key
    method = documents.verification_method(key, urls)
    content = json.dumps({**document, "validFrom": None}, sort_keys=True)
    return SIGNED_STATUS_LISTS.answer(
        (content, key.public_key_multibase, method),
        lambda: proofs.sign(document, keys.private_key(key.public_key_multibase), method, now))
