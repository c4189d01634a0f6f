"""Issuing faster (issue 10, bench/signing.py) changes nothing that is signed: a credential's terms are
checked in the expansion that canonicalises it, PyLD keeps the pinned contexts between credentials,
and a completion record is read with what its credential is made of in a fixed number of queries.
(A new key after a rotation signs the next credential: test_issuing.py.)"""

import hashlib
import json
from datetime import datetime

from pyld import jsonld
from sqlalchemy import select

from app.auth.models import Role
from app.badges import proofs
from app.badges.keys import to_multibase
from app.badges.ld import canonicalize, canonicalize_fully_defined, document_loader
from app.badges.listeners import badge_settings, issue_pending_credentials
from app.badges.models import Credential
from app.completions.signals import completion_recorded
from app.extensions import db
from tests.badges.support import digital_bazaar_verify, issuer_documents
from tests.test_query_budgets import QueryCounter


def _hash_data_of_compact_documents(document: dict) -> bytes:
    """eddsa-rdfc-2022's hashData as the specification computes it, from the compact proof options and
    document (as signing did before it kept the expansion)."""
    proof = document["proof"]
    options = {**{k: v for k, v in proof.items() if k != "proofValue"}, "@context": document["@context"]}
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    return b"".join(hashlib.sha256(canonicalize(d).encode()).digest() for d in (options, unsigned))


def test_signing_again_gives_the_stored_credential_byte_for_byte(app, client, completed):
    credential = completed[4]
    stored = json.loads(credential.ob3_json)
    keys, _, _ = badge_settings(app.config)
    private_key = keys.private_key(credential.issuer.signing_key.public_key_multibase)
    unsigned = {k: v for k, v in stored.items() if k != "proof"}

    assert canonicalize_fully_defined(unsigned) == canonicalize(unsigned)
    # Ed25519 signatures are deterministic: the same bytes signed give the same proof value.
    assert stored["proof"]["proofValue"] == to_multibase(private_key.sign(_hash_data_of_compact_documents(stored)))
    created = datetime.fromisoformat(stored["proof"]["created"].replace("Z", "+00:00"))
    signed_again = proofs.sign(unsigned, private_key, stored["proof"]["verificationMethod"], created)
    assert json.dumps(signed_again, ensure_ascii=False, separators=(",", ":")) == credential.ob3_json
    assert digital_bazaar_verify(signed_again, issuer_documents(client, signed_again))["verified"] is True


def _statements_to_issue_the_second_credential(app, make, exercises: int) -> tuple[QueryCounter, Credential]:
    """Two learners complete a module of `exercises` exercises; the first one's credential is issued
    (making the module's achievement), then the second one's is counted."""
    mentor = make.user(Role.MENTOR)
    first, second = make.user(Role.LEARNER), make.user(Role.LEARNER)
    group = make.cohort(make.module_version(exercises=exercises), learners=[first, second], mentors=[mentor])
    with completion_recorded.muted():  # the records wait for their credential, as after a failed signing
        records = [make.complete_module(group, learner, mentor, app.config["STORAGE_DIR"])
                   for learner in (first, second)]
    assert issue_pending_credentials(db.session, app.config, [records[0].id]) == (1, 0)
    db.session.expire_all()
    with QueryCounter(db.engine) as counter:
        assert issue_pending_credentials(db.session, app.config, [records[1].id]) == (1, 0)
    return counter, db.session.scalar(select(Credential).where(Credential.completion_record_id == records[1].id))


def test_issuing_a_credential_runs_as_many_statements_for_one_exercise_as_for_five(app, client, make):
    one, _ = _statements_to_issue_the_second_credential(app, make, exercises=1)
    five, credential = _statements_to_issue_the_second_credential(app, make, exercises=5)

    assert one.count == five.count <= 14
    # Each statement is compiled once per process, not for every credential (INSERT ... ON CONFLICT of
    # SQLAlchemy 2.0's dialects is not: the write revision's count and a notification avoid it).
    assert five.uncacheable == []
    document = json.loads(credential.ob3_json)
    assert [e["name"] for e in document["evidence"][:5]] == [f"課題{n}" for n in range(1, 6)]
    assert digital_bazaar_verify(document, issuer_documents(client, document))["verified"] is True


def _pyld_canonical(document: dict) -> str:
    """The canonical form as PyLD computes it with no context remembered between documents."""
    return jsonld.JsonLdProcessor().normalize(document, {"documentLoader": document_loader, "base": None,
                                                         "algorithm": "URDNA2015", "format": "application/n-quads"})


def test_contexts_are_processed_once_and_the_canonical_form_is_pyld_s_own(completed, monkeypatch):
    unsigned = {k: v for k, v in json.loads(completed[4].ob3_json).items() if k != "proof"}
    assert canonicalize(unsigned) == canonicalize_fully_defined(unsigned) == _pyld_canonical(unsigned)

    terms_defined = []
    define = jsonld.JsonLdProcessor._create_term_definition
    monkeypatch.setattr(jsonld.JsonLdProcessor, "_create_term_definition",
                        lambda self, active_ctx, local_ctx, term, *args, **kwargs:
                        terms_defined.append(term) or define(self, active_ctx, local_ctx, term, *args, **kwargs))
    canonicalize_fully_defined({**unsigned, "name": "別の名前"})
    assert terms_defined == []


def test_the_same_term_in_different_inline_contexts_is_told_apart(completed):
    # Contexts are remembered by what they say: two documents that define "note" differently each
    # get their own meaning of it.
    unsigned = {k: v for k, v in json.loads(completed[4].ob3_json).items() if k != "proof"}
    documents = [{**unsigned, "@context": [*unsigned["@context"], {"note": f"https://example.jp/terms/{n}#note"}],
                  "credentialSubject": {**unsigned["credentialSubject"], "note": "メモ"}} for n in (1, 2)]
    canonical = [canonicalize_fully_defined(d) for d in documents]

    assert canonical == [_pyld_canonical(d) for d in documents]
    assert "<https://example.jp/terms/1#note>" in canonical[0] and "<https://example.jp/terms/2#note>" in canonical[1]
