"""Public pages of a credential (page, certificate, evidence) and the verification of an upload."""

import json
from datetime import datetime
from functools import lru_cache

import segno
from flask import current_app, render_template
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from app.badges.baking import MAX_TEXT_BYTES
from app.badges.forms import VerifyForm
from app.badges.models import Credential
from app.badges.queries import accepted_exercises
from app.badges.uploads import MAX_JSON_DEPTH, UnreadableUpload, read_uploaded_credential
from app.badges.verification import verify_document, verify_stored
from app.badges.views.blueprint import bp, issued_or_404, settings
from app.cohorts.models import Enrolment
from app.completions.models import CompletionRecord
from app.core import authz
from app.core.page_memory import remembered_page
from app.core.timeutil import utcnow
from app.extensions import db, limiter

MAX_UPLOAD_BYTES = 2 * 1024 * 1024


# The code of a page's address never changes; drawing it takes a good part of a page's time.
@lru_cache(maxsize=512)
def _qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=4, border=2, title=url)


# The records a credential's public page and certificate show, loaded with it in one query (built once:
# building loader options takes longer than running the query).
_SHOWN = (joinedload(Credential.issuer), joinedload(Credential.achievement),
          joinedload(Credential.completion_record).joinedload(CompletionRecord.enrolment).joinedload(Enrolment.cohort))


def _public_context(credential: Credential, now: datetime) -> dict:
    urls = settings()[1]
    report = verify_stored(db.session, credential, urls, now)
    public_url = urls.public_page(credential.uuid)
    return {"credential": credential, "report": report, "public_url": public_url, "qr_svg": _qr_svg(public_url),
            "record": credential.completion_record, "issuer": credential.issuer,
            "achievement": credential.achievement,
            # A level badge (no completion record) names the badges it was earned with as its evidence.
            "components": ([] if credential.completion_record_id
                           else json.loads(credential.ob3_json).get("evidence", []))}


@bp.route("/c/<uuid>")
@authz.public
def public_page(uuid: str):
    now = utcnow()

    def render():
        credential = issued_or_404(uuid, *_SHOWN)
        context = _public_context(credential, now)
        # A verdict other than genuine or revoked may change with the time (not valid yet): not remembered.
        return render_template("badges/public.html", **context,
                               exercises=accepted_exercises(db.session, credential.completion_record_id)
                               ), None if context["report"].outcome in ("genuine", "revoked") else now
    return remembered_page(db.session, now, render)


@bp.route("/c/<uuid>/certificate")
@authz.public
def certificate(uuid: str):
    return render_template("badges/certificate.html", **_public_context(issued_or_404(uuid, *_SHOWN), utcnow()))


@bp.route("/c/<uuid>/evidence/<slug>")
@authz.public
def evidence(uuid: str, slug: str):
    credential = issued_or_404(uuid)
    authz.ensure(credential.evidence_public and credential.completion_record is not None)
    version = next((v for v in credential.completion_record.accepted_versions
                    if v.submission.exercise.slug == slug), None)
    authz.ensure(version is not None)
    return render_template("badges/evidence.html", credential=credential, version=version,
                           exercise=version.submission.exercise)


UPLOAD_MESSAGES = {
    "empty": lambda: _("The file is empty."),
    "bad_png": lambda: _("The PNG file is damaged."),
    "bad_compression": lambda: _("The badge inside the PNG image is damaged: its compressed text cannot be unpacked."),
    "not_utf8": lambda: _("The badge inside the file is not UTF-8 text, so it cannot be read."),
    "too_large": lambda: _("The badge inside the file is larger than %(kb)d KB; a real badge is a few KB.",
                           kb=MAX_TEXT_BYTES // 1024),
    "too_deep": lambda: _("The credential nests more than %(levels)d levels deep; a real badge nests far less.",
                          levels=MAX_JSON_DEPTH),
    "png_without_badge": lambda: _("This PNG image does not carry a badge."),
    "svg_without_badge": lambda: _("This SVG image does not carry a badge."),
    "not_json": lambda: _("This file is not a badge: it is neither a badge image nor a credential (JSON)."),
}


def _verify_limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit(_verify_limit, methods=["POST"])
@authz.public
def verify():
    form = VerifyForm()
    report, problem = None, None
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.stream.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            problem = _("The file is larger than 2 MB; a badge is much smaller.")
        else:
            try:
                document = read_uploaded_credential(upload.filename or "", data)
            except UnreadableUpload as e:
                problem = UPLOAD_MESSAGES[e.code]()
            else:
                report = verify_document(db.session, document, settings()[1], utcnow())
    if problem:
        form.file.errors = list(form.file.errors) + [problem]
    return render_template("badges/verify.html", form=form, report=report), (422 if form.errors else 200)
