"""Open Badges 3.0 and 2.0: issuing, independent verification, revocation, baking, public pages."""

import copy
import hashlib
import io
import json
import stat
import subprocess
import zlib
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.auth.models import Role
from app.badges import baking, proofs
from app.badges.errors import KeysCannotRotate
from app.badges.issuers import add_key
from app.badges.issuing import create_credential, records_awaiting_credential
from app.badges.revocation import revoke
from app.badges.verification import verify_document
from app.badges.ld import UndefinedTerm
from app.badges.listeners import badge_settings
from app.badges.models import Credential, CredentialStatus
from app.core.db import utcnow
from app.extensions import db

VERIFIER = Path(__file__).parent / "ob3_verifier"


@pytest.fixture
def completed(app, make):
    """A learner who completed a module: their badge was issued through the completion signal."""
    learner = make.user(Role.LEARNER, email="sato.hanako@example.jp", name="佐藤 花子")
    mentor = make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=2), learners=[learner], mentors=[mentor])
    record = make.complete_module(group, learner, mentor, app.config["STORAGE_DIR"])
    credential = db.session.scalar(select(Credential).where(Credential.completion_record_id == record.id))
    return learner, mentor, group, record, credential


def _documents(client, credential_json: dict) -> dict:
    """What a verifier would fetch from the issuer: the controller document and the status list."""
    issuer_id = credential_json["issuer"]["id"]
    status_url = credential_json["credentialStatus"]["statusListCredential"]
    base = issuer_id.split("/badges/")[0]
    return {url: json.loads(client.get(url.removeprefix(base)).data) for url in (issuer_id, status_url)}


def digital_bazaar_verify(credential: dict, documents: dict) -> dict:
    """Run Digital Bazaar's @digitalbazaar/vc with the eddsa-rdfc-2022 cryptosuite (node, offline)."""
    assert (VERIFIER / "node_modules").is_dir(), "run ./scripts/test: it installs the verifier's npm packages"
    result = subprocess.run(["node", str(VERIFIER / "verify.mjs")], input=json.dumps(
        {"credential": credential, "documents": documents}), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_completion_issues_a_signed_credential_automatically(completed):
    learner, mentor, group, record, credential = completed
    assert credential.status == CredentialStatus.ISSUED
    document = json.loads(credential.ob3_json)
    assert document["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert document["issuer"]["id"] == "http://127.0.0.1:5000/badges/issuers/1"
    identifier = document["credentialSubject"]["identifier"][0]
    assert "sato" not in json.dumps(document).lower()  # the address itself is never in the credential
    assert identifier["identityHash"] == "sha256$" + hashlib.sha256(
        ("sato.hanako@example.jp" + identifier["salt"]).encode()).hexdigest()
    achievement = document["credentialSubject"]["achievement"]
    assert achievement["criteria"]["narrative"] and achievement["alignment"][0]["targetCode"] == "level-1"
    evidence_names = [e["name"] for e in document["evidence"]]
    assert evidence_names[:2] == ["課題1", "課題2"] and evidence_names[2].startswith("受講期: ")
    assert all("id" not in e for e in document["evidence"])  # no consent: deliverables are not linked


def test_issuing_twice_for_the_same_completion_record_is_impossible(app, completed):
    learner, mentor, group, record, credential = completed
    keys, urls, defaults = badge_settings(app.config)
    with pytest.raises(IntegrityError):
        create_credential(db.session, record, keys=keys, urls=urls, defaults=defaults, now=utcnow())
    db.session.rollback()
    assert db.session.scalar(select(func.count(Credential.id))) == 1


def test_fresh_credential_verifies_with_digital_bazaar(client, completed):
    document = json.loads(completed[4].ob3_json)
    result = digital_bazaar_verify(document, _documents(client, document))
    assert result == {"verified": True, "statusVerified": True, "revoked": False, "error": None}


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
    assert digital_bazaar_verify(altered, _documents(client, original))["verified"] is False
    report = verify_document(db.session, altered, badge_settings(app.config)[1], utcnow())
    assert report.outcome == "altered"


def test_revoked_credential_fails_on_status(app, client, completed, make):
    learner, mentor, group, record, credential = completed
    revoke(db.session, credential, reason="受講記録の誤りが判明したため", actor=make.user(Role.ORGANIZER),
                    now=utcnow())
    db.session.commit()
    document = json.loads(credential.ob3_json)
    result = digital_bazaar_verify(document, _documents(client, document))
    assert result["verified"] is False and result["revoked"] is True
    report = verify_document(db.session, document, badge_settings(app.config)[1], utcnow())
    assert report.outcome == "revoked" and report.reasons == ["受講記録の誤りが判明したため"]


def test_refuses_to_sign_a_term_no_context_defines(app, completed):
    learner, mentor, group, record, credential = completed
    keys, urls, _ = badge_settings(app.config)
    key = credential.issuer.signing_key
    document = {k: v for k, v in json.loads(credential.ob3_json).items() if k != "proof"}
    for bad in ({**document, "favouriteColour": "blue"}, {**document, "type": ["VerifiableCredential", "Mystery"]}):
        with pytest.raises(UndefinedTerm):
            proofs.sign(bad, keys.private_key(key.public_key_multibase), urls.key(1, key.fragment), utcnow())


def test_old_credentials_keep_verifying_after_key_rotation(app, client, completed, make):
    learner, mentor, group, record, first = completed
    keys, urls, defaults = badge_settings(app.config)
    add_key(db.session, first.issuer, keys, now=utcnow())
    db.session.commit()
    other = make.user(Role.LEARNER)
    group.enrolments.append(__import__("app.cohorts.models", fromlist=["Enrolment"]).Enrolment(user=other))
    db.session.commit()
    second_record = make.complete_module(group, other, mentor, app.config["STORAGE_DIR"])
    second = db.session.scalar(select(Credential).where(Credential.completion_record_id == second_record.id))
    controller = client.get("/badges/issuers/1").get_json(force=True)
    assert [m["id"].split("#")[1] for m in controller["verificationMethod"]] == ["key-1", "key-2"]
    assert controller["assertionMethod"] == [m["id"] for m in controller["verificationMethod"]]
    for credential, key in ((first, "key-1"), (second, "key-2")):
        document = json.loads(credential.ob3_json)
        assert document["proof"]["verificationMethod"].endswith(key)
        assert digital_bazaar_verify(document, _documents(client, document))["verified"] is True


def test_private_keys_live_in_the_keys_folder_only(app, completed):
    key = completed[4].issuer.signing_key
    path = Path(app.config["KEYS_DIR"]) / f"{key.public_key_multibase}.ed25519"
    assert path.is_file() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not [column.name for column in type(key).__table__.columns if "private" in column.name]


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_baked_images_round_trip(app, client, completed, kind):
    credential = completed[4]
    response = client.get(f"/c/{credential.uuid}/badge.{kind}")
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment")
    extracted = baking.extract_png(response.data) if kind == "png" else baking.extract_svg(response.data.decode())
    assert json.loads(extracted) == json.loads(credential.ob3_json)
    report = verify_document(db.session, json.loads(extracted), badge_settings(app.config)[1], utcnow())
    assert report.outcome == "genuine"


def test_png_has_one_uncompressed_itxt_chunk_even_when_baked_twice(completed):
    from app.badges.images import badge_png
    png = baking.bake_png(baking.bake_png(badge_png(level=1, seed="s", label="X"), "first"), "second")
    chunks = [data for kind, data, _, _ in baking._chunks(png) if kind == b"iTXt"]
    assert len(chunks) == 1 and chunks[0].startswith(b"openbadgecredential\x00\x00")
    assert baking.extract_png(png) == "second"


def test_baking_refuses_what_is_not_a_png():
    with pytest.raises(baking.NotABadgeImage) as refused:
        baking.bake_png(b"GIF89a not a png", "credential")
    assert refused.value.code == "bad_png"


def test_ob2_hosted_assertion_badge_class_and_issuer(client, completed):
    learner, mentor, group, record, credential = completed
    response = client.get(f"/badges/ob2/assertions/{credential.uuid}")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    assertion = response.get_json(force=True)
    assert assertion["@context"] == "https://w3id.org/openbadges/v2" and assertion["type"] == "Assertion"
    assert assertion["verification"] == {"type": "HostedBadge"}
    recipient = assertion["recipient"]
    assert recipient["hashed"] is True and recipient["identity"] == "sha256$" + hashlib.sha256(
        ("sato.hanako@example.jp" + recipient["salt"]).encode()).hexdigest()
    badge = client.get(assertion["badge"].removeprefix("http://127.0.0.1:5000")).get_json(force=True)
    for field in ("id", "type", "name", "description", "image", "criteria", "issuer"):
        assert badge[field], field
    issuer = client.get(badge["issuer"].removeprefix("http://127.0.0.1:5000")).get_json(force=True)
    for field in ("id", "type", "name", "url", "email"):
        assert issuer[field], field
    # Hosted verification: assertion and badge class on the issuer profile's origin.
    origin = issuer["id"].split("/badges/")[0]
    assert assertion["id"].startswith(origin) and badge["id"].startswith(origin)
    image = client.get(badge["image"].removeprefix(origin))
    assert image.mimetype == "image/svg+xml" and image.data.startswith(b"<svg")
    baked = client.get(f"/badges/ob2/assertions/{credential.uuid}/image.png")
    assert json.loads(baking.extract_png(baked.data, baking.OB2_KEYWORD)) == assertion


def test_ob2_assertion_is_gone_when_revoked(client, completed, make):
    credential = completed[4]
    revoke(db.session, credential, reason="誤発行", actor=make.user(Role.ORGANIZER), now=utcnow())
    db.session.commit()
    response = client.get(f"/badges/ob2/assertions/{credential.uuid}")
    assert response.status_code == 410
    assert response.get_json(force=True)["revoked"] is True


def test_public_page_shows_and_verifies_without_login(client, completed):
    credential = completed[4]
    client.post("/language", data={"locale": "en"})
    page = client.get(f"/c/{credential.uuid}").get_data(as_text=True)
    assert "Verified: this badge is genuine and valid." in page
    assert "佐藤 花子" in page and "北海道 デジタル人材育成プログラム事務局" not in page  # issuer name in English
    assert "Hokkaido Digital Talent Programme Office" in page and "<svg" in page  # the QR code
    certificate = client.get(f"/c/{credential.uuid}/certificate").get_data(as_text=True)
    assert "Certificate of completion" in certificate and "<svg" in certificate
    assert client.get("/c/not-a-credential").status_code == 404


def test_badges_wait_for_approval_when_the_cohort_asks(app, make, login_as):
    learner, mentor = make.user(Role.LEARNER), make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=1), learners=[learner], mentors=[mentor])
    group.badges_need_approval = True
    db.session.commit()
    make.complete_module(group, learner, mentor, app.config["STORAGE_DIR"])
    credential = db.session.scalar(select(Credential))
    assert credential.status == CredentialStatus.AWAITING_APPROVAL and credential.ob3_json is None
    client = app.test_client()
    assert client.get(f"/c/{credential.uuid}").status_code == 404
    organizer = login_as(make.user(Role.ORGANIZER))
    response = organizer.post(f"/manage/badges/cohorts/{group.id}/approve", data={"narrative": "優秀な成果でした。"})
    assert response.status_code == 302
    db.session.expire_all()
    assert credential.status == CredentialStatus.ISSUED
    assert json.loads(credential.ob3_json)["credentialSubject"]["narrative"] == "優秀な成果でした。"


def test_organizer_revokes_with_a_reason(client, completed, make, login_as):
    credential = completed[4]
    organizer = login_as(make.user(Role.ORGANIZER))
    organizer.post("/language", data={"locale": "en"})
    refused = organizer.post(f"/manage/badges/{credential.uuid}/revoke", data={"reason": " "})
    assert refused.status_code == 422 and "Give the reason for revoking" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert credential.status == CredentialStatus.ISSUED
    assert organizer.post(f"/manage/badges/{credential.uuid}/revoke", data={"reason": "誤発行"}).status_code == 302
    page = client.get(f"/c/{credential.uuid}").get_data(as_text=True)
    assert "誤発行" in page
    assert login_as(completed[0]).get("/manage/badges").status_code == 403


def _upload(client, name: str, data: bytes):
    return client.post("/verify", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_anyone_can_verify_an_uploaded_badge(client, completed):
    credential = completed[4]
    client.post("/language", data={"locale": "en"})
    png = client.get(f"/c/{credential.uuid}/badge.png").data
    assert "genuine and valid" in _upload(client, "badge.png", png).get_data(as_text=True)
    altered = json.loads(credential.ob3_json)
    altered["name"] = "偽物"
    page = _upload(client, "badge.json", json.dumps(altered).encode()).get_data(as_text=True)
    assert "This badge is not genuine." in page and "changed after it was issued" in page


@pytest.mark.parametrize("name, data, message", [
    ("plain.png", None, "This PNG image does not carry a badge."),
    ("notes.txt", b"hello", "This file is not a badge"),
    ("broken.svg", b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "This SVG image does not carry a badge."),
])
def test_verify_page_explains_files_it_cannot_read(client, name, data, message):
    from app.badges.images import badge_png
    client.post("/language", data={"locale": "en"})
    response = _upload(client, name, data if data is not None else badge_png(level=1, seed="x", label="X"))
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_verify_page_needs_a_file(client):
    client.post("/language", data={"locale": "en"})
    response = client.post("/verify", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose a baked badge image" in response.get_data(as_text=True)


def test_wallet_lists_own_badges_with_downloads_and_share_links(completed, login_as, make):
    learner, mentor, group, record, credential = completed
    client = login_as(learner)
    page = client.get("/wallet").get_data(as_text=True)
    assert f"/c/{credential.uuid}/badge.png" in page and f"/c/{credential.uuid}/credential.json" in page
    assert "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME" in page
    stranger = login_as(make.user(Role.LEARNER))
    assert credential.uuid not in stranger.get("/wallet").get_data(as_text=True)
    assert stranger.post(f"/wallet/{credential.uuid}/settings",
                         data={f"c{credential.id}-display_name": "乗っ取り"}).status_code == 404


def test_learner_chooses_name_and_publishing_of_work(client, completed, login_as):
    learner, mentor, group, record, credential = completed
    slug = record.accepted_versions[0].submission.exercise.slug
    assert client.get(f"/c/{credential.uuid}/evidence/{slug}").status_code == 404
    login_as(learner).post(f"/wallet/{credential.uuid}/settings",
                           data={f"c{credential.id}-display_name": "Hanako S.", f"c{credential.id}-evidence_public": "y"})
    assert "Hanako S." in client.get(f"/c/{credential.uuid}").get_data(as_text=True)
    assert "の回答" in client.get(f"/c/{credential.uuid}/evidence/{slug}").get_data(as_text=True)


def test_cli_lists_credentials_with_absolute_urls_from_base_url(app_with, make):
    app = app_with(BASE_URL="https://enshu.example.jp")
    learner, mentor = make.user(Role.LEARNER), make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=1), learners=[learner], mentors=[mentor])
    make.complete_module(group, learner, mentor, app.config["STORAGE_DIR"])
    result = app.test_cli_runner().invoke(args=["badges", "list", "--json"])
    rows = json.loads(result.output)
    assert rows[0]["public_url"].startswith("https://enshu.example.jp/c/")
    assert rows[0]["id"].startswith("urn:uuid:")
    issued = json.loads(db.session.scalar(select(Credential.ob3_json)))
    assert issued["issuer"]["id"] == "https://enshu.example.jp/badges/issuers/1"


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


def test_consent_given_before_issuing_links_the_accepted_work(app, make, login_as):
    learner, mentor = make.user(Role.LEARNER), make.user(Role.MENTOR)
    login_as(learner).post("/wallet/consent", data={"publishes_badge_evidence": "y"})
    group = make.cohort(make.module_version(exercises=1), learners=[learner], mentors=[mentor])
    make.complete_module(group, learner, mentor, app.config["STORAGE_DIR"])
    credential = db.session.scalar(select(Credential))
    document = json.loads(credential.ob3_json)
    assert document["evidence"][0]["id"] == f"http://127.0.0.1:5000/c/{credential.uuid}/evidence/ex-1"
    assert "の回答" in app.test_client().get(f"/c/{credential.uuid}/evidence/ex-1").get_data(as_text=True)


def test_issuers_page_only_reads(app_with, make, tmp_path):
    from app.badges.models import Issuer
    from tests.conftest import login
    app = app_with(KEYS_DIR=str(tmp_path / "keys"))
    admin = login(app.test_client(), make.user(Role.ADMIN))
    admin.post("/language", data={"locale": "en"})
    page = admin.get("/admin/issuers").get_data(as_text=True)
    assert "There is no issuer yet" in page
    assert db.session.scalar(select(func.count(Issuer.id))) == 0
    assert not (tmp_path / "keys").exists()
    assert app.test_cli_runner().invoke(args=["badges", "init"]).exit_code == 0
    page = admin.get("/admin/issuers").get_data(as_text=True)
    assert "Hokkaido Digital Talent Programme Office" in page and "There is no issuer yet" not in page
    assert len(list((tmp_path / "keys").iterdir())) == 1


def test_admin_rotates_keys_and_adds_an_issuer_for_an_organization(app, make, login_as, runner):
    from app.auth.models import Organization
    from app.badges.models import Issuer
    admin = login_as(make.user(Role.ADMIN))
    admin.post("/language", data={"locale": "en"})
    assert runner.invoke(args=["badges", "init"]).exit_code == 0
    assert "Badge issuers" in admin.get("/admin/issuers").get_data(as_text=True)
    admin.post("/admin/issuers/1/keys")
    assert [k.number for k in db.session.get(Issuer, 1).keys] == [1, 2]
    university = Organization(name_ja="北海道大学", name_en="Hokkaido University", kind="university")
    db.session.add(university)
    db.session.commit()
    data = {"organization_id": str(university.id), "name_ja": "北海道大学 DX講座", "name_en": "Hokkaido Univ. DX",
            "url": "https://www.hokudai.ac.jp/", "email": "dx@example.jp"}
    refused = admin.post("/admin/issuers", data={**data, "url": "not a url"})
    assert refused.status_code == 422 and "Enter a full address starting with https://." in refused.get_data(as_text=True)
    assert admin.post("/admin/issuers", data=data).status_code == 302
    again = admin.post("/admin/issuers", data=data)
    assert again.status_code == 422 and "already has an issuer profile" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Issuer.id))) == 2
    assert login_as(make.user(Role.ORGANIZER)).get("/admin/issuers").status_code == 403


def test_did_key_issuer_verifies_fully_offline(app_with, make):
    app = app_with(BADGE_ISSUER_DID_KEY=True)
    learner, mentor = make.user(Role.LEARNER), make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=1), learners=[learner], mentors=[mentor])
    make.complete_module(group, learner, mentor, app.config["STORAGE_DIR"])
    credential = db.session.scalar(select(Credential))
    document = json.loads(credential.ob3_json)
    did = document["issuer"]["id"]
    assert did.startswith("did:key:z6Mk") and document["proof"]["verificationMethod"] == f"{did}#{did[8:]}"
    status_url = document["credentialStatus"]["statusListCredential"]
    status = json.loads(app.test_client().get(status_url.removeprefix("http://127.0.0.1:5000")).data)
    assert status["issuer"] == did
    # No issuer document is given to the verifier: the did:key resolves from itself.
    assert digital_bazaar_verify(document, {status_url: status})["verified"] is True
    assert verify_document(db.session, document, badge_settings(app.config)[1], utcnow()).outcome == "genuine"
    with pytest.raises(KeysCannotRotate):
        add_key(db.session, credential.issuer, badge_settings(app.config)[0], now=utcnow())


# Hostile uploads to the public /verify page: each one a clear verdict, never a 500 -------------------

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
    response = _upload(client, name, make_data())
    assert response.status_code in (200, 422)
    assert message in response.get_data(as_text=True)


def test_verify_shows_the_zip_bomb_verdict_in_japanese(client):
    page = _upload(client, "bomb.png", _png_carrying(_zip_bomb(), compressed=True)).get_data(as_text=True)
    assert "256 KBを超えています" in page


def _proof_of(credential: Credential, **changes) -> dict:
    document = json.loads(credential.ob3_json)
    document["proof"] = {**document["proof"], **changes}
    return document


@pytest.mark.parametrize("proof_value", [["z"], "z" + "2" * 100_000, "zOOOO", "z" + "2" * 20, None])
def test_a_malformed_signature_value_is_a_clear_verdict(client, completed, proof_value):
    client.post("/language", data={"locale": "en"})
    document = _proof_of(completed[4], proofValue=proof_value)
    page = _upload(client, "badge.json", json.dumps(document).encode()).get_data(as_text=True)
    assert "This badge is not genuine." in page and "it is not an Ed25519 signature" in page


@pytest.mark.parametrize("change", [lambda v: v + " ", lambda v: " " + v, lambda v: v + "é", lambda v: v[1:]])
def test_a_signature_value_written_any_other_way_is_refused(app, completed, change):
    document = json.loads(completed[4].ob3_json)
    document["proof"]["proofValue"] = change(document["proof"]["proofValue"])
    report = verify_document(db.session, document, badge_settings(app.config)[1], utcnow())
    assert (report.outcome, report.reasons) == ("altered", ["bad_signature_value"])


@pytest.mark.parametrize("field, value", [("credentialStatus", [1]), ("credentialStatus", "x"), ("validFrom", {"a": 1}),
                                          ("id", ["urn:uuid:x"]), ("issuer", 7), ("@context", {"@vocab": 1})])
def test_a_field_of_the_wrong_type_makes_the_badge_not_genuine(client, completed, field, value):
    client.post("/language", data={"locale": "en"})
    document = json.loads(completed[4].ob3_json)
    document[field] = value
    page = _upload(client, "badge.json", json.dumps(document).encode()).get_data(as_text=True)
    assert "This badge is not genuine." in page


def test_verify_uploads_are_rate_limited(app_with):
    client = app_with(RATELIMIT_ENABLED=True, VERIFY_RATE_LIMIT="2 per minute").test_client()
    client.post("/language", data={"locale": "en"})
    responses = [_upload(client, "notes.txt", b"hello") for _ in range(3)]
    assert [r.status_code for r in responses] == [422, 422, 429]
    assert "Too many attempts" in responses[2].get_data(as_text=True)
    assert client.get("/verify").status_code == 200


def test_a_signing_failure_keeps_the_decision_and_the_badge_is_issued_on_retry(app_with, make, tmp_path):
    from app.completions.models import CompletionRecord
    from app.reviews.models import Review
    from app.submissions.models import SubmissionVersion
    from tests.conftest import login
    keys_dir = tmp_path / "keys"
    app = app_with(KEYS_DIR=str(keys_dir))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["badges", "init"]).exit_code == 0
    learner, mentor = make.user(Role.LEARNER), make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=1), learners=[learner], mentors=[mentor])
    exercise = group.module_version.exercises[0]
    assert login(app.test_client(), learner).post(
        f"/cohorts/{group.id}/exercises/{exercise.id}", data={"body": "回答", "submit": "1"},
        content_type="multipart/form-data").status_code == 302
    version = db.session.scalar(select(SubmissionVersion))
    (key_file,) = keys_dir.iterdir()
    hidden = key_file.rename(tmp_path / "key.away")  # the signing key is missing when the mentor decides

    response = login(app.test_client(), mentor).post(f"/review/submissions/{version.submission_id}", data={
        "version_id": str(version.id), "feedback": "合格です。", "accept": "1", **make.scores(exercise)})

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Review.decision)) == "accepted"
    record = db.session.scalar(select(CompletionRecord))
    assert record is not None
    assert db.session.scalar(select(func.count(Credential.id))) == 0
    assert records_awaiting_credential(db.session) == [record.id]
    failed = runner.invoke(args=["badges", "issue-pending"])
    assert failed.exit_code == 1 and "0 credential(s) issued, 1 still pending" in failed.output

    hidden.rename(key_file)
    retried = runner.invoke(args=["badges", "issue-pending"])

    assert retried.exit_code == 0 and "1 credential(s) issued, 0 still pending" in retried.output
    db.session.expire_all()
    credential = db.session.scalar(select(Credential))
    assert credential.completion_record_id == record.id and credential.status == CredentialStatus.ISSUED
    report = verify_document(db.session, json.loads(credential.ob3_json), badge_settings(app.config)[1],
                                      utcnow())
    assert report.outcome == "genuine"
