"""The public badge page checks a signature once per document and key, yet its verdict follows a
revocation, a key change or a change of the stored document at once; baked PNGs are made once."""

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.badges import baked, verification
from app.badges.issuers import add_key
from app.badges.keys import KeyStore
from app.badges.listeners import badge_settings
from app.badges.models import Credential, IssuerKey
from app.badges.revocation import revoke
from app.badges.verification import verify_document
from app.core.db import utcnow
from app.core.memory import Memory
from app.extensions import db
from tests.test_query_budgets import QueryCounter

GENUINE = "Verified: this badge is genuine and valid."
REVOKED = "This badge has been revoked by its issuer."
NOT_GENUINE = "This badge is not genuine."


@pytest.fixture
def proof_checks(monkeypatch):
    """A fresh, empty verdict memory; the list records each signature actually checked."""
    checked = []
    real_verify = verification.proofs.verify

    def counting_verify(document, resolve_key):
        checked.append(document["id"])
        return real_verify(document, resolve_key)

    monkeypatch.setattr(verification, "PROOF_VERDICTS", Memory(size=16))
    monkeypatch.setattr(verification, "STORED_VERDICTS", Memory(size=16))
    monkeypatch.setattr(verification.proofs, "verify", counting_verify)
    return checked


@pytest.fixture
def english(client):
    client.post("/language", data={"locale": "en"})
    return client


def _page(client, credential) -> str:
    response = client.get(f"/c/{credential.uuid}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_public_page_checks_the_signature_once_however_often_it_is_viewed(english, completed, proof_checks):
    credential = completed[4]
    for _ in range(3):
        assert GENUINE in _page(english, credential)
    assert "Certificate of completion" in english.get(f"/c/{credential.uuid}/certificate").get_data(as_text=True)
    assert proof_checks == [f"urn:uuid:{credential.uuid}"]


def test_page_says_revoked_right_after_a_revocation(english, completed, make, proof_checks):
    credential = completed[4]
    assert GENUINE in _page(english, credential)
    revoke(db.session, credential, reason="記録の誤り", actor=make.user(Role.ORGANIZER), now=utcnow())
    db.session.commit()
    page = _page(english, credential)
    assert REVOKED in page and "記録の誤り" in page and GENUINE not in page


def test_page_says_not_genuine_once_the_stored_document_is_changed(english, completed, proof_checks):
    credential = completed[4]
    assert GENUINE in _page(english, credential)
    document = json.loads(credential.ob3_json)
    document["credentialSubject"]["achievement"]["name"] += "（上級）"
    credential.ob3_json = json.dumps(document, ensure_ascii=False)
    db.session.commit()
    page = _page(english, credential)
    assert NOT_GENUINE in page and "changed after it was issued" in page and GENUINE not in page
    assert len(proof_checks) == 2


def test_old_badges_stay_genuine_after_a_key_rotation(app, english, completed, proof_checks):
    credential = completed[4]
    assert GENUINE in _page(english, credential)
    add_key(db.session, credential.issuer, badge_settings(app.config)[0], now=utcnow())
    db.session.commit()
    assert GENUINE in _page(english, credential)


def _replace_public_key(app, key: IssuerKey) -> None:
    key.public_key_multibase = KeyStore(app.config["KEYS_DIR"]).generate()


def _remove_key(app, key: IssuerKey) -> None:
    db.session.delete(key)


@pytest.mark.parametrize("change", [_replace_public_key, _remove_key], ids=["replaced", "removed"])
def test_page_says_not_genuine_once_the_signing_key_is_no_longer_the_issuers(app, english, completed, proof_checks,
                                                                             change):
    credential = completed[4]
    assert GENUINE in _page(english, credential)
    change(app, credential.issuer.keys[0])
    db.session.commit()
    page = _page(english, credential)
    assert NOT_GENUINE in page and GENUINE not in page


def test_the_verdict_memory_forgets_the_least_recently_asked_beyond_its_size():
    memory, worked_out = Memory(size=2), []

    def ask(question):
        return memory.answer(question, lambda: worked_out.append(question) or f"answer {question}")

    assert [ask("a"), ask("b"), ask("a"), ask("c")] == ["answer a", "answer b", "answer a", "answer c"]
    assert len(memory) == 2 and worked_out == ["a", "b", "c"]
    ask("a")
    ask("b")  # "b" was the least recently asked when "c" came, so it is worked out again
    assert worked_out == ["a", "b", "c", "b"] and len(memory) == 2


@pytest.mark.parametrize("method", [
    "did:key:z6Mk\x00#z6Mk\x00", "did:key:zabc#z" + "a" * 500,
    "{issuers}99999999999999999999#key-1", "{issuers}1#key-99999999999999999999", "{issuers}١#key-1",
    "{issuers}1#key-01", "{issuers}1\x00#key-1", "{issuers}1#key-1\x00", "http://elsewhere.example/badges/issuers/1#key-1",
])
def test_a_verification_method_naming_no_key_of_ours_is_an_unknown_key(app, completed, method):
    urls = badge_settings(app.config)[1]
    document = json.loads(completed[4].ob3_json)
    document["proof"]["verificationMethod"] = method.format(issuers=urls.issuer(""))
    report = verify_document(db.session, document, urls, utcnow())
    assert (report.outcome, report.reasons) == ("altered", ["unknown_key"])


def test_a_lone_surrogate_in_an_uploaded_credential_is_an_altered_badge(app, completed):
    document = json.loads(completed[4].ob3_json)
    document["name"] = "\ud800"
    report = verify_document(db.session, document, badge_settings(app.config)[1], utcnow())
    assert report.outcome == "altered"


def _public_page_queries(client, credential) -> int:
    db.session.expire_all()
    with QueryCounter(db.engine) as counter:
        assert client.get(f"/c/{credential.uuid}").status_code == 200
    return counter.count


def test_public_page_queries_do_not_grow_with_the_exercises_of_the_module(app, client, make, completed):
    learner, mentor = make.user(Role.LEARNER), make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=6), learners=[learner], mentors=[mentor])
    record = make.complete_module(group, learner, mentor, app.config["STORAGE_DIR"])
    bigger = db.session.scalar(select(Credential).where(Credential.completion_record_id == record.id))
    counts = [_public_page_queries(client, credential) for credential in (completed[4], bigger)]
    assert counts[0] == counts[1] <= 12


def test_a_remembered_verdict_spares_the_verification_its_look_ups(client, completed, proof_checks):
    first, again = (_public_page_queries(client, completed[4]) for _ in range(2))
    assert again < first and len(proof_checks) == 1


@pytest.fixture
def bakes(monkeypatch):
    made = []
    real_bake = baked.bake_png

    def counting_bake(**inputs):
        made.append(inputs["keyword"])
        return real_bake(**inputs)

    monkeypatch.setattr(baked, "bake_png", counting_bake)
    return made


def test_baked_pngs_are_made_once_then_read_from_the_shared_storage(app, client, completed, bakes):
    uuid = completed[4].uuid
    paths = [f"/c/{uuid}/badge.png", f"/badges/ob2/assertions/{uuid}/image.png"]
    first = [client.get(path).data for path in paths]
    assert [client.get(path).data for path in paths] == first
    assert bakes == ["openbadgecredential", "openbadges"]
    assert len(list((Path(app.config["STORAGE_DIR"]) / "baked").glob("??/??/*"))) == 2


def test_a_revoked_badge_gets_its_own_baked_ob2_png(client, completed, make, bakes):
    credential = completed[4]
    path = f"/badges/ob2/assertions/{credential.uuid}/image.png"
    before = client.get(path).data
    revoke(db.session, credential, reason="記録の誤り", actor=make.user(Role.ORGANIZER), now=utcnow())
    db.session.commit()
    assert client.get(path).data != before and len(bakes) == 2


@pytest.fixture
def signatures(monkeypatch):
    """A fresh memory of signed status lists; the list records each list actually signed."""
    from app.badges import revocation
    signed = []
    real_sign = revocation.proofs.sign

    def counting_sign(document, private_key, method, created):
        signed.append(method)
        return real_sign(document, private_key, method, created)

    monkeypatch.setattr(revocation, "SIGNED_STATUS_LISTS", Memory(size=16))
    monkeypatch.setattr(revocation.proofs, "sign", counting_sign)
    return signed


def _status_list(client, credential) -> dict:
    response = client.get(f"/badges/issuers/{credential.issuer_id}/status/revocation")
    assert response.status_code == 200
    return response.get_json()


def test_the_status_list_is_signed_once_until_a_revocation_or_a_new_key(app, client, completed, make, signatures):
    from app.badges import statuslist
    credential = completed[4]
    first = _status_list(client, credential)
    assert [_status_list(client, credential) for _ in range(2)] == [first, first]
    assert len(signatures) == 1

    revoke(db.session, credential, reason="記録の誤り", actor=make.user(Role.ORGANIZER), now=utcnow())
    db.session.commit()
    revoked = _status_list(client, credential)
    assert revoked["credentialSubject"]["encodedList"] == statuslist.encode({credential.status_list_index})
    assert revoked["credentialSubject"]["encodedList"] != first["credentialSubject"]["encodedList"]
    assert len(signatures) == 2

    add_key(db.session, credential.issuer, badge_settings(app.config)[0], now=utcnow())
    db.session.commit()
    rotated = _status_list(client, credential)
    assert rotated["proof"]["verificationMethod"] != revoked["proof"]["verificationMethod"]
    assert rotated["proof"]["verificationMethod"] == signatures[-1] and len(signatures) == 3


def _csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_the_page_is_remembered_for_every_visitor_with_a_token_of_their_own(app, completed, proof_checks):
    path = f"/c/{completed[4].uuid}"
    first, second = app.test_client(), app.test_client()
    with QueryCounter(db.engine) as worked_out:
        page = first.get(path).get_data(as_text=True)
    with QueryCounter(db.engine) as remembered:
        again = second.get(path).get_data(as_text=True)
    # Only the write revision is read for the second visitor (app/core/page_memory.py).
    assert remembered.count == 1 < worked_out.count
    assert _csrf_token(page) != _csrf_token(again)
    assert again.replace(_csrf_token(again), "") == page.replace(_csrf_token(page), "")
    # Each visitor's language switch takes their own token, not the other's.
    app.config["WTF_CSRF_ENABLED"] = True
    assert second.post("/language", data={"locale": "en", "csrf_token": _csrf_token(page)}).status_code == 400
    assert second.post("/language", data={"locale": "en", "csrf_token": _csrf_token(again)}).status_code == 302
