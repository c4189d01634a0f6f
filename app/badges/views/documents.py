"""Machine-readable documents (OB 3.0 and 2.0) and the credential itself, plain or baked in an image.
Verifiers and wallets fetch these without signing in."""

import json

from flask import Response, current_app
from sqlalchemy.orm import joinedload

from app.badges import baking, documents, images
from app.badges.baked import BakedImages
from app.badges.ld import OB_V3, VC_V2
from app.badges.models import Achievement, Credential, CredentialStatus
from app.badges.revocation import signed_status_list
from app.badges.views.blueprint import bp, issued_or_404, issuer_or_404, settings
from app.core import authz
from app.core.timeutil import utcnow
from app.extensions import db

JSON_LD = "application/ld+json"
VC_JSON = "application/vc+ld+json"


def _json(document: dict, mimetype: str = JSON_LD, status: int = 200) -> Response:
    response = Response(json.dumps(document, ensure_ascii=False, indent=2), status=status, mimetype=mimetype)
    response.headers["Access-Control-Allow-Origin"] = "*"  # verifiers and wallets fetch these from elsewhere
    return response


def _download(data: bytes | str, mimetype: str, filename: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _achievement(achievement_id: int) -> Achievement:
    found = db.session.get(Achievement, achievement_id)
    authz.ensure(found is not None)
    return found


def _achievement_svg(achievement: Achievement) -> str:
    return images.badge_svg(title=achievement.name_ja, subtitle="Hokkaido DX", level=achievement.talent_level,
                            seed=f"{achievement.issuer_id}:{achievement.id}")


def _baked_png(credential: Credential, text: str, keyword: str) -> bytes:
    achievement = credential.achievement
    # The English name: the PNG is drawn with Pillow's own font, which has no Japanese.
    return BakedImages(current_app.config["STORAGE_DIR"]).png(
        text=text, keyword=keyword, level=achievement.talent_level, seed=f"{achievement.issuer_id}:{achievement.id}",
        label=achievement.name_en)


# What a credential's badge picture is drawn from, loaded with the credential.
_PICTURE = joinedload(Credential.achievement)


# Open Badges 3.0 -------------------------------------------------------------------------------

@bp.route("/badges/issuers/<int:issuer_id>")
@authz.public
def issuer(issuer_id: int):
    return _json(documents.controller_document(issuer_or_404(issuer_id), settings()[1]))


@bp.route("/badges/issuers/<int:issuer_id>/status/revocation")
@authz.public
def status_list(issuer_id: int):
    found = issuer_or_404(issuer_id)
    authz.ensure(found.signing_key is not None)
    keys, urls, _issuer_defaults = settings()
    return _json(signed_status_list(db.session, found, keys=keys, urls=urls, now=utcnow()), VC_JSON)


@bp.route("/badges/achievements/<int:achievement_id>")
@authz.public
def achievement(achievement_id: int):
    document = documents.achievement_document(_achievement(achievement_id), settings()[1])
    return _json({"@context": [VC_V2, OB_V3], **document})


@bp.route("/badges/achievements/<int:achievement_id>/image.svg")
@authz.public
def achievement_image(achievement_id: int):
    response = Response(_achievement_svg(_achievement(achievement_id)), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response


@bp.route("/c/<uuid>/credential.json")
@authz.public
def credential_json(uuid: str):
    credential = issued_or_404(uuid)
    return _download(credential.ob3_json, VC_JSON, f"openbadge-{uuid}.json")


@bp.route("/c/<uuid>/badge.png")
@authz.public
def baked_png(uuid: str):
    credential = issued_or_404(uuid, _PICTURE)
    return _download(_baked_png(credential, credential.ob3_json, baking.OB3_KEYWORD), "image/png",
                     f"openbadge-{uuid}.png")


@bp.route("/c/<uuid>/badge.svg")
@authz.public
def baked_svg(uuid: str):
    credential = issued_or_404(uuid, _PICTURE)
    return _download(baking.bake_svg(_achievement_svg(credential.achievement), credential.ob3_json),
                     "image/svg+xml", f"openbadge-{uuid}.svg")


# Open Badges 2.0 (hosted verification) ----------------------------------------------------------

@bp.route("/badges/ob2/issuers/<int:issuer_id>")
@authz.public
def ob2_issuer(issuer_id: int):
    return _json(documents.ob2_issuer(issuer_or_404(issuer_id), settings()[1]))


@bp.route("/badges/ob2/badgeclasses/<int:achievement_id>")
@authz.public
def ob2_badge_class(achievement_id: int):
    return _json(documents.ob2_badge_class(_achievement(achievement_id), settings()[1]))


@bp.route("/badges/ob2/assertions/<uuid>")
@authz.public
def ob2_assertion(uuid: str):
    credential = issued_or_404(uuid)
    document = documents.ob2_assertion(credential, credential.recipient.email, settings()[1])
    return _json(document, status=410 if credential.status == CredentialStatus.REVOKED else 200)


@bp.route("/badges/ob2/assertions/<uuid>/image.png")
@authz.public
def ob2_baked_png(uuid: str):
    credential = issued_or_404(uuid, _PICTURE)
    assertion = documents.ob2_assertion(credential, credential.recipient.email, settings()[1])
    baked = _baked_png(credential, json.dumps(assertion, ensure_ascii=False), baking.OB2_KEYWORD)
    return _download(baked, "image/png", f"openbadge-v2-{uuid}.png")
