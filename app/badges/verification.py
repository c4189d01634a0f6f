"""Verifying a credential someone shows us: an OB 3.0 credential (proof, issuer, dates, revocation)
or an OB 2.0 hosted assertion, compared with the one we host."""

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app.badges import documents, proofs, statuslist
from app.badges.keys import public_key_from_multibase
from app.badges.models import Credential, CredentialStatus, IssuerKey
from app.badges.queries import index_is_revoked
from app.badges.urls import BadgeUrls
from app.core.inputs import whole_number
from app.core.memory import Memory

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


# A question and its answer take about half a kilobyte: a few MB per worker for both at most.
PROOF_VERDICTS = Memory(size=4096)
STORED_VERDICTS = Memory(size=4096)

_MULTIBASE = re.compile(r"z[1-9A-HJ-NP-Za-km-z]{1,100}")
_ISSUER_AND_KEY_NUMBER = re.compile(r"([0-9]{1,9})#key-([0-9]{1,9})")


def _issuer_key(session: Session, verification_method: str, urls: BadgeUrls) -> IssuerKey | None:
    """The key whose verification method id is `verification_method`, found by one indexed query.
    Only well-formed parts reach the database (a NUL or a huge number would make the driver fail)."""
    if verification_method.startswith("did:key:"):
        multibase = verification_method.rpartition("#")[2]
        if not _MULTIBASE.fullmatch(multibase):
            return None
        query = select(IssuerKey).where(IssuerKey.public_key_multibase == multibase)
    else:
        prefix = urls.issuer("")  # the issuer URLs without the number
        match = verification_method.startswith(prefix) and _ISSUER_AND_KEY_NUMBER.fullmatch(
            verification_method[len(prefix):])
        if not match:
            return None
        query = select(IssuerKey).where(IssuerKey.issuer_id == int(match[1]), IssuerKey.number == int(match[2]))
    key = session.scalar(query.options(joinedload(IssuerKey.issuer)))
    # Compared whole, so that the answer is the key the method names, written the one way we write it.
    return key if key is not None and documents.verification_method(key, urls) == verification_method else None


def _digest(document: dict) -> str:
    # ASCII escapes: an uploaded document may hold a lone surrogate, which has no UTF-8.
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def _proof_problem(session: Session, document: dict, urls: BadgeUrls) -> str | None:
    """The ProofInvalid code of the document's proof, or None when it holds. The answer depends only on
    the document and on the key its proof names as the database has it now (public key and controller),
    so these make the question PROOF_VERDICTS remembers it by."""
    proof = document.get("proof")
    method = str(proof.get("verificationMethod")) if isinstance(proof, dict) else ""
    key = _issuer_key(session, method, urls)
    resolved = None if key is None else (key.public_key_multibase, documents.issuer_identifier(key.issuer, urls))

    def resolve(_method: str):
        return None if resolved is None else (public_key_from_multibase(resolved[0]), resolved[1])

    def work_out() -> str | None:
        try:
            proofs.verify(document, resolve)
        except proofs.ProofInvalid as e:
            return e.code
        return None

    return PROOF_VERDICTS.answer((_digest(document), method, resolved), work_out)


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
    return whole_number(index)


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
    proof_problem = _proof_problem(session, document, urls)
    if proof_problem:
        return VerificationReport("altered", [proof_problem], document=document)
    credential = _credential_by_id(session, document.get("id"), "urn:uuid:")
    problem = _validity_problem(document, now)
    if problem:
        return VerificationReport("unknown", [problem], credential, document)
    index = _status_list_index(document)
    if (credential is not None and index is not None and index < statuslist.LIST_LENGTH
            and index_is_revoked(session, credential.issuer_id, index)):
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


def verify_stored(session: Session, credential: Credential, urls: BadgeUrls, now: datetime) -> VerificationReport:
    """verify_document for the credential's stored document, remembered by the state a verdict on it
    depends on: the sha256 of the stored document, the revocation (status, time, reason) and the
    issuer's keys (number, public key, retirement), read in one query. Only a genuine or revoked verdict
    on the credential itself is remembered: it depends on that state alone. Any other (an altered
    document may name anyone's key; `unknown` may depend on `now`) is worked out again, its proof check
    still remembered by PROOF_VERDICTS."""
    keys = tuple(tuple(row) for row in session.execute(
        select(IssuerKey.id, IssuerKey.number, IssuerKey.public_key_multibase, IssuerKey.retired_at)
        .where(IssuerKey.issuer_id == credential.issuer_id).order_by(IssuerKey.id)))
    question = (credential.id, hashlib.sha256(credential.ob3_json.encode()).hexdigest(), credential.status,
                credential.revoked_at, credential.revocation_reason, keys, urls.base)
    remembered = STORED_VERDICTS.get(question)
    if remembered is not None:
        return VerificationReport(remembered[0], list(remembered[1]), credential, json.loads(credential.ob3_json))
    report = verify_document(session, json.loads(credential.ob3_json), urls, now)
    if report.outcome in ("genuine", "revoked") and report.credential is credential:
        STORED_VERDICTS.put(question, (report.outcome, tuple(report.reasons)))
    return report
