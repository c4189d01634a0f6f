"""Public badge documents and pages, the learner's wallet, and organizers' issuing and revoking."""

import json
from urllib.parse import urlencode

import segno
from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.auth.models import Role
from app.badges import baking, documents, images, services
from app.badges.forms import (ApproveCohortForm, EvidenceConsentForm, IssuerForm, RevokeForm, VerifyForm,
                              WalletSettingsForm)
from app.badges.ld import OB_V3, VC_V2
from app.badges.listeners import badge_settings
from app.badges.models import Achievement, Credential, CredentialStatus, Issuer
from app.badges.baking import MAX_TEXT_BYTES
from app.badges.verification import MAX_JSON_DEPTH, UnreadableUpload, read_uploaded_credential
from app.cohorts.models import Cohort, Enrolment
from app.completions.models import CompletionRecord
from app.core import authz
from app.auth.services import organization_choices
from app.core.forms import select_choices
from app.core.templating import ActionForm, current_locale
from app.core.timeutil import utcnow
from app.extensions import db, limiter

bp = Blueprint("badges", __name__, template_folder="templates")

JSON_LD = "application/ld+json"
VC_JSON = "application/vc+ld+json"
ORGANIZERS = (Role.ORGANIZER, Role.ADMIN)


def _settings():
    return badge_settings(current_app.config)


def _json(document: dict, mimetype: str = JSON_LD, status: int = 200, download: str | None = None) -> Response:
    response = Response(json.dumps(document, ensure_ascii=False, indent=2), status=status, mimetype=mimetype)
    response.headers["Access-Control-Allow-Origin"] = "*"  # verifiers and wallets fetch these from elsewhere
    if download:
        response.headers["Content-Disposition"] = f'attachment; filename="{download}"'
    return response


def _issuer(issuer_id: int) -> Issuer:
    found = db.session.get(Issuer, issuer_id)
    authz.ensure(found is not None)
    return found


def _issued(uuid: str) -> Credential:
    credential = db.session.scalar(select(Credential).where(Credential.uuid == uuid))
    authz.ensure(credential is not None and credential.status != CredentialStatus.AWAITING_APPROVAL)
    return credential


# Machine-readable documents --------------------------------------------------------------------

@bp.route("/badges/issuers/<int:issuer_id>")
@authz.public
def issuer(issuer_id: int):
    return _json(documents.controller_document(_issuer(issuer_id), _settings()[1]))


@bp.route("/badges/issuers/<int:issuer_id>/status/revocation")
@authz.public
def status_list(issuer_id: int):
    found = _issuer(issuer_id)
    authz.ensure(found.signing_key is not None)
    keys, urls, _issuer_defaults = _settings()
    return _json(services.signed_status_list(db.session, found, keys=keys, urls=urls, now=utcnow()), VC_JSON)


def _achievement(achievement_id: int) -> Achievement:
    found = db.session.get(Achievement, achievement_id)
    authz.ensure(found is not None)
    return found


@bp.route("/badges/achievements/<int:achievement_id>")
@authz.public
def achievement(achievement_id: int):
    document = documents.achievement_document(_achievement(achievement_id), _settings()[1])
    return _json({"@context": [VC_V2, OB_V3], **document})


def achievement_svg(achievement: Achievement) -> str:
    subtitle = achievement.module.slug if achievement.module else "Hokkaido DX"
    return images.badge_svg(title=achievement.name_ja, subtitle=subtitle, level=achievement.talent_level,
                            seed=f"{achievement.issuer_id}:{achievement.id}")


def achievement_png(achievement: Achievement) -> bytes:
    label = (achievement.module.slug.split("-")[0] if achievement.module else "LEVEL").upper()
    return images.badge_png(level=achievement.talent_level, seed=f"{achievement.issuer_id}:{achievement.id}",
                            label=label)


@bp.route("/badges/achievements/<int:achievement_id>/image.svg")
@authz.public
def achievement_image(achievement_id: int):
    response = Response(achievement_svg(_achievement(achievement_id)), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response


@bp.route("/badges/ob2/issuers/<int:issuer_id>")
@authz.public
def ob2_issuer(issuer_id: int):
    return _json(documents.ob2_issuer(_issuer(issuer_id), _settings()[1]))


@bp.route("/badges/ob2/badgeclasses/<int:achievement_id>")
@authz.public
def ob2_badge_class(achievement_id: int):
    return _json(documents.ob2_badge_class(_achievement(achievement_id), _settings()[1]))


@bp.route("/badges/ob2/assertions/<uuid>")
@authz.public
def ob2_assertion(uuid: str):
    credential = _issued(uuid)
    document = documents.ob2_assertion(credential, credential.recipient.email, _settings()[1])
    return _json(document, status=410 if credential.status == CredentialStatus.REVOKED else 200)


@bp.route("/badges/ob2/assertions/<uuid>/image.png")
@authz.public
def ob2_baked_png(uuid: str):
    credential = _issued(uuid)
    assertion = documents.ob2_assertion(credential, credential.recipient.email, _settings()[1])
    baked = baking.bake_png(achievement_png(credential.achievement), json.dumps(assertion, ensure_ascii=False),
                            baking.OB2_KEYWORD)
    return _download(baked, "image/png", f"openbadge-v2-{uuid}.png")


# The credential itself, baked or plain -----------------------------------------------------------

def _download(data: bytes | str, mimetype: str, filename: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/c/<uuid>/credential.json")
@authz.public
def credential_json(uuid: str):
    credential = _issued(uuid)
    return _download(credential.ob3_json, VC_JSON, f"openbadge-{uuid}.json")


@bp.route("/c/<uuid>/badge.png")
@authz.public
def baked_png(uuid: str):
    credential = _issued(uuid)
    return _download(baking.bake_png(achievement_png(credential.achievement), credential.ob3_json),
                     "image/png", f"openbadge-{uuid}.png")


@bp.route("/c/<uuid>/badge.svg")
@authz.public
def baked_svg(uuid: str):
    credential = _issued(uuid)
    return _download(baking.bake_svg(achievement_svg(credential.achievement), credential.ob3_json),
                     "image/svg+xml", f"openbadge-{uuid}.svg")


# Public pages ----------------------------------------------------------------------------------

def _qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=4, border=2, title=url)


def _public_context(credential: Credential) -> dict:
    urls = _settings()[1]
    report = services.verify_document(db.session, json.loads(credential.ob3_json), urls, utcnow())
    public_url = urls.public_page(credential.uuid)
    return {"credential": credential, "report": report, "public_url": public_url, "qr_svg": _qr_svg(public_url),
            "record": credential.completion_record, "issuer": credential.issuer,
            "achievement": credential.achievement}


@bp.route("/c/<uuid>")
@authz.public
def public_page(uuid: str):
    credential = _issued(uuid)
    return render_template("badges/public.html", **_public_context(credential))


@bp.route("/c/<uuid>/certificate")
@authz.public
def certificate(uuid: str):
    credential = _issued(uuid)
    return render_template("badges/certificate.html", **_public_context(credential))


@bp.route("/c/<uuid>/evidence/<slug>")
@authz.public
def evidence(uuid: str, slug: str):
    credential = _issued(uuid)
    authz.ensure(credential.evidence_public)
    version = next((v for v in credential.completion_record.accepted_versions
                    if v.submission.exercise.slug == slug), None)
    authz.ensure(version is not None)
    return render_template("badges/evidence.html", credential=credential, version=version,
                           exercise=version.submission.exercise)


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
        data = upload.stream.read(2 * 1024 * 1024 + 1)
        if len(data) > 2 * 1024 * 1024:
            problem = _("The file is larger than 2 MB; a badge is much smaller.")
        else:
            try:
                document = read_uploaded_credential(upload.filename or "", data)
            except UnreadableUpload as e:
                problem = UPLOAD_MESSAGES[e.code]()
            else:
                report = services.verify_document(db.session, document, _settings()[1], utcnow())
    if problem:
        form.file.errors = list(form.file.errors) + [problem]
    return render_template("badges/verify.html", form=form, report=report), (422 if form.errors else 200)


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


# The learner's wallet --------------------------------------------------------------------------

def linkedin_url(credential: Credential, public_url: str) -> str:
    issued = credential.issued_at
    return "https://www.linkedin.com/profile/add?" + urlencode({
        "startTask": "CERTIFICATION_NAME", "name": credential.achievement.name_ja,
        "organizationName": credential.issuer.name_ja, "issueYear": issued.year, "issueMonth": issued.month,
        "certUrl": public_url, "certId": credential.uuid})


@bp.route("/wallet")
@authz.signed_in
def wallet():
    urls = _settings()[1]
    credentials = services.learner_credentials(db.session, current_user)
    items = [{"credential": c, "public_url": urls.public_page(c.uuid),
              "linkedin_url": linkedin_url(c, urls.public_page(c.uuid)) if c.issued_at else None,
              "form": WalletSettingsForm(prefix=f"c{c.id}", display_name=c.display_name,
                                         evidence_public=c.evidence_public)}
             for c in credentials]
    consent = EvidenceConsentForm(publishes_badge_evidence=current_user.publishes_badge_evidence)
    return render_template("badges/wallet.html", items=items, consent_form=consent)


@bp.route("/wallet/consent", methods=["POST"])
@authz.signed_in
def evidence_consent():
    form = EvidenceConsentForm()
    if form.validate_on_submit():
        current_user.publishes_badge_evidence = form.publishes_badge_evidence.data
        flash(_("Saved."), "success")
    return redirect(url_for("badges.wallet"))


@bp.route("/wallet/<uuid>/settings", methods=["POST"])
@authz.signed_in
def wallet_settings(uuid: str):
    credential = db.session.scalar(select(Credential).where(Credential.uuid == uuid))
    authz.ensure(credential is not None and credential.recipient_id == current_user.id)
    form = WalletSettingsForm(prefix=f"c{credential.id}")
    if form.validate_on_submit():
        services.update_public_settings(credential, display_name=form.display_name.data,
                                        evidence_public=form.evidence_public.data)
        flash(_("Saved."), "success")
        return redirect(url_for("badges.wallet"))
    flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("badges.wallet"))


# Organizers ------------------------------------------------------------------------------------

@bp.route("/manage/badges")
@authz.roles(*ORGANIZERS)
def manage():
    status = request.args.get("status") or None
    query = (select(Credential).options(joinedload(Credential.achievement), joinedload(Credential.recipient),
                                        joinedload(Credential.completion_record).joinedload(CompletionRecord.enrolment)
                                        .joinedload(Enrolment.cohort))
             .order_by(Credential.created_at.desc()))
    if status in {s.value for s in CredentialStatus}:
        query = query.where(Credential.status == status)
    credentials = db.session.scalars(query.limit(500)).all()
    waiting_cohorts = {c.completion_record.enrolment.cohort for c in credentials
                       if c.status == CredentialStatus.AWAITING_APPROVAL}
    return render_template("badges/manage.html", credentials=credentials, status=status,
                           waiting_cohorts=sorted(waiting_cohorts, key=lambda c: c.name),
                           approve_form=ApproveCohortForm(), revoke_form=RevokeForm(), urls=_settings()[1])


@bp.route("/manage/badges/<uuid>/approve", methods=["POST"])
@authz.roles(*ORGANIZERS)
def approve(uuid: str):
    credential = db.session.scalar(select(Credential).where(Credential.uuid == uuid))
    authz.ensure(credential is not None)
    if ActionForm().validate_on_submit():
        keys, urls, _issuer_defaults = _settings()
        try:
            services.approve(db.session, credential, actor=current_user, keys=keys, urls=urls, now=utcnow())
        except services.NotAwaitingApproval:
            db.session.rollback()
            flash(_("This badge has already been issued."), "info")
        else:
            flash(_("The badge was issued."), "success")
    return redirect(url_for("badges.manage"))


@bp.route("/manage/badges/cohorts/<int:cohort_id>/approve", methods=["POST"])
@authz.roles(*ORGANIZERS)
def approve_cohort(cohort_id: int):
    cohort = db.session.get(Cohort, cohort_id)
    authz.ensure(cohort is not None)
    form = ApproveCohortForm()
    if form.validate_on_submit():
        keys, urls, _issuer_defaults = _settings()
        count = services.approve_cohort(db.session, cohort.id, actor=current_user, keys=keys, urls=urls,
                                        now=utcnow(), narrative=form.narrative.data)
        flash(_("%(n)d badge(s) issued for %(cohort)s.", n=count, cohort=cohort.name), "success")
    else:
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("badges.manage"))


@bp.route("/manage/badges/<uuid>/revoke", methods=["GET", "POST"])
@authz.roles(*ORGANIZERS)
def revoke(uuid: str):
    credential = db.session.scalar(select(Credential).where(Credential.uuid == uuid))
    authz.ensure(credential is not None and credential.status != CredentialStatus.AWAITING_APPROVAL)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            services.revoke(db.session, credential, reason=form.reason.data, actor=current_user, now=utcnow())
        except services.AlreadyRevoked:
            db.session.rollback()
            form.reason.errors = [_("This badge has already been revoked.")]
        else:
            flash(_("The badge was revoked. Verification now shows it as revoked."), "success")
            return redirect(url_for("badges.manage"))
    return render_template("badges/revoke.html", credential=credential, form=form), (422 if form.errors else 200)


# Administrators: issuers and their keys -----------------------------------------------------------

@bp.route("/admin/issuers", methods=["GET", "POST"])
@authz.roles(Role.ADMIN)
def issuers():
    # Only reads on GET: the default issuer and its key are made by `flask badges init` or the first badge.
    keys, urls, _issuer_defaults = _settings()
    form = IssuerForm()
    form.organization_id.choices = select_choices(organization_choices(db.session, current_locale()))
    if form.validate_on_submit():
        try:
            services.create_issuer(db.session, organization_id=form.organization_id.data, name_ja=form.name_ja.data,
                                   name_en=form.name_en.data, url=form.url.data, email=form.email.data, keys=keys,
                                   actor=current_user, uses_did_key=form.uses_did_key.data)
        except services.IssuerExists:
            db.session.rollback()
            form.organization_id.errors = [_("This organization already has an issuer profile.")]
        else:
            flash(_("The issuer was added with its own signing key."), "success")
            return redirect(url_for("badges.issuers"))
    found = db.session.scalars(select(Issuer).order_by(Issuer.id)).all()
    return render_template("badges/issuers.html", issuers=found, form=form, urls=urls), (422 if form.errors else 200)


@bp.route("/admin/issuers/<int:issuer_id>/keys", methods=["POST"])
@authz.roles(Role.ADMIN)
def rotate_key(issuer_id: int):
    found = _issuer(issuer_id)
    if ActionForm().validate_on_submit():
        try:
            services.add_key(db.session, found, _settings()[0], now=utcnow())
        except services.KeysCannotRotate:
            db.session.rollback()
            flash(_("This issuer is identified by its did:key, so its key cannot be replaced."), "error")
        else:
            flash(_("A new signing key was added. Badges signed with earlier keys keep verifying."), "success")
    return redirect(url_for("badges.issuers"))
