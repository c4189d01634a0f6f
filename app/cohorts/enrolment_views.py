"""Organizer pages that change who is in a cohort beyond the cohort page's quick forms: the participants
import with its preview and confirmation, and withdrawing, re-admitting and moving a learner."""

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.auth.invitations import send_invitation
from app.auth.models import Role
from app.auth.services import EmailTaken
from app.cohorts import lifecycle, membership, participants
from app.cohorts.forms import ARCHIVED_MESSAGE, ENROLMENT_CLOSED_MESSAGE, ConfirmImportForm, ImportForm, MoveForm
from app.cohorts.models import Cohort, Enrolment
from app.core import authz, previews
from app.core.forms import select_choices
from app.core.inputs import MAX_ID
from app.core.templating import ActionForm, ConfirmForm
from app.core.timeutil import utcnow
from app.extensions import db

bp = Blueprint("enrolments", __name__, url_prefix="/manage/cohorts", template_folder="templates")

ORGANIZERS = (Role.ORGANIZER, Role.ADMIN)

FILE_PROBLEMS = {
    "not_text": lambda: _("The file is not a text CSV file. Save it from Excel as “CSV UTF-8” and try again."),
    "no_email_column": lambda: _("The first line must name the columns, with at least “email” "
                                 "(or メールアドレス)."),
    "no_rows": lambda: _("The file has a header but no participants."),
    "too_many_rows": lambda: _("The file has more than %(n)d participants; split it into smaller files.",
                               n=participants.MAX_ROWS),
    "too_large": lambda: _("The file is larger than 1 MB."),
}


def _cohort_or_404(cohort_id: int) -> Cohort:
    cohort = db.session.scalar(select(Cohort).where(Cohort.id == cohort_id).options(joinedload(Cohort.module_version)))
    authz.ensure(cohort is not None)
    return cohort


def _refusal(cohort: Cohort, *, enrolling: bool) -> Response | None:
    """Back to the cohort's page with the reason when its state forbids the change (archived: nothing
    changes; closed: nobody joins); None when it is allowed."""
    try:
        lifecycle.ensure_enrolling(cohort) if enrolling else lifecycle.ensure_editable(cohort)
    except lifecycle.CohortArchived:
        message = ARCHIVED_MESSAGE
    except lifecycle.EnrolmentClosed:
        message = ENROLMENT_CLOSED_MESSAGE
    else:
        return None
    db.session.rollback()
    flash(str(message), "error")
    return redirect(url_for("cohorts.detail", cohort_id=cohort.id))


def _enrolment_or_404(cohort_id: int, user_id: int) -> Enrolment:
    enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.cohort_id == cohort_id, Enrolment.user_id == user_id)
        .options(joinedload(Enrolment.user), joinedload(Enrolment.cohort).joinedload(Cohort.module_version)))
    authz.ensure(enrolment is not None)
    return enrolment


# The preview binds the file to what the organizer saw (app/core/previews.py).
PREVIEW_SALT = "enshu-participants-import"


def _render_import(cohort, form=None, plan=None, data=None, notice=None, status=200):
    confirm_form = None
    if plan is not None and not plan.has_errors:
        confirm_form = ConfirmImportForm(formdata=None, content=previews.pack(data), token=previews.sign(
            current_app.secret_key, PREVIEW_SALT,
            {"cohort": cohort.id, "hash": plan.content_hash, "plan": plan.fingerprint}))
    return render_template("cohorts/import.html", cohort=cohort, form=form or ImportForm(), plan=plan,
                           confirm_form=confirm_form, notice=notice, name_limit=participants.NAME_LIMIT,
                           Outcome=participants.Outcome), status


@bp.route("/<int:cohort_id>/import", methods=["GET", "POST"])
@authz.roles(*ORGANIZERS)
def import_participants(cohort_id: int):
    """Upload a participants list and see, row by row, what importing it would do. Writes nothing."""
    cohort = _cohort_or_404(cohort_id)
    if refusal := _refusal(cohort, enrolling=True):
        return refusal
    form = ImportForm()
    if request.method == "GET":
        return _render_import(cohort)
    if not form.validate_on_submit():
        return _render_import(cohort, form=form, status=422)
    data = form.participants.data.stream.read(participants.MAX_BYTES + 1)
    try:
        plan = participants.plan_import(db.session, cohort, data)
    except participants.UnreadableFile as e:
        form.participants.errors = [FILE_PROBLEMS[e.code]()]
        return _render_import(cohort, form=form, status=422)
    return _render_import(cohort, plan=plan, data=data, status=422 if plan.has_errors else 200)


def _changed_since_preview() -> str:
    return _("Something changed since the preview (an account or an enrolment), so nothing was imported yet. "
             "Check the rows below again.")


@bp.route("/<int:cohort_id>/import/confirm", methods=["POST"])
@authz.roles(*ORGANIZERS)
def confirm_import(cohort_id: int):
    """Import the previewed file: every row or none, in this request's one transaction."""
    cohort = _cohort_or_404(cohort_id)
    if refusal := _refusal(cohort, enrolling=True):
        return refusal
    form = ConfirmImportForm()
    data = previews.unpack(form.content.data or "", participants.MAX_BYTES) if form.validate_on_submit() else None
    token = previews.verified(current_app.secret_key, PREVIEW_SALT, form.token.data or "")
    if data is None or token is None or token.get("cohort") != cohort.id \
            or token.get("hash") != previews.content_hash(data):
        return _render_import(cohort, notice=_(
            "This is not the file that was previewed, so nothing was imported. Upload the file again to see "
            "what will happen."), status=409)
    plan = participants.plan_import(db.session, cohort, data)
    if plan.fingerprint != token.get("plan"):
        # Accounts or enrolments changed after the preview: show what would happen now.
        return _render_import(cohort, plan=plan, data=data, notice=_changed_since_preview(), status=409)
    try:
        result = participants.apply_import(db.session, cohort, plan, current_user)
    except (EmailTaken, IntegrityError):
        # Another request created one of these accounts or enrolments at the same moment.
        db.session.rollback()
        return _render_import(cohort, plan=participants.plan_import(db.session, cohort, data), data=data,
                              notice=_changed_since_preview(), status=409)
    for user in result.created:
        send_invitation(db.session, user)
    if result.enrolled:
        flash(_("%(enrolled)d participant(s) enrolled; %(created)d of them got a new account and an invitation "
                "by email.", enrolled=result.enrolled, created=len(result.created)), "success")
    else:
        flash(_("Nothing changed: everyone in the file was already in this cohort."), "info")
    return redirect(url_for("cohorts.detail", cohort_id=cohort.id))


@bp.route("/<int:cohort_id>/learners/<int:user_id>/withdraw", methods=["GET", "POST"])
@authz.roles(*ORGANIZERS)
def withdraw(cohort_id: int, user_id: int):
    """A confirmation page, then the withdrawal."""
    enrolment = _enrolment_or_404(cohort_id, user_id)
    if refusal := _refusal(enrolment.cohort, enrolling=False):
        return refusal
    form = ConfirmForm()
    if form.is_confirmed:
        if membership.withdraw(db.session, enrolment, current_user, utcnow()):
            flash(_("%(name)s was withdrawn from this cohort. Their work is kept; you can re-admit them at any "
                    "time.", name=enrolment.user.display_name), "success")
        return redirect(url_for("cohorts.detail", cohort_id=cohort_id))
    return render_template("cohorts/withdraw.html", enrolment=enrolment, cohort=enrolment.cohort, form=form)


@bp.route("/<int:cohort_id>/learners/<int:user_id>/readmit", methods=["POST"])
@authz.roles(*ORGANIZERS)
def readmit(cohort_id: int, user_id: int):
    enrolment = _enrolment_or_404(cohort_id, user_id)
    if refusal := _refusal(enrolment.cohort, enrolling=True):
        return refusal
    if ActionForm().validate_on_submit() and membership.readmit(db.session, enrolment, current_user):
        flash(_("%(name)s is taking part in this cohort again, with all their earlier work.",
                name=enrolment.user.display_name), "success")
    return redirect(url_for("cohorts.detail", cohort_id=cohort_id))


MOVE_PROBLEMS = {
    "same_cohort": lambda: _("The learner is already in this cohort. Choose another one."),
    "other_module_version": lambda: _("A learner can only move to a cohort of the same module version, so "
                                      "that their work fits its exercises."),
    "already_in_target": lambda: _("The learner is already enrolled in that cohort."),
    "target_not_enrolling": lambda: _("That cohort is closed or archived and no longer takes learners."),
}


@bp.route("/<int:cohort_id>/learners/<int:user_id>/move", methods=["GET", "POST"])
@authz.roles(*ORGANIZERS)
def move(cohort_id: int, user_id: int):
    enrolment = _enrolment_or_404(cohort_id, user_id)
    source = enrolment.cohort
    if refusal := _refusal(source, enrolling=False):
        return refusal
    form = MoveForm()
    targets = membership.move_targets(db.session, enrolment)
    form.target_id.choices = select_choices((c.id, c.name) for c in targets)
    if form.validate_on_submit():
        # An id beyond the column's range is no cohort (the database would overflow on it).
        target = db.session.get(Cohort, form.target_id.data) if 0 < form.target_id.data <= MAX_ID else None
        if target is None:
            form.target_id.errors = [_("Choose the cohort to move the learner to.")]
        else:
            try:
                membership.move(db.session, enrolment, target, current_user, utcnow())
            except membership.MoveRefused as e:
                form.target_id.errors = [MOVE_PROBLEMS[e.code]()]
            else:
                flash(_("%(name)s moved to %(cohort)s with all their work.", name=enrolment.user.display_name,
                        cohort=target.name), "success")
                return redirect(url_for("cohorts.detail", cohort_id=target.id))
    return render_template("cohorts/move.html", enrolment=enrolment, cohort=source, form=form, targets=targets), \
        (422 if form.errors else 200)
