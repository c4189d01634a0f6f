"""Data Integrity proofs with the eddsa-rdfc-2022 cryptosuite (W3C VC-DI-EDDSA)."""

import functools
import hashlib
import json
from datetime import datetime
from typing import Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.badges.keys import from_multibase, to_multibase
from app.badges.ld import UndefinedTerm, canonicalize, canonicalize_fully_defined, date_time
from app.core.reasons import ReasonError

CRYPTOSUITE = "eddsa-rdfc-2022"


class ProofInvalid(ReasonError):
    """The proof is missing, malformed, from an unknown key, or does not match the document (see REASONS)."""


REASONS = {
    "no_proof": "the credential has no proof",
    "wrong_cryptosuite": "the proof is not an eddsa-rdfc-2022 Data Integrity proof",
    "wrong_purpose": "the proof is not for assertion",
    "unknown_key": "the signing key is not one of this issuer's keys",
    "key_not_issuers": "the signing key does not belong to the issuer named in the credential",
    "bad_signature_value": "the signature value is not a base58btc multibase Ed25519 signature",
    "signature_mismatch": "the signature does not match: the credential was changed after it was signed",
    "unreadable": "the credential cannot be read as signed data",
    "unsigned_content": "the credential has content that no context defines, so no signature covers it",
}


def _unsigned(document: dict) -> dict:
    return {k: v for k, v in document.items() if k != "proof"}


@functools.lru_cache(maxsize=32)
def _options_hash(options_json: str) -> bytes:
    # Keyed by the options' JSON: credentials signed in the same second by the same key share their
    # options, so a batch canonicalises them once a second, not once a credential.
    return hashlib.sha256(canonicalize(json.loads(options_json)).encode()).digest()


def _hash_data(canonical_document: str, context, proof_options: dict) -> bytes:
    """What is signed: the hashes of the proof options (with the document's `context`) and of the
    canonical N-Quads of the document without its proof."""
    options = {k: v for k, v in proof_options.items() if k != "proofValue"}
    options["@context"] = context
    return (_options_hash(json.dumps(options, sort_keys=True, ensure_ascii=False))
            + hashlib.sha256(canonical_document.encode()).digest())


def sign(document: dict, private_key: Ed25519PrivateKey, verification_method: str, created: datetime) -> dict:
    """A copy of `document` with an embedded DataIntegrityProof (its values shared, not copied).
    Raises UndefinedTerm when a term would be left out of the signature."""
    # Checked in the expansion that canonicalisation makes anyway: the document is expanded once.
    canonical_document = canonicalize_fully_defined(_unsigned(document))
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": date_time(created),
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    signature = private_key.sign(_hash_data(canonical_document, document["@context"], proof))
    return {**document, "proof": {**proof, "proofValue": to_multibase(signature)}}


# An Ed25519 signature is 64 bytes: at most 88 base58 digits after the multibase "z". The cap comes
# first because decoding base58 is quadratic in its length.
_MAX_SIGNATURE_CHARS = 89


def _signature(value) -> bytes:
    """The signature bytes of a proofValue. Raises ProofInvalid."""
    if not isinstance(value, str) or len(value) > _MAX_SIGNATURE_CHARS:
        raise ProofInvalid("bad_signature_value")
    try:
        signature = from_multibase(value)
    except ValueError:
        raise ProofInvalid("bad_signature_value") from None
    if len(signature) != 64:
        raise ProofInvalid("bad_signature_value")
    return signature


KeyResolver = Callable[[str], tuple[Ed25519PublicKey, str] | None]


def verify(document: dict, resolve_key: KeyResolver) -> None:
    """Check the embedded proof. `resolve_key(verification method id)` returns the public key and its
    controller, or None when unknown. Raises ProofInvalid with the reason."""
    proof = document.get("proof")
    if not isinstance(proof, dict):
        raise ProofInvalid("no_proof")
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofInvalid("wrong_cryptosuite")
    if proof.get("proofPurpose") != "assertionMethod":
        raise ProofInvalid("wrong_purpose")
    resolved = resolve_key(str(proof.get("verificationMethod")))
    if resolved is None:
        raise ProofInvalid("unknown_key")
    public_key, controller = resolved
    issuer = document.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if controller != issuer_id:
        raise ProofInvalid("key_not_issuers")
    signature = _signature(proof.get("proofValue"))
    try:
        # Fully defined, as signing demands: a term no context defines would be dropped from what is
        # checked, so it could be added after signing (as Digital Bazaar's verifier, in safe mode, refuses).
        canonical = canonicalize_fully_defined(_unsigned(document))
    except UndefinedTerm:
        raise ProofInvalid("unsigned_content") from None
    except Exception:  # canonicalisation of a tampered document can fail in many ways
        raise ProofInvalid("unreadable") from None
    try:
        public_key.verify(signature, _hash_data(canonical, document["@context"], proof))
    except InvalidSignature:
        raise ProofInvalid("signature_mismatch") from None
    except Exception:  # canonicalisation of a tampered document can fail in many ways
        raise ProofInvalid("unreadable") from None
