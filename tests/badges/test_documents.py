"""What the app publishes: OB 3.0 credentials, baked images, OB 2.0 hosted assertions, public pages."""

import hashlib
import json

import pytest

from app.auth.models import Role
from app.badges import baking
from app.badges.listeners import badge_settings
from app.badges.revocation import revoke
from app.badges.verification import verify_document
from app.core.db import utcnow
from app.extensions import db
from tests.badges.support import digital_bazaar_verify, issuer_documents


def test_fresh_credential_verifies_with_digital_bazaar(client, completed):
    document = json.loads(completed[4].ob3_json)
    result = digital_bazaar_verify(document, issuer_documents(client, document))
    assert result == {"verified": True, "statusVerified": True, "revoked": False, "error": None}


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
