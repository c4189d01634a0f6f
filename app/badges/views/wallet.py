"""The learner's wallet: their badges, downloads, sharing, and what their public pages show."""

from urllib.parse import urlencode

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.badges.forms import EvidenceConsentForm, WalletSettingsForm
from app.badges.models import Credential
from app.badges.queries import learner_credentials
from app.badges.views.blueprint import bp, credential_or_404, settings
from app.badges.wallet import update_public_settings
from app.core import authz
from app.extensions import db


def linkedin_url(credential: Credential, public_url: str) -> str:
    issued = credential.issued_at
    return "https://www.linkedin.com/profile/add?" + urlencode({
        "startTask": "CERTIFICATION_NAME", "name": credential.achievement.name_ja,
        "organizationName": credential.issuer.name_ja, "issueYear": issued.year, "issueMonth": issued.month,
        "certUrl": public_url, "certId": credential.uuid})


@bp.route("/wallet")
@authz.signed_in
def wallet():
    urls = settings()[1]
    items = [{"credential": c, "public_url": urls.public_page(c.uuid),
              "linkedin_url": linkedin_url(c, urls.public_page(c.uuid)) if c.issued_at else None,
              "form": WalletSettingsForm(prefix=f"c{c.id}", display_name=c.display_name,
                                         evidence_public=c.evidence_public)}
             for c in learner_credentials(db.session, current_user)]
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
    credential = credential_or_404(uuid)
    authz.ensure(credential.recipient_id == current_user.id)
    form = WalletSettingsForm(prefix=f"c{credential.id}")
    if form.validate_on_submit():
        update_public_settings(credential, display_name=form.display_name.data,
                               evidence_public=form.evidence_public.data)
        flash(_("Saved."), "success")
    else:
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("badges.wallet"))
