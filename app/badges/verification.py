"""Verifying a credential someone shows us: an OB 3.0 credential (proof, issuer, dates, revocation)
or an OB 2.0 hosted assertion, compared with the one we host."""

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.badges import documents, proofs
from app.badges.keys import public_key_from_multibase
from app.badges.models import Credential, CredentialStatus, IssuerKey
from app.badges.queries import revoked_indexes
from app.badges.urls import BadgeUrls

REASONS = {
    "not_yet_valid": "the credential is not valid yet",
    "bad_valid_from": "the credential's validFrom is not a date and time with a time zone",
    "not_issued_here": "this assertion was not issued here",
    "differs_from_hosted": "the assertion differs from the one hosted by the issuer",
}


@dataclass
class VerificationReport:
    """genuine: signature and status check out; revoked; altered: the proof does not match;
    unknown: not a credential of ours, or not valid yet. `reasons` are codes (REASONS, proofs.REASONS)
    except for a revocation, whose reason is the organizer's text."""
    outcome: str
    reasons: list[str] = field(default_factory=list)
    credential: Credential | None = None
    document: dict | None = None


def _key_resolver(session: Session, urls: BadgeUrls):
    def resolve(verification_method: str):
        for key in session.scalars(select(IssuerKey)):
            if documents.verification_method(key, urls) == verification_method:
                return (public_key_from_multibase(key.public_key_multibase),
                        documents.issuer_identifier(key.issuer, urls))
        return None
    return resolve


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _credential_by_id(session: Session, value, prefix: str) -> Credential | None:
    """The credential whose id is `prefix` + its uuid. Only a well-formed uuid reaches the database:
    a NUL or a lone surrogate in an uploaded id would make the driver fail."""
    if not isinstance(value, str) or not value.startswith(prefix) or not _UUID.fullmatch(value[len(prefix):]):
        return None
    return session.scalar(select(Credential).where(Credential.uuid == value[len(prefix):]))


def _status_list_index(document: dict) -> int | None:
    status = document.get("credentialStatus")
    index = status.get("statusListIndex") if isinstance(status, dict) else None
    return int(index) if isinstance(index, (str, int)) and str(index).isdecimal() else None


def _validity_problem(document: dict, now: datetime) -> str | None:
    """Why the credential is not valid at `now` (a REASONS code), or None when it is."""
    value = document.get("validFrom")
    if value is None:
        return None
    try:
        valid_from = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        valid_from = None
    if valid_from is None or valid_from.tzinfo is None:  # an aware `now` cannot be compared with it
        return "bad_valid_from"
    return "not_yet_valid" if valid_from > now else None


def verify_document(session: Session, document: dict, urls: BadgeUrls, now: datetime) -> VerificationReport:
    """Check an OB 3.0 credential (proof, issuer, dates, revocation) or an OB 2.0 hosted assertion.
    Any JSON object is accepted: a field of the wrong type makes the credential unknown or altered."""
    if document.get("type") == "Assertion" or "badge" in document:
        return _verify_ob2(session, document, urls)
    try:
        proofs.verify(document, _key_resolver(session, urls))
    except proofs.ProofInvalid as e:
        return VerificationReport("altered", [e.code], document=document)
    credential = _credential_by_id(session, document.get("id"), "urn:uuid:")
    problem = _validity_problem(document, now)
    if problem:
        return VerificationReport("unknown", [problem], credential, document)
    index = _status_list_index(document)
    if credential is not None and index is not None and index in revoked_indexes(session, credential.issuer_id):
        return VerificationReport("revoked", [credential.revocation_reason or ""], credential, document)
    return VerificationReport("genuine", [], credential, document)


def _verify_ob2(session: Session, document: dict, urls: BadgeUrls) -> VerificationReport:
    credential = _credential_by_id(session, document.get("id"), urls.ob2_assertion(""))
    if credential is None:
        return VerificationReport("unknown", ["not_issued_here"], document=document)
    if credential.status == CredentialStatus.REVOKED:
        return VerificationReport("revoked", [credential.revocation_reason or ""], credential, document)
    hosted = documents.ob2_assertion(credential, credential.recipient.email, urls)
    if {k: v for k, v in document.items() if k != "image"} != hosted:
        return VerificationReport("altered", ["differs_from_hosted"], credential, document)
    return VerificationReport("genuine", [], credential, document)
