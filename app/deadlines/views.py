"""Pages about deadlines: a learner asks for more time on an exercise; organizers (and the cohort's
mentors, if it allows) decide; organizers grant extensions directly and set a learner's accommodation."""

import json
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth.models import Role, User
from app.cohorts.models import Cohort, Enrolment
from app.cohorts.services import enrolment_of, is_mentor_of
from app.core import authz
from app.core.templating import ActionForm
from app.core.timeutil import end_of_day, utcnow
from app.core.urls import public_url
from app.auth.services import organization_choices
from app.core.inputs import positive_int
from app.deadlines import bulk, calendar, queries, services
from app.deadlines.forms import (AccommodationForm, BulkExtensionForm, ExtensionApproveForm, ExtensionDeclineForm,
                                 ExtensionGrantForm, ExtensionRequestForm, MentorsDecideForm)
from app.deadlines.models import MAX_EXTRA_DAYS, Extension
from app.extensions import db

bp = Blueprint("deadlines", __name__, template_folder="templates")

ORGANIZERS = (Role.ORGANIZER, Role.ADMIN)


def refusal_message(code: str) -> str:
    return {
        "reason_missing": _("Write the reason for the extension."),
        "note_missing": _("Write why the request is declined."),
        "archived": _("This cohort is archived, so its deadlines can no longer change."),
        "withdrawn": _("You were withdrawn from this cohort, so you cannot ask for more time."),
        "no_due_date": _("This exercise has no due date, so there is nothing to extend."),
        "open_request": _("You have already asked for more time on this exercise. Wait for the answer before asking again."),
        "not_later": _("The new due date must be later than the learner's current due date."),
        "not_in_cohort": _("That person is not a learner of this cohort."),
        "decided": _("This request has already been decided. Reload the page to see the decision."),
        "no_cohort": _("Choose at least one cohort."),
        "no_date": _("Enter either a new due date or a number of days to add, not both."),
        "nothing_to_extend": _("Nobody would get more time: everyone chosen already has this date or a later one."),
        "days_out_of_range": _("Enter a number of days from 0 to %(max)d.", max=MAX_EXTRA_DAYS),
    }[code]


def _cohort_or_404(cohort_id: int) -> Cohort:
    cohort = db.session.get(Cohort, cohort_id)
    authz.ensure(cohort is not None)
    return cohort


def _may_see(cohort: Cohort) -> bool:
    return current_user.is_staff or is_mentor_of(db.session, current_user, cohort.id)


@bp.route("/cohorts/<int:cohort_id>/exercises/<int:exercise_id>/extension-request", methods=["POST"])
@authz.signed_in
def request_extension(cohort_id: int, exercise_id: int):
    enrolment = enrolment_of(db.session, current_user, cohort_id)
    authz.ensure(enrolment is not None)
    form = ExtensionRequestForm()
    back = url_for("learn.exercise", cohort_id=cohort_id, exercise_id=exercise_id)
    if not form.validate_on_submit():
        for message in form.reason.errors:
            flash(message, "error")
        return redirect(back + "#extension-heading")
    try:
        services.request_extension(db.session, enrolment, exercise_id, reason=form.reason.data, now=utcnow())
    except services.ExtensionRefused as refusal:
        db.session.rollback()
        flash(refusal_message(refusal.code), "error")
        return redirect(back + "#extension-heading")
    flash(_("Your request was sent. The programme office will answer it, and you will see the answer on this page."),
          "success")
    return redirect(back + "#extension-heading")


def _grant_form(cohort: Cohort, form: ExtensionGrantForm | None = None) -> ExtensionGrantForm:
    form = form or ExtensionGrantForm(formdata=None)
    learners = db.session.execute(select(User.id, User.display_name).join(Enrolment, Enrolment.user_id == User.id)
                                  .where(Enrolment.cohort_id == cohort.id).order_by(User.display_name)).all()
    form.user_id.choices = [(i, name) for i, name in learners]
    form.exercise_id.choices = [(s.exercise_id, s.exercise.title(str(get_locale()))) for s in
                                sorted(cohort.schedule, key=lambda s: s.exercise.position) if s.due_at]
    return form


def _page(cohort: Cohort, *, grant_form=None, approve_forms=None, decline_forms=None):
    extensions = queries.cohort_extensions(db.session, cohort.id)
    waiting = [e for e in extensions if e.status == "requested"]
    return render_template(
        "deadlines/cohort.html", cohort=cohort, waiting=waiting,
        decided=[e for e in extensions if e.status != "requested"],
        may_decide=services.may_decide(db.session, current_user, cohort),
        approve_forms={e.id: (approve_forms or {}).get(e.id) or ExtensionApproveForm(formdata=None, prefix=f"a{e.id}")
                       for e in waiting},
        decline_forms={e.id: (decline_forms or {}).get(e.id) or ExtensionDeclineForm(formdata=None, prefix=f"d{e.id}")
                       for e in waiting},
        grant_form=_grant_form(cohort, grant_form) if current_user.is_staff else None,
        mentors_form=MentorsDecideForm(formdata=None, allowed=cohort.mentors_decide_extensions),
        archived=cohort.status == "archived")


@bp.route("/manage/cohorts/<int:cohort_id>/extensions")
@authz.signed_in
def cohort_extensions(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    authz.ensure(_may_see(cohort))
    return _page(cohort)


def _extension_or_404(cohort: Cohort, extension_id: int) -> Extension:
    extension = db.session.get(Extension, extension_id)
    authz.ensure(extension is not None and extension.enrolment.cohort_id == cohort.id)
    return extension


def _decided(cohort: Cohort, change) -> object:
    try:
        change()
    except services.ExtensionRefused as refusal:
        db.session.rollback()
        flash(refusal_message(refusal.code), "error")
        return redirect(url_for("deadlines.cohort_extensions", cohort_id=cohort.id))
    return None


def _extension_to_decide(cohort_id: int, extension_id: int):
    """The cohort and its extension request, when the signed-in user may decide it; else 404 or 403."""
    cohort = _cohort_or_404(cohort_id)
    authz.ensure(_may_see(cohort))
    extension = _extension_or_404(cohort, extension_id)
    authz.ensure(services.may_decide(db.session, current_user, cohort))
    return cohort, extension


@bp.route("/manage/cohorts/<int:cohort_id>/extensions/<int:extension_id>/approve", methods=["POST"])
@authz.signed_in
def approve(cohort_id: int, extension_id: int):
    cohort, extension = _extension_to_decide(cohort_id, extension_id)
    form = ExtensionApproveForm(prefix=f"a{extension.id}")
    if not form.validate_on_submit():
        return _page(cohort, approve_forms={extension.id: form})
    refused = _decided(cohort, lambda: services.approve_extension(
        db.session, extension, current_user, due_at=end_of_day(form.due_on.data), note=form.note.data or "",
        now=utcnow()))
    if refused:
        return refused
    flash(_("The extension was approved."), "success")
    return redirect(url_for("deadlines.cohort_extensions", cohort_id=cohort.id))


@bp.route("/manage/cohorts/<int:cohort_id>/extensions/<int:extension_id>/decline", methods=["POST"])
@authz.signed_in
def decline(cohort_id: int, extension_id: int):
    cohort, extension = _extension_to_decide(cohort_id, extension_id)
    form = ExtensionDeclineForm(prefix=f"d{extension.id}")
    if not form.validate_on_submit():
        return _page(cohort, decline_forms={extension.id: form})
    refused = _decided(cohort, lambda: services.decline_extension(db.session, extension, current_user,
                                                                   note=form.note.data, now=utcnow()))
    if refused:
        return refused
    flash(_("The request was declined."), "success")
    return redirect(url_for("deadlines.cohort_extensions", cohort_id=cohort.id))


@bp.route("/manage/cohorts/<int:cohort_id>/extensions/grant", methods=["POST"])
@authz.roles(*ORGANIZERS)
def grant(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    form = _grant_form(cohort, ExtensionGrantForm())
    if not form.validate_on_submit():
        return _page(cohort, grant_form=form)
    try:
        services.grant_extension(db.session, cohort, current_user, user_id=form.user_id.data,
                                 exercise_id=form.exercise_id.data, due_at=end_of_day(form.due_on.data),
                                 reason=form.reason.data, now=utcnow())
    except services.ExtensionRefused as refusal:
        db.session.rollback()
        field = form.due_on if refusal.code == "not_later" else form.user_id
        field.errors = [refusal_message(refusal.code)]
        return _page(cohort, grant_form=form)
    flash(_("The extension was granted."), "success")
    return redirect(url_for("deadlines.cohort_extensions", cohort_id=cohort.id))


@bp.route("/manage/cohorts/<int:cohort_id>/extensions/mentors", methods=["POST"])
@authz.roles(*ORGANIZERS)
def mentors_decide(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    form = MentorsDecideForm()
    if form.validate_on_submit():
        if _decided(cohort, lambda: services.set_mentors_decide(db.session, cohort, current_user,
                                                                 allowed=form.allowed.data)) is None:
            flash(_("Saved."), "success")
    return redirect(url_for("deadlines.cohort_extensions", cohort_id=cohort.id))


@bp.route("/manage/learners/<int:user_id>/accommodation", methods=["GET", "POST"])
@authz.roles(*ORGANIZERS)
def accommodation(user_id: int):
    learner = db.session.get(User, user_id)
    authz.ensure(learner is not None)
    current = queries.accommodation_of(db.session, learner.id)
    form = AccommodationForm(obj=current) if request.method == "GET" else AccommodationForm()
    if form.validate_on_submit():
        try:
            services.set_accommodation(db.session, learner, current_user, extra_days=form.extra_days.data,
                                       reason=form.reason.data or "", now=utcnow())
        except services.ExtensionRefused as refusal:
            db.session.rollback()
            form.reason.errors = [refusal_message(refusal.code)]
        else:
            flash(_("The accommodation was saved. Every due date of this learner follows it."), "success")
            return redirect(url_for("deadlines.accommodation", user_id=learner.id))
    return render_template("deadlines/accommodation.html", learner=learner, current=current, form=form)


def _feed_response(items, name: str, user: User) -> Response:
    body = calendar.feed(items, name=name, host=urlsplit(current_app.config["BASE_URL"]).hostname or "enshu",
                         now=utcnow(), locale=user.locale,
                         link=lambda item: public_url("learn.exercise", cohort_id=item.cohort.id,
                                                      exercise_id=item.exercise.id))
    response = Response(body, mimetype="text/calendar")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/calendar/<token>.ics")
@authz.public
def learner_feed(token: str):
    """The person's due dates in every cohort they take part in; the token is the only key."""
    owner = queries.calendar_feed_owner(db.session, token)
    authz.ensure(owner is not None)
    return _feed_response(queries.learner_due_items(db.session, owner.id), "演習 Enshu", owner)


@bp.route("/calendar/<token>/cohorts/<int:cohort_id>.ics")
@authz.public
def cohort_feed(token: str, cohort_id: int):
    """One cohort's due dates: a learner's own, or the cohort's schedule for its staff and mentors."""
    owner = queries.calendar_feed_owner(db.session, token)
    cohort = db.session.get(Cohort, cohort_id)
    authz.ensure(owner is not None and cohort is not None)
    enrolment = enrolment_of(db.session, owner, cohort.id)
    if enrolment is not None and not enrolment.is_withdrawn:
        items = queries.learner_due_items(db.session, owner.id, cohort.id)
    else:
        authz.ensure(owner.is_staff or is_mentor_of(db.session, owner, cohort.id))
        items = queries.cohort_due_items(db.session, cohort)
    return _feed_response(items, cohort.name, owner)


@bp.route("/settings/calendar")
@authz.signed_in
def calendar_settings():
    token = queries.calendar_token_of(db.session, current_user.id)
    cohorts = queries.active_cohorts_of(db.session, current_user.id)
    return render_template(
        "deadlines/calendar.html", form=ActionForm(),
        address=public_url("deadlines.learner_feed", token=token) if token else None,
        cohort_addresses=[(c, public_url("deadlines.cohort_feed", token=token, cohort_id=c.id))
                          for c in cohorts] if token else [])


@bp.route("/settings/calendar", methods=["POST"])
@authz.signed_in
def new_calendar_address():
    if ActionForm().validate_on_submit():
        had_one = queries.calendar_token_of(db.session, current_user.id) is not None
        services.new_calendar_token(db.session, current_user, utcnow())
        flash(_("You have a new calendar address. The old one no longer works: add the new one to your calendar.")
              if had_one else _("Your calendar address is ready. Add it to your calendar as shown below."), "success")
    return redirect(url_for("deadlines.calendar_settings"))


def _bulk_form(form: BulkExtensionForm) -> BulkExtensionForm:
    locale = str(get_locale())
    cohorts = queries.cohorts_for_bulk(db.session)
    form.cohort_ids.choices = [(c.id, c.name) for c in cohorts]
    form.exercise_ids.choices = [(s.exercise_id, f"{c.name}: {s.exercise.title(locale)}") for c in cohorts
                                 for s in sorted(c.schedule, key=lambda s: s.exercise.position) if s.due_at]
    form.place_ids.choices = organization_choices(db.session, locale)
    return form


def _summary(form: BulkExtensionForm) -> str:
    def names(field) -> str:
        chosen = set(field.data or [])
        return "、".join(str(label) for value, label in field.choices if value in chosen)
    return json.dumps({"cohorts": names(form.cohort_ids), "exercises": names(form.exercise_ids) or "*",
                       "places": names(form.place_ids) or "*",
                       "new_due_on": form.new_due_on.data.isoformat() if form.new_due_on.data else None,
                       "extra_days": form.extra_days.data}, ensure_ascii=False)


@bp.route("/manage/extensions/bulk", methods=["GET", "POST"])
@authz.roles(*ORGANIZERS)
def bulk_extension():
    form = _bulk_form(BulkExtensionForm())
    if request.method == "GET":
        cohort_id = request.args.get("cohort_id", None, type=positive_int)
        form.cohort_ids.data = [cohort_id] if cohort_id else []
    the_plan = None
    if form.validate_on_submit():
        choice = bulk.Choice(tuple(form.cohort_ids.data), tuple(form.exercise_ids.data or ()),
                             tuple(form.place_ids.data or ()),
                             end_of_day(form.new_due_on.data) if form.new_due_on.data else None, form.extra_days.data)
        try:
            the_plan = bulk.plan(db.session, choice, str(get_locale()))
            if request.form.get("confirm") == "yes":
                if the_plan.digest != form.digest.data:
                    flash(_("Something changed since the preview. Check the new preview, then confirm again."),
                          "error")
                else:
                    bulk.record(db.session, the_plan, current_user, reason=form.reason.data, summary=_summary(form),
                                now=utcnow())
                    flash(_("%(n)d learner(s) got more time.", n=the_plan.learners), "success")
                    return redirect(url_for("deadlines.cohort_extensions", cohort_id=form.cohort_ids.data[0],
                                            _anchor="decided-heading"))
        except services.ExtensionRefused as refusal:
            db.session.rollback()
            field = form.new_due_on if refusal.code == "no_date" else form.reason
            field.errors = list(field.errors) + [refusal_message(refusal.code)]
            the_plan = None if refusal.code == "no_date" else the_plan
        form.digest.data = the_plan.digest if the_plan else ""
    return render_template("deadlines/bulk.html", form=form, plan=the_plan)
