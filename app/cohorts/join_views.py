"""Self-enrolment pages: a learner joins a cohort with its code (typed in, or in the link /join/<code>);
the organizer turns self-enrolment on and off, sets the capacity and waiting list, changes the code,
and admits or removes the people waiting (shown on the cohort's page)."""

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.auth.models import Role
from app.cohorts import lifecycle, selfenrol
from app.cohorts.forms import (ARCHIVED_MESSAGE, ENROLMENT_CLOSED_MESSAGE, JoinCodeForm, JoinForm,
                               SelfEnrolmentForm)
from app.cohorts.models import Cohort, WaitingListEntry
from app.core import authz
from app.core.templating import ActionForm
from app.core.timeutil import utcnow
from app.core.urls import public_url
from app.extensions import db, limiter

bp = Blueprint("selfenrol", __name__, template_folder="templates")

ORGANIZERS = (Role.ORGANIZER, Role.ADMIN)


def _join_limit() -> str:
    return current_app.config["JOIN_CODE_RATE_LIMIT"]


def _per_user() -> str:
    return f"user-{current_user.get_id()}"


def _wrong_code(response) -> bool:
    return response.status_code in (404, 422)


# Wrong codes, typed in or in a link, counted together per learner: guessing codes gets nowhere, and
# nobody who has a right code is ever held up.
_limited = limiter.shared_limit(_join_limit, scope="join-code", key_func=_per_user, deduct_when=_wrong_code)


def wrong_code_message() -> str:
    return _("This join code does not match any cohort. Check it and try again; if the programme office "
             "has changed the code, ask them for the new one.")


def refusal_messages() -> dict:
    return {
        "wrong_code": wrong_code_message,
        "not_a_learner": lambda: _("Only learner accounts can join a cohort."),
        "not_open": lambda: _("This cohort is not open for enrolment yet. Try again when the programme office "
                              "has opened it."),
        "closed": lambda: _("Enrolment for this cohort has closed. Ask the programme office if you still want to "
                            "take part."),
        "already_enrolled": lambda: _("You are already enrolled in this cohort."),
        "withdrawn": lambda: _("You were withdrawn from this cohort. To take part again, ask the programme "
                               "office."),
        "already_waiting": lambda: _("You are already on the waiting list of this cohort."),
        "full": lambda: _("This cohort is full, and it has no waiting list. Ask the programme office about "
                          "another cohort."),
    }


@bp.route("/join", methods=["GET", "POST"])
@authz.roles(Role.LEARNER)
@_limited
def enter_code():
    """「参加コードで登録」: the code as the learner received it, then the cohort's page."""
    form = JoinCodeForm()
    if form.validate_on_submit():
        cohort = selfenrol.cohort_for_code(db.session, form.code.data)
        if cohort is None:
            form.code.errors = [wrong_code_message()]
        else:
            return redirect(url_for("selfenrol.join", code=selfenrol.format_code(cohort.join_code)))
    return render_template("cohorts/join_code.html", form=form), (422 if form.errors else 200)


@bp.route("/join/<code>", methods=["GET", "POST"])
@authz.roles(Role.LEARNER)
@_limited
def join(code: str):
    """The cohort the code opens, to confirm joining it; then enrolled, on the waiting list, or refused."""
    stored = selfenrol.normalize_code(code)
    cohort = db.session.scalar(select(Cohort).where(Cohort.join_code == stored)
                               .options(joinedload(Cohort.module_version))) if stored else None
    if cohort is None:
        return render_template("cohorts/join.html", cohort=None, refusal=wrong_code_message()), 404
    now = utcnow()
    form = JoinForm(cohort_id=cohort.id) if request.method == "GET" else JoinForm()
    refused = selfenrol.refusal_before_joining(db.session, cohort, current_user, now)
    outlook = selfenrol.outlook(db.session, cohort) if refused is None else None
    if outlook == "full":
        refused = selfenrol.JoinRefused("full")
    status = 200
    if refused is None and form.validate_on_submit():
        if form.cohort_id.data != str(cohort.id):  # not the cohort the learner saw: ask again
            status = 422
        else:
            try:
                result = selfenrol.join(db.session, cohort, cohort.join_code, current_user, now)
            except selfenrol.JoinRefused as e:
                db.session.rollback()
                refused, status = e, 409
                cohort = db.session.scalar(select(Cohort).where(Cohort.id == cohort.id)
                                           .options(joinedload(Cohort.module_version)))
            else:
                if result.enrolment is not None:
                    flash(_("You are enrolled in %(cohort)s. Your exercises are on your home page.",
                            cohort=cohort.name), "success")
                    return redirect(url_for("home.index"))
                # The page it leads to shows the place on the list.
                flash(_("The cohort is full, so you were put on its waiting list."), "success")
                return redirect(url_for("selfenrol.join", code=selfenrol.format_code(cohort.join_code)))
    elif form.is_submitted():
        status = 422 if refused is None else 409
    position = None
    if refused is not None and refused.code == "already_waiting":
        position = selfenrol.waiting_position(db.session, selfenrol.waiting_entry(db.session, cohort.id,
                                                                                  current_user.id))
    return render_template("cohorts/join.html", cohort=cohort, form=form, position=position,
                           refusal=refusal_messages()[refused.code]() if refused else None,
                           outlook=outlook), status


def _cohort_or_404(cohort_id: int) -> Cohort:
    cohort = db.session.scalar(select(Cohort).where(Cohort.id == cohort_id).options(
        joinedload(Cohort.module_version), selectinload(Cohort.waiting_list).joinedload(WaitingListEntry.user)))
    authz.ensure(cohort is not None)
    return cohort


def _back_to_cohort(cohort_id: int):
    return redirect(url_for("cohorts.detail", cohort_id=cohort_id))


def _refused(cohort_id: int, message):
    db.session.rollback()
    flash(str(message), "error")
    return _back_to_cohort(cohort_id)


def _flash_enrolled(enrolled) -> None:
    if enrolled:
        flash(_("Enrolled from the waiting list: %(names)s",
                names=", ".join(e.user.display_name for e in enrolled)), "success")


@bp.route("/manage/cohorts/<int:cohort_id>/self-enrolment", methods=["GET", "POST"])
@authz.roles(*ORGANIZERS)
def settings(cohort_id: int):
    """Self-enrolment on or off, the capacity and the waiting list; the code and link to hand out."""
    cohort = _cohort_or_404(cohort_id)
    if cohort.status == lifecycle.CohortStatus.ARCHIVED:
        return _refused(cohort_id, ARCHIVED_MESSAGE)
    if request.method == "GET":
        form = SelfEnrolmentForm(is_enabled=cohort.join_code is not None, capacity=cohort.capacity,
                                 has_waiting_list=cohort.has_waiting_list)
    else:
        form = SelfEnrolmentForm()
    if form.validate_on_submit():
        enrolled = selfenrol.update_settings(db.session, cohort, enabled=form.is_enabled.data,
                                             capacity=form.capacity.data, has_waiting_list=form.has_waiting_list.data,
                                             actor=current_user, now=utcnow())
        flash(_("The self-enrolment settings were saved."), "success")
        _flash_enrolled(enrolled)
        return redirect(url_for("selfenrol.settings", cohort_id=cohort_id))
    return render_template("cohorts/self_enrolment.html", cohort=cohort, form=form, code_form=ActionForm(),
                           active=selfenrol.active_learners(db.session, cohort.id),
                           link=public_url("selfenrol.join", code=selfenrol.format_code(cohort.join_code))
                           if cohort.join_code else None,
                           code=selfenrol.format_code(cohort.join_code) if cohort.join_code else None), \
        (422 if form.errors else 200)


@bp.route("/manage/cohorts/<int:cohort_id>/self-enrolment/new-code", methods=["POST"])
@authz.roles(*ORGANIZERS)
def new_code(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    if ActionForm().validate_on_submit():
        try:
            code = selfenrol.regenerate_code(db.session, cohort, current_user)
        except lifecycle.CohortArchived:
            return _refused(cohort_id, ARCHIVED_MESSAGE)
        except selfenrol.SelfEnrolmentOff:
            db.session.rollback()
            flash(_("Self-enrolment is off, so there is no code to change. Turn it on first."), "error")
        else:
            flash(_("The new join code is %(code)s. The old code and its link no longer work.",
                    code=selfenrol.format_code(code)), "success")
    return redirect(url_for("selfenrol.settings", cohort_id=cohort_id))


def _waiting_list_change(cohort_id: int, user_id: int, change, done) -> Response:
    """Admit or remove (`change(cohort)`) the learner waiting, then back to the cohort with `done(name)`
    or the reason nothing changed."""
    cohort = _cohort_or_404(cohort_id)
    if ActionForm().validate_on_submit():
        entry = selfenrol.waiting_entry(db.session, cohort.id, user_id)
        name = entry.user.display_name if entry else None
        try:
            change(cohort)
        except lifecycle.CohortArchived:
            return _refused(cohort_id, ARCHIVED_MESSAGE)
        except lifecycle.EnrolmentClosed:
            return _refused(cohort_id, ENROLMENT_CLOSED_MESSAGE)
        except selfenrol.NotWaiting:
            return _refused(cohort_id, _("That person is no longer on the waiting list (someone may have admitted "
                                         "or removed them meanwhile)."))
        flash(done(name), "success")
    return _back_to_cohort(cohort_id)


@bp.route("/manage/cohorts/<int:cohort_id>/waiting-list/<int:user_id>/admit", methods=["POST"])
@authz.roles(*ORGANIZERS)
def admit(cohort_id: int, user_id: int):
    """Enrol someone waiting now, beyond the capacity if need be."""
    return _waiting_list_change(
        cohort_id, user_id, lambda cohort: selfenrol.admit(db.session, cohort, user_id, current_user, utcnow()),
        lambda name: _("%(name)s is enrolled in this cohort.", name=name))


@bp.route("/manage/cohorts/<int:cohort_id>/waiting-list/<int:user_id>/remove", methods=["POST"])
@authz.roles(*ORGANIZERS)
def remove_waiting(cohort_id: int, user_id: int):
    return _waiting_list_change(
        cohort_id, user_id, lambda cohort: selfenrol.remove_waiting(db.session, cohort, user_id, current_user),
        lambda name: _("%(name)s was taken off the waiting list.", name=name))
