from datetime import date, datetime

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auth.models import Role, User
from app.cohorts import lifecycle, queries, selfenrol, services
from app.cohorts.forms import (ARCHIVED_MESSAGE, ENROLMENT_CLOSED_MESSAGE, CopyForm, DetailsForm, EnrolForm,
                               ImportForm, MentorForm, ReviewRulesForm, StatusForm, cohort_form_for,
                               schedule_form_for)
from app.cohorts.models import Cohort, CohortStatus
from app.cohorts.schedule import Problem, date_problems, day_warning, suggested_due_days
from app.content.models import ModuleVersion
from app.content.services import current_module_versions
from app.core import authz
from app.core.forms import FIRST_YEAR, LAST_YEAR, select_choices
from app.core.inputs import positive_int
from app.core.templating import ActionForm, current_locale
from app.core.page_memory import remembered_page
from app.core.timeutil import TOKYO, end_of_day, start_of_day, tokyo_date, tokyo_to_utc, utcnow
from app.extensions import db

bp = Blueprint("cohorts", __name__, url_prefix="/manage/cohorts", template_folder="templates")

ORGANIZERS = (Role.ORGANIZER, Role.ADMIN)


COHORTS_PER_PAGE = 50
STATE_LABELS = {
    CohortStatus.DRAFT: _l("Draft"),
    CohortStatus.OPEN: _l("Open for enrolment"),
    CohortStatus.RUNNING: _l("Running"),
    CohortStatus.CLOSED: _l("Closed"),
    CohortStatus.ARCHIVED: _l("Archived"),
}
# What each state allows, in a sentence the organizer reads on the cohort's page (app/cohorts/lifecycle.py).
STATE_MEANINGS = {
    CohortStatus.DRAFT: _l("You can change everything and enrol learners; nobody can submit yet."),
    CohortStatus.OPEN: _l("Learners can be enrolled and can read the exercises; submissions open when the cohort runs."),
    CohortStatus.RUNNING: _l("Learners submit work between the start and end dates; mentors review."),
    CohortStatus.CLOSED: _l("No more submissions or enrolments; mentors can finish their reviews."),
    CohortStatus.ARCHIVED: _l("Read-only for everyone: nothing can be changed, submitted or reviewed."),
}
# The button that moves a cohort to a state, and what the confirmation page says will happen.
TRANSITION_ACTIONS = {
    CohortStatus.DRAFT: _l("Back to draft"),
    CohortStatus.OPEN: _l("Open for enrolment"),
    CohortStatus.RUNNING: _l("Start running"),
    CohortStatus.CLOSED: _l("Close the cohort"),
    CohortStatus.ARCHIVED: _l("Archive the cohort"),
}
TRANSITION_EFFECTS = {
    CohortStatus.DRAFT: _l("The cohort goes back to being prepared. Learners cannot submit."),
    CohortStatus.OPEN: _l("Learners can be enrolled and can read the exercises, but cannot submit yet."),
    CohortStatus.RUNNING: _l("Learners can submit work between the start and end dates."),
    CohortStatus.CLOSED: _l("Learners can no longer submit or be enrolled. Mentors can still finish their reviews. "
                            "You can reopen the cohort later."),
    CohortStatus.ARCHIVED: _l("Nothing about this cohort can be changed any more: no edits, enrolments, "
                              "submissions or reviews. This cannot be undone."),
}


def fiscal_year(moment: datetime) -> int:
    """The Japanese fiscal year (年度, April to March) of a moment, in Tokyo."""
    local = moment.astimezone(TOKYO)
    return local.year if local.month >= 4 else local.year - 1


def fiscal_year_span(year: int) -> tuple[datetime, datetime]:
    return tokyo_to_utc(datetime(year, 4, 1)), tokyo_to_utc(datetime(year + 1, 4, 1))


def _state_argument(value: str) -> CohortStatus:
    return CohortStatus(value)


def _state_or_none(value: str | None) -> CohortStatus | None:
    try:
        return CohortStatus(value)
    except ValueError:
        return None


@bp.route("/")
@authz.roles(*ORGANIZERS)
def index():
    def render():
        first, last = queries.cohort_start_range(db.session)
        years = list(range(fiscal_year(last), fiscal_year(first) - 1, -1)) if first else []
        year = request.args.get("year", type=positive_int)
        year = year if year in years else None
        state = request.args.get("state", type=_state_argument)
        page = request.args.get("page", 1, type=positive_int)
        found = queries.cohorts_overview(db.session, state=state,
                                         starts_within=fiscal_year_span(year) if year else None,
                                         offset=(page - 1) * COHORTS_PER_PAGE, limit=COHORTS_PER_PAGE + 1)
        module_versions = current_module_versions(db.session)
        # Nothing on it depends on the time (a cohort's state is stored): it changes only with the data.
        return render_template("cohorts/index.html", cohorts=found[:COHORTS_PER_PAGE],
                               has_next=len(found) > COHORTS_PER_PAGE, page=page, years=years, year=year,
                               state=state, state_labels=STATE_LABELS, module_versions=module_versions,
                               exercise_counts=queries.exercise_counts(db.session,
                                                                       [mv.id for mv in module_versions])), None
    return remembered_page(db.session, utcnow(), render)


@bp.route("/new/<int:module_version_id>", methods=["GET", "POST"])
@authz.roles(*ORGANIZERS)
def create(module_version_id: int):
    module_version = db.session.get(ModuleVersion, module_version_id)
    authz.ensure(module_version is not None)
    form = cohort_form_for(module_version, current_locale())
    if form.is_submitted() and form.prefill.data:
        if any(form.starts_on.raw_data or ()):  # an unreadable or implausible start gets its own message
            form.starts_on.validate(form)
        _prefill(form, _usable(form.starts_on))
    elif form.validate_on_submit() and not _check_dates(form, *_form_dates(form)):
        try:
            cohort = services.create_cohort(
                db.session, name=form.name.data, description=form.description.data, module_version=module_version,
                starts_at=start_of_day(form.starts_on.data), ends_at=end_of_day(form.ends_on.data),
                due_dates=_due_dates(form), actor=current_user, badges_need_approval=form.badges_need_approval.data)
        except services.InvalidSchedule as e:  # the form checked the same rules: only a race gets here
            db.session.rollback()
            _show_problems(form, e.problems)
        else:
            _flash_day_warnings(form)
            flash(_("The cohort was created as a draft. Now enrol learners and assign mentors; "
                    "open it for enrolment or start it when it is ready."), "success")
            return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    elif form.is_submitted():
        _check_dates(form, *_form_dates(form))
    return render_template("cohorts/new.html", form=form, module_version=module_version,
                           warnings=_day_warnings(form)), (422 if form.errors else 200)


def _usable(field) -> date | None:
    """A date field's day when it is one the form accepts (read, and within the plausible years)."""
    if field.data is None or field.errors or not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        return None
    return field.data


def _due_dates(form) -> dict[int, datetime | None]:
    return {e.id: end_of_day(getattr(form, name).data) if getattr(form, name).data else None
            for e, name in form.due_fields}


def _prefill(form, starts_on: date | None) -> None:
    """Fill the due dates the module suggests, counted from `starts_on`; without a start, say so."""
    if starts_on is None:
        form.starts_on.errors = list(form.starts_on.errors) or [
            _("Enter the start date first: the suggested due dates count from it.")]
        return
    suggested = suggested_due_days([e for e, _name in form.due_fields], starts_on)
    for exercise, name in form.due_fields:
        if exercise.id in suggested:
            getattr(form, name).data = suggested[exercise.id]
            getattr(form, name).raw_data = [suggested[exercise.id].isoformat()]


def _problem_messages():
    return {
        Problem.END_BEFORE_START: _("The end date must be on or after the start date."),
        Problem.DUE_MISSING: _("Enter a due date for this exercise."),
        Problem.DUE_OUTSIDE: _("The due date must be between the start and end dates."),
    }


def _show_problems(form, problems, due_field_names: dict[int, str] | None = None) -> None:
    """Each problem as an error on its field (the end date, or the exercise's due date); on the details
    form, which has no due dates, a due date left outside the new dates is named on the end date."""
    messages = _problem_messages()
    for problem in problems:
        if problem.exercise_id is None:
            field = form.ends_on
            message = messages[problem.problem]
        elif due_field_names is None:
            field = getattr(form, f"due_{problem.exercise_id}")
            message = messages[problem.problem]
        else:
            field = form.ends_on
            message = _("The due date of “%(title)s” would be outside these dates: change the schedule first.",
                        title=due_field_names[problem.exercise_id])
        if message not in field.errors:
            field.errors = list(field.errors) + [message]


def _check_dates(form, starts_at: datetime | None, ends_at: datetime | None) -> bool:
    """Every date problem of a form with due dates at once, even when other fields have errors too.
    True when there were problems."""
    if starts_at is None or ends_at is None:
        return False
    # Empty, unreadable or implausible due fields have their own message from the form.
    entered = [(e, _usable(getattr(form, name))) for e, name in form.due_fields
               if _usable(getattr(form, name)) is not None]
    problems = date_problems(starts_at, ends_at, [e for e, _day in entered],
                             {e.id: end_of_day(day) for e, day in entered})
    _show_problems(form, problems)
    return bool(problems)


def _form_dates(form) -> tuple[datetime | None, datetime | None]:
    """The start and end a new-cohort form gives, where they could be read."""
    starts_on, ends_on = _usable(form.starts_on), _usable(form.ends_on)
    return (start_of_day(starts_on) if starts_on else None, end_of_day(ends_on) if ends_on else None)


def _day_warnings(form) -> dict[str, str]:
    """{field name: warning} for each date of the form on a weekend or a public holiday: a warning the
    organizer may ignore, never a refusal."""
    names = ["starts_on", "ends_on"] if hasattr(form, "ends_on") else []
    names += [name for _e, name in getattr(form, "due_fields", [])]
    warnings = {}
    for name in names:
        warning = day_warning(_usable(getattr(form, name)), current_locale())
        if warning is None:
            continue
        if warning.holiday:
            warnings[name] = _("This is a public holiday (%(holiday)s).", holiday=warning.holiday)
        elif warning.day.weekday() == 5:
            warnings[name] = _("This is a Saturday.")
        else:
            warnings[name] = _("This is a Sunday.")
    return warnings


def _flash_day_warnings(form) -> None:
    warnings = _day_warnings(form)
    if warnings:
        flash(_("Saved. Please check: %(dates)s",
                dates="; ".join(f"{getattr(form, name).label.text} – {text}" for name, text in warnings.items())),
              "info")


def _cohort_or_404(cohort_id: int):
    cohort = queries.cohort_detail(db.session, cohort_id)
    authz.ensure(cohort is not None)
    return cohort


def _mentor_choices():
    return select_choices((m.id, f"{m.display_name} ({m.email})") for m in queries.available_mentors(db.session))


def _render_detail(cohort, enrol_form=None, mentor_form=None, report=None, status=200):
    mentor_form = mentor_form or MentorForm()
    mentor_form.mentor_id.choices = _mentor_choices()
    return render_template("cohorts/detail.html", cohort=cohort, enrol_form=enrol_form or EnrolForm(),
                           mentor_form=mentor_form, report=report, import_form=ImportForm(),
                           transitions=lifecycle.TRANSITIONS[cohort.status], is_enrolling=cohort.status in
                           lifecycle.ENROLLING, join_code=selfenrol.format_code(cohort.join_code) if cohort.join_code
                           else None, **_state_context()), status


def _state_context() -> dict:
    return {"state_labels": STATE_LABELS, "state_meanings": STATE_MEANINGS, "transition_actions": TRANSITION_ACTIONS}


def _refused(cohort_id: int, message) -> Response:
    """Back to the cohort's page with the reason; nothing was changed."""
    db.session.rollback()
    flash(str(message), "error")
    return redirect(url_for("cohorts.detail", cohort_id=cohort_id))


@bp.route("/<int:cohort_id>")
@authz.roles(*ORGANIZERS)
def detail(cohort_id: int):
    return _render_detail(_cohort_or_404(cohort_id))


@bp.route("/<int:cohort_id>/enrol", methods=["POST"])
@authz.roles(*ORGANIZERS)
def enrol(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    form = EnrolForm()
    if not form.validate_on_submit():
        return _render_detail(cohort, enrol_form=form, status=422)
    try:
        report = services.enrol_learners(db.session, cohort, form.emails.data.splitlines(), current_user)
    except lifecycle.CohortArchived:
        return _refused(cohort_id, ARCHIVED_MESSAGE)
    except lifecycle.EnrolmentClosed:
        return _refused(cohort_id, ENROLMENT_CLOSED_MESSAGE)
    if report.unknown or report.not_learners:
        # All or nothing, as the CSV import: the organizer corrects the list and sends it again.
        db.session.rollback()
        return _render_detail(queries.cohort_detail(db.session, cohort_id), enrol_form=form, report=report, status=422)
    if report.enrolled:
        flash(_("%(n)d learner(s) enrolled.", n=len(report.enrolled)), "success")
    if report.already_enrolled:
        flash(_("Already enrolled: %(list)s", list=", ".join(report.already_enrolled)), "info")
    return redirect(url_for("cohorts.detail", cohort_id=cohort.id))


@bp.route("/participants-sample.csv")
@authz.roles(*ORGANIZERS)
def participants_sample():
    sample = "email,name,municipality_code\nsato.hanako@example.jp,佐藤 花子,012106\n"
    return Response(sample.encode("utf-8-sig"), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="participants-sample.csv"'})


@bp.route("/<int:cohort_id>/mentors", methods=["POST"])
@authz.roles(*ORGANIZERS)
def assign_mentor(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    form = MentorForm()
    form.mentor_id.choices = _mentor_choices()
    if not form.validate_on_submit():
        return _render_detail(cohort, mentor_form=form, status=422)
    mentor = db.session.get(User, form.mentor_id.data)
    try:
        assigned = services.assign_mentor(db.session, cohort, mentor, current_user)
    except lifecycle.CohortArchived:
        return _refused(cohort_id, ARCHIVED_MESSAGE)
    if assigned:
        flash(_("%(name)s is now a mentor of this cohort.", name=mentor.display_name), "success")
    else:
        flash(_("%(name)s was already a mentor of this cohort.", name=mentor.display_name), "info")
    return redirect(url_for("cohorts.detail", cohort_id=cohort.id))


@bp.route("/<int:cohort_id>/mentors/<int:user_id>/remove", methods=["POST"])
@authz.roles(*ORGANIZERS)
def unassign_mentor(cohort_id: int, user_id: int):
    cohort = _cohort_or_404(cohort_id)
    if ActionForm().validate_on_submit():
        try:
            services.unassign_mentor(db.session, cohort, user_id, current_user)
        except lifecycle.CohortArchived:
            return _refused(cohort_id, ARCHIVED_MESSAGE)
        flash(_("The mentor was removed from this cohort."), "info")
    return redirect(url_for("cohorts.detail", cohort_id=cohort.id))


def _editable_cohort_or_404(cohort_id: int):
    cohort = queries.cohort_with_schedule(db.session, cohort_id)
    authz.ensure(cohort is not None)
    return cohort


def _schedule_items(cohort):
    return sorted(cohort.schedule, key=lambda s: s.exercise.position)


@bp.route("/<int:cohort_id>/edit", methods=["GET", "POST"])
@authz.roles(*ORGANIZERS)
def edit(cohort_id: int):
    cohort = _editable_cohort_or_404(cohort_id)
    if cohort.status == CohortStatus.ARCHIVED:
        return _refused(cohort_id, ARCHIVED_MESSAGE)
    form = DetailsForm(obj=cohort) if request.method == "GET" else DetailsForm()
    if request.method == "GET":
        form.starts_on.data, form.ends_on.data = tokyo_date(cohort.starts_at), tokyo_date(cohort.ends_at)
    if form.validate_on_submit():
        try:
            services.update_details(db.session, cohort, name=form.name.data, description=form.description.data,
                                    starts_at=start_of_day(form.starts_on.data), ends_at=end_of_day(form.ends_on.data),
                                    actor=current_user)
        except services.InvalidSchedule as e:
            titles = {s.exercise_id: s.exercise.title(current_locale()) for s in cohort.schedule}
            db.session.rollback()
            _show_problems(form, e.problems, titles)
            cohort = _editable_cohort_or_404(cohort_id)
        else:
            _flash_day_warnings(form)
            flash(_("The cohort's details were saved."), "success")
            return redirect(url_for("cohorts.detail", cohort_id=cohort_id))
    return render_template("cohorts/edit.html", form=form, cohort=cohort, warnings=_day_warnings(form),
                           **_state_context()), (422 if form.errors else 200)


@bp.route("/<int:cohort_id>/review-rules", methods=["GET", "POST"])
@authz.roles(*ORGANIZERS)
def review_rules(cohort_id: int):
    """Conflict of interest, blind review, revision cap and review target (issue 13, fairness)."""
    cohort = db.session.get(Cohort, cohort_id)
    authz.ensure(cohort is not None)
    if cohort.status == CohortStatus.ARCHIVED:
        return _refused(cohort_id, ARCHIVED_MESSAGE)
    form = ReviewRulesForm(obj=cohort) if request.method == "GET" else ReviewRulesForm()
    if form.validate_on_submit():
        try:
            services.update_review_rules(
                db.session, cohort, conflict_of_interest=form.conflict_of_interest.data,
                blind_review=form.blind_review.data, max_revision_rounds=form.max_revision_rounds.data,
                review_target_working_days=form.review_target_working_days.data, actor=current_user,
                auto_assign=form.auto_assign.data)
        except lifecycle.CohortArchived:
            return _refused(cohort_id, ARCHIVED_MESSAGE)
        flash(_("The review rules were saved."), "success")
        return redirect(url_for("cohorts.detail", cohort_id=cohort_id))
    return render_template("cohorts/review_rules.html", form=form, cohort=cohort,
                           **_state_context()), (422 if form.errors else 200)


@bp.route("/<int:cohort_id>/schedule", methods=["GET", "POST"])
@authz.roles(*ORGANIZERS)
def schedule(cohort_id: int):
    cohort = _editable_cohort_or_404(cohort_id)
    if cohort.status == CohortStatus.ARCHIVED:
        return _refused(cohort_id, ARCHIVED_MESSAGE)
    items = _schedule_items(cohort)
    initial = {f"due_{s.exercise_id}": tokyo_date(s.due_at) for s in items if s.due_at}
    form = schedule_form_for([s.exercise for s in items], current_locale(),
                             data=initial if request.method == "GET" else None)
    affected = None
    if form.is_submitted() and form.prefill.data:
        _prefill(form, tokyo_date(cohort.starts_at))
    elif form.validate_on_submit():
        try:
            services.update_schedule(db.session, cohort, _due_dates(form), actor=current_user,
                                     confirmed=bool(form.confirm.data))
        except services.InvalidSchedule as e:
            db.session.rollback()
            _show_problems(form, e.problems)
        except services.ConfirmationNeeded as e:
            db.session.rollback()
            affected = [(s.exercise, e.affected[s.exercise_id]) for s in items if s.exercise_id in e.affected]
        else:
            _flash_day_warnings(form)
            flash(_("The schedule was saved."), "success")
            return redirect(url_for("cohorts.detail", cohort_id=cohort_id))
        cohort = _editable_cohort_or_404(cohort_id)
    elif form.is_submitted():
        _check_dates(form, cohort.starts_at, cohort.ends_at)
    return render_template("cohorts/schedule.html", form=form, cohort=cohort, affected=affected,
                           warnings=_day_warnings(form), **_state_context()), \
        (422 if form.errors else 409 if affected else 200)


@bp.route("/<int:cohort_id>/status/<to>", methods=["GET", "POST"])
@authz.roles(*ORGANIZERS)
def change_status(cohort_id: int, to: str):
    cohort = _cohort_or_404(cohort_id)
    target = _state_or_none(to)
    authz.ensure(target is not None)
    form = StatusForm(expected=cohort.status.value) if request.method == "GET" else StatusForm()
    if form.validate_on_submit():
        try:
            services.change_status(db.session, cohort, expected=_state_or_none(form.expected.data), to=target,
                                   actor=current_user)
        except lifecycle.TransitionNotAllowed:
            return _refused(cohort_id, _("The cohort could not be moved to “%(state)s” from its current state "
                                         "(someone may have changed it meanwhile). Nothing was changed.",
                                         state=STATE_LABELS[target]))
        flash(_("The cohort is now: %(state)s.", state=STATE_LABELS[target]), "success")
        return redirect(url_for("cohorts.detail", cohort_id=cohort_id))
    if target not in lifecycle.TRANSITIONS[cohort.status]:
        return _refused(cohort_id, _("The cohort could not be moved to “%(state)s” from its current state "
                                     "(someone may have changed it meanwhile). Nothing was changed.",
                                     state=STATE_LABELS[target]))
    return render_template("cohorts/status.html", form=form, cohort=cohort, target=target,
                           effect=TRANSITION_EFFECTS[target], **_state_context())


@bp.route("/<int:cohort_id>/copy", methods=["GET", "POST"])
@authz.roles(*ORGANIZERS)
def copy(cohort_id: int):
    cohort = _editable_cohort_or_404(cohort_id)
    form = CopyForm(name=cohort.name) if request.method == "GET" else CopyForm()
    if form.validate_on_submit():
        new = services.copy_cohort(db.session, cohort, name=form.name.data, starts_on=form.starts_on.data,
                                   actor=current_user)
        flash(_("The copy was created as a draft, with the same mentors and the schedule moved to the new "
                "start. Check its dates, then enrol learners."), "success")
        return redirect(url_for("cohorts.detail", cohort_id=new.id))
    return render_template("cohorts/copy.html", form=form, cohort=cohort, **_state_context()), \
        (422 if form.errors else 200)
