"""Verification: altered, revoked and not-yet-valid credentials, uploads to /verify (hostile ones
included: each a clear verdict, never a 500) and the offline CLI."""

import copy
import json
import zlib
from datetime import datetime, timedelta

import pytest

from app.auth.models import Role
from app.badges import baking, documents, proofs
from app.badges.listeners import badge_settings
from app.badges.models import Credential
from app.badges.revocation import revoke
from app.badges.verification import verify_document
from app.core.db import utcnow
from app.core.timeutil import TOKYO
from app.extensions import db
from tests.badges.support import digital_bazaar_verify, issuer_documents, upload


def _flip_last(text: str) -> str:
    return text[:-1] + ("1" if text[-1] == "0" else "0")


SIGNED_FIELDS = [
    ("name", lambda d: d.__setitem__("name", d["name"] + "!")),
    ("validFrom", lambda d: d.__setitem__("validFrom", _flip_last(d["validFrom"][:-1]) + "Z")),
    ("issuer name", lambda d: d["issuer"].__setitem__("name", d["issuer"]["name"] + "x")),
    ("identity hash", lambda d: d["credentialSubject"]["identifier"][0].__setitem__(
        "identityHash", _flip_last(d["credentialSubject"]["identifier"][0]["identityHash"]))),
    ("achievement criteria", lambda d: d["credentialSubject"]["achievement"]["criteria"].__setitem__(
        "narrative", "x" + d["credentialSubject"]["achievement"]["criteria"]["narrative"][1:])),
    ("evidence", lambda d: d["evidence"][0].__setitem__("narrative", d["evidence"][0]["narrative"] + "。")),
    ("status index", lambda d: d["credentialStatus"].__setitem__("statusListIndex", "7")),
    ("proof created", lambda d: d["proof"].__setitem__("created", "2020-01-01T00:00:00Z")),
]


@pytest.mark.parametrize("field, change", SIGNED_FIELDS, ids=[f for f, _ in SIGNED_FIELDS])
def test_one_changed_character_in_a_signed_field_fails_verification(app, client, completed, field, change):
    original = json.loads(completed[4].ob3_json)
    altered = copy.deepcopy(original)
    change(altered)
    assert altered != original
    assert digital_bazaar_verify(altered, issuer_documents(client, original))["verified"] is False
    report = verify_document(db.session, altered, badge_settings(app.config)[1], utcnow())
    assert report.outcome == "altered"


def test_revoked_credential_fails_on_status(app, client, completed, make):
    learner, mentor, group, record, credential = completed
    revoke(db.session, credential, reason="受講記録の誤りが判明したため", actor=make.user(Role.ORGANIZER),
                    now=utcnow())
    db.session.commit()
    document = json.loads(credential.ob3_json)
    result = digital_bazaar_verify(document, issuer_documents(client, document))
    assert result["verified"] is False and result["revoked"] is True
    report = verify_document(db.session, document, badge_settings(app.config)[1], utcnow())
    assert report.outcome == "revoked" and report.reasons == ["受講記録の誤りが判明したため"]


def test_anyone_can_verify_an_uploaded_badge(client, completed):
    credential = completed[4]
    client.post("/language", data={"locale": "en"})
    png = client.get(f"/c/{credential.uuid}/badge.png").data
    assert "genuine and valid" in upload(client, "badge.png", png).get_data(as_text=True)
    altered = json.loads(credential.ob3_json)
    altered["name"] = "偽物"
    page = upload(client, "badge.json", json.dumps(altered).encode()).get_data(as_text=True)
    assert "This badge is not genuine." in page and "changed after it was issued" in page


@pytest.mark.parametrize("name, data, message", [
    ("plain.png", None, "This PNG image does not carry a badge."),
    ("notes.txt", b"hello", "This file is not a badge"),
    ("broken.svg", b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "This SVG image does not carry a badge."),
])
def test_verify_page_explains_files_it_cannot_read(client, name, data, message):
    from app.badges.images import badge_png
    client.post("/language", data={"locale": "en"})
    response = upload(client, name, data if data is not None else badge_png(level=1, seed="x", label="X"))
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_verify_page_needs_a_file(client):
    client.post("/language", data={"locale": "en"})
    response = client.post("/verify", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose a baked badge image" in response.get_data(as_text=True)


def test_cli_verifies_files_offline(app, completed, tmp_path):
    credential = completed[4]
    good = tmp_path / "good.json"
    good.write_text(credential.ob3_json, encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text(credential.ob3_json.replace(credential.display_name, "別人", 1) if credential.display_name in
                   credential.ob3_json else credential.ob3_json.replace('"name":"', '"name":"x', 1), encoding="utf-8")
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["badges", "verify", str(good)])
    assert ok.exit_code == 0 and ok.output.strip() == "genuine"
    failed = runner.invoke(args=["badges", "verify", str(bad)])
    assert failed.exit_code == 1 and failed.output.startswith("altered")


def _png_carrying(itxt_body: bytes, compressed: bool) -> bytes:
    """A badge image with one iTXt chunk `openbadgecredential` holding `itxt_body` as it is."""
    from app.badges.images import badge_png
    png = badge_png(level=1, seed="x", label="X")
    data = baking.OB3_KEYWORD.encode() + b"\0" + bytes([int(compressed), 0]) + b"\0\0" + itxt_body
    chunk = len(data).to_bytes(4, "big") + b"iTXt" + data + (zlib.crc32(b"iTXt" + data) & 0xFFFFFFFF).to_bytes(4, "big")
    return png[:-12] + chunk + png[-12:]


def _zip_bomb() -> bytes:
    """64 MB of text deflated to about 64 KB, built without holding the 64 MB."""
    deflate, block = zlib.compressobj(9), b'{"a": "' + b"0" * (1024 * 1024 - 7)
    return b"".join(deflate.compress(block) for _ in range(64)) + deflate.flush()


HOSTILE_UPLOADS = [
    ("empty.json", lambda: b"", "The file is empty."),
    ("bomb.png", lambda: _png_carrying(_zip_bomb(), compressed=True), "larger than 256 KB"),
    ("bad-zlib.png", lambda: _png_carrying(b"not deflated at all", compressed=True), "cannot be unpacked"),
    ("cut-zlib.png", lambda: _png_carrying(zlib.compress(b'{"a": 1}')[:-6], compressed=True), "cannot be unpacked"),
    ("latin1.png", lambda: _png_carrying('{"name": "café"}'.encode("latin-1"), compressed=False), "not UTF-8 text"),
    ("latin1.svg", lambda: "<svg><openbadges:credential>{\"a\": \"é\"}</openbadges:credential></svg>".encode("latin-1"),
     "not UTF-8 text"),
    ("deep.json", lambda: b"[" * 100_000 + b"]" * 100_000, "nests more than 32 levels"),
    ("deep.png", lambda: _png_carrying(b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", compressed=False),
     "nests more than 32 levels"),
    ("deep-in-strings.json", lambda: b'{"a": "' + b"[" * 100_000 + b'"}', "no digital signature"),
    ("big.json", lambda: b'{"a": "' + b"x" * 300_000 + b'"}', "larger than 256 KB"),
    ("long-number.json", lambda: b'{"a": ' + b"1" * 5000 + b"}", "neither a badge image nor a credential"),
    ("list.json", lambda: b"[1, 2]", "neither a badge image nor a credential"),
    ("binary.bin", lambda: bytes(range(256)) * 64, "neither a badge image nor a credential"),
    ("cut.png", lambda: baking.PNG_SIGNATURE + b"\0\0\0\x20IHDR", "The PNG file is damaged."),
    ("chunks.png", lambda: baking.PNG_SIGNATURE + b"\0\0\0\0tEXt\0\0\0\0" * 5000, "The PNG file is damaged."),
    # Under 500 KB: above that the test client spools the request to a temporary file it never closes.
    ("huge.svg", lambda: b"<svg>" + b"<openbadges:credential " * 15_000 + b"<![CDATA[" * 15_000,
     "This SVG image does not carry a badge."),
    ("nul-ob2.json", lambda: json.dumps({"type": "Assertion", "id": "http://localhost/badges/ob2/assertions/\0"}).encode(),
     "was not issued by this service"),
    ("surrogate-ob2.json", lambda: b'{"type": "Assertion", "id": "\\ud800"}', "was not issued by this service"),
    ("list-id-ob2.json", lambda: b'{"badge": 1, "id": ["a"]}', "was not issued by this service"),
    ("nul-ob3.json", lambda: json.dumps({"id": "urn:uuid:\0", "proof": "\0"}).encode(), "no digital signature"),
    ("proof-list.json", lambda: b'{"proof": [1], "issuer": [2]}', "no digital signature"),
]


@pytest.mark.parametrize("name, make_data, message", HOSTILE_UPLOADS, ids=[u[0] for u in HOSTILE_UPLOADS])
def test_verify_answers_every_hostile_upload_with_its_verdict(client, name, make_data, message):
    client.post("/language", data={"locale": "en"})
    response = upload(client, name, make_data())
    assert response.status_code in (200, 422)
    assert message in response.get_data(as_text=True)


def test_verify_shows_the_zip_bomb_verdict_in_japanese(client):
    page = upload(client, "bomb.png", _png_carrying(_zip_bomb(), compressed=True)).get_data(as_text=True)
    assert "256 KBを超えています" in page


def _proof_of(credential: Credential, **changes) -> dict:
    document = json.loads(credential.ob3_json)
    document["proof"] = {**document["proof"], **changes}
    return document


@pytest.mark.parametrize("proof_value", [["z"], "z" + "2" * 100_000, "zOOOO", "z" + "2" * 20, None])
def test_a_malformed_signature_value_is_a_clear_verdict(client, completed, proof_value):
    client.post("/language", data={"locale": "en"})
    document = _proof_of(completed[4], proofValue=proof_value)
    page = upload(client, "badge.json", json.dumps(document).encode()).get_data(as_text=True)
    assert "This badge is not genuine." in page and "it is not an Ed25519 signature" in page


@pytest.mark.parametrize("change", [lambda v: v + " ", lambda v: " " + v, lambda v: v + "é", lambda v: v[1:]])
def test_a_signature_value_written_any_other_way_is_refused(app, completed, change):
    document = json.loads(completed[4].ob3_json)
    document["proof"]["proofValue"] = change(document["proof"]["proofValue"])
    report = verify_document(db.session, document, badge_settings(app.config)[1], utcnow())
    assert (report.outcome, report.reasons) == ("altered", ["bad_signature_value"])


UNSIGNED_ADDITIONS = [
    ("achievement", lambda d: d["credentialSubject"]["achievement"].__setitem__("favouriteColour", "青")),
    ("evidence", lambda d: d["evidence"][0].__setitem__("favouriteColour", "青")),
    ("top level", lambda d: d.__setitem__("grade", "A+")),
]


@pytest.mark.parametrize("where, add", UNSIGNED_ADDITIONS, ids=[w for w, _ in UNSIGNED_ADDITIONS])
def test_content_no_context_defines_added_after_signing_is_refused(app, client, completed, where, add):
    """Canonicalisation drops a term no context defines, so the signature never covered it: such a
    document is refused, as by Digital Bazaar's verifier (safe mode), not taken for genuine."""
    document = json.loads(completed[4].ob3_json)
    add(document)
    assert digital_bazaar_verify(document, issuer_documents(client, document))["verified"] is False
    report = verify_document(db.session, document, badge_settings(app.config)[1], utcnow())
    assert (report.outcome, report.reasons) == ("altered", ["unsigned_content"])
    page = upload(client, "badge.json", json.dumps(document).encode()).get_data(as_text=True)
    assert "署名の対象外の内容が含まれています" in page


@pytest.mark.parametrize("field, value", [("credentialStatus", [1]), ("credentialStatus", "x"), ("validFrom", {"a": 1}),
                                          ("id", ["urn:uuid:x"]), ("issuer", 7), ("@context", {"@vocab": 1})])
def test_a_field_of_the_wrong_type_makes_the_badge_not_genuine(client, completed, field, value):
    client.post("/language", data={"locale": "en"})
    document = json.loads(completed[4].ob3_json)
    document[field] = value
    page = upload(client, "badge.json", json.dumps(document).encode()).get_data(as_text=True)
    assert "This badge is not genuine." in page


def test_verify_uploads_are_rate_limited(app_with):
    client = app_with(RATELIMIT_ENABLED=True, VERIFY_RATE_LIMIT="2 per minute").test_client()
    client.post("/language", data={"locale": "en"})
    responses = [upload(client, "notes.txt", b"hello") for _ in range(3)]
    assert [r.status_code for r in responses] == [422, 422, 429]
    assert "Too many attempts" in responses[2].get_data(as_text=True)
    assert client.get("/verify").status_code == 200


def test_a_credential_is_not_valid_before_its_valid_from(app, completed):
    credential = completed[4]
    document, urls = json.loads(credential.ob3_json), badge_settings(app.config)[1]
    valid_from = datetime.fromisoformat(document["validFrom"])
    # The same instants written in Tokyo's time: compared as times, not as text.
    for now, outcome in ((valid_from - timedelta(seconds=1), "unknown"), (valid_from, "genuine"),
                         ((valid_from - timedelta(seconds=1)).astimezone(TOKYO), "unknown"),
                         (valid_from.astimezone(TOKYO), "genuine")):
        report = verify_document(db.session, document, urls, now)
        assert (report.outcome, report.reasons) == (outcome, ["not_yet_valid"] if outcome == "unknown" else [])


@pytest.mark.parametrize("valid_from", ["2026-01-01T00:00:00", "1 January 2026", "2026-13-01T00:00:00Z"])
def test_a_signed_valid_from_that_is_no_aware_time_is_reported(app, completed, valid_from):
    credential = completed[4]
    keys, urls, _ = badge_settings(app.config)
    key = credential.issuer.signing_key
    unsigned = {k: v for k, v in json.loads(credential.ob3_json).items() if k != "proof"}
    document = proofs.sign({**unsigned, "validFrom": valid_from}, keys.private_key(key.public_key_multibase),
                           documents.verification_method(key, urls), utcnow())
    report = verify_document(db.session, document, urls, utcnow())
    assert (report.outcome, report.reasons) == ("unknown", ["bad_valid_from"])
