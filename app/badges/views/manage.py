"""Organizers: the list of badges, approving those that wait, revoking with a reason."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.models import Role
from app.badges.errors import AlreadyRevoked, NotAwaitingApproval
from app.badges.forms import ApproveCohortForm, RevokeForm
from app.badges.issuing import approve as approve_credential
from app.badges.issuing import approve_cohort as approve_cohort_credentials
from app.badges.models import CredentialStatus
from app.badges.queries import credentials_to_manage
from app.badges.revocation import revoke as revoke_credential
from app.badges.views.blueprint import bp, credential_or_404, issued_or_404, settings
from app.cohorts.models import Cohort
from app.core import authz
from app.core.templating import ActionForm
from app.core.timeutil import utcnow
from app.extensions import db

ORGANIZERS = (Role.ORGANIZER, Role.ADMIN)
LIST_LIMIT = 500


@bp.route("/manage/badges")
@authz.roles(*ORGANIZERS)
def manage():
    status = request.args.get("status") or None
    chosen = CredentialStatus(status) if status in {s.value for s in CredentialStatus} else None
    credentials = credentials_to_manage(db.session, chosen, LIST_LIMIT)
    waiting_cohorts = {c.completion_record.enrolment.cohort for c in credentials
                       if c.status == CredentialStatus.AWAITING_APPROVAL and c.completion_record}
    return render_template("badges/manage.html", credentials=credentials, status=status,
                           waiting_cohorts=sorted(waiting_cohorts, key=lambda c: c.name),
                           approve_form=ApproveCohortForm(), revoke_form=RevokeForm(), urls=settings()[1])


@bp.route("/manage/badges/<uuid>/approve", methods=["POST"])
@authz.roles(*ORGANIZERS)
def approve(uuid: str):
    credential = credential_or_404(uuid)
    if ActionForm().validate_on_submit():
        keys, urls, _issuer_defaults = settings()
        try:
            approve_credential(db.session, credential, actor=current_user, keys=keys, urls=urls, now=utcnow())
        except NotAwaitingApproval:
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
        keys, urls, _issuer_defaults = settings()
        count = approve_cohort_credentials(db.session, cohort.id, actor=current_user, keys=keys, urls=urls,
                                           now=utcnow(), narrative=form.narrative.data)
        flash(_("%(n)d badge(s) issued for %(cohort)s.", n=count, cohort=cohort.name), "success")
    else:
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("badges.manage"))


@bp.route("/manage/badges/<uuid>/revoke", methods=["GET", "POST"])
@authz.roles(*ORGANIZERS)
def revoke(uuid: str):
    credential = issued_or_404(uuid)
    form = RevokeForm()
    if form.is_confirmed:
        try:
            revoke_credential(db.session, credential, reason=form.reason.data, actor=current_user, now=utcnow())
        except AlreadyRevoked:
            db.session.rollback()
            form.reason.errors = [_("This badge has already been revoked.")]
        else:
            flash(_("The badge was revoked. Verification now shows it as revoked."), "success")
            return redirect(url_for("badges.manage"))
    return render_template("badges/revoke.html", credential=credential, form=form), (422 if form.errors else 200)
