from datetime import date, datetime, time, timedelta

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auth.models import Role, User
from app.cohorts import queries, services
from app.cohorts.forms import EnrolForm, ImportForm, MentorForm, cohort_form_for
from app.content.models import ModuleVersion
from app.content.services import current_module_versions
from app.core import authz
from app.core.forms import select_choices
from app.core.inputs import positive_int
from app.core.templating import ActionForm, current_locale
from app.core.timeutil import TOKYO, tokyo_to_utc, utcnow
from app.extensions import db

bp = Blueprint("cohorts", __name__, url_prefix="/manage/cohorts", template_folder="templates")

ORGANIZERS = (Role.ORGANIZER, Role.ADMIN)


def start_of_day(day: date) -> datetime:
    return tokyo_to_utc(datetime.combine(day, time.min))


def end_of_day(day: date) -> datetime:
    """The last moment of a day in Tokyo: due dates and end dates include the whole day."""
    return tokyo_to_utc(datetime.combine(day + timedelta(days=1), time.min)) - timedelta(seconds=1)


COHORTS_PER_PAGE = 50
STATE_LABELS = {
    queries.CohortState.OPEN: _l("Open now"),
    queries.CohortState.UPCOMING: _l("Not started yet"),
    queries.CohortState.ENDED: _l("Ended"),
}


def fiscal_year(moment: datetime) -> int:
    """The Japanese fiscal year (年度, April to March) of a moment, in Tokyo."""
    local = moment.astimezone(TOKYO)
    return local.year if local.month >= 4 else local.year - 1


def fiscal_year_span(year: int) -> tuple[datetime, datetime]:
    return tokyo_to_utc(datetime(year, 4, 1)), tokyo_to_utc(datetime(year + 1, 4, 1))


def _state_argument(value: str) -> queries.CohortState:
    return queries.CohortState(value)


@bp.route("/")
@authz.roles(*ORGANIZERS)
def index():
    first, last = queries.cohort_start_range(db.session)
    years = list(range(fiscal_year(last), fiscal_year(first) - 1, -1)) if first else []
    year = request.args.get("year", type=positive_int)
    year = year if year in years else None
    state = request.args.get("state", type=_state_argument)
    page = request.args.get("page", 1, type=positive_int)
    found = queries.cohorts_overview(db.session, now=utcnow(), state=state,
                                     starts_within=fiscal_year_span(year) if year else None,
                                     offset=(page - 1) * COHORTS_PER_PAGE, limit=COHORTS_PER_PAGE + 1)
    module_versions = current_module_versions(db.session)
    return render_template("cohorts/index.html", cohorts=found[:COHORTS_PER_PAGE],
                           has_next=len(found) > COHORTS_PER_PAGE, page=page, years=years, year=year,
                           state=state, state_labels=STATE_LABELS, module_versions=module_versions,
                           exercise_counts=queries.exercise_counts(db.session, [mv.id for mv in module_versions]))


@bp.route("/new/<int:module_version_id>", methods=["GET", "POST"])
@authz.roles(*ORGANIZERS)
def create(module_version_id: int):
    module_version = db.session.get(ModuleVersion, module_version_id)
    authz.ensure(module_version is not None)
    form = cohort_form_for(module_version, current_locale())
    if form.validate_on_submit():
        due_dates = {eid: end_of_day(getattr(form, name).data) for eid, name in form.due_fields}
        try:
            cohort = services.create_cohort(
                db.session, name=form.name.data, module_version=module_version,
                starts_at=start_of_day(form.starts_on.data), ends_at=end_of_day(form.ends_on.data),
                due_dates=due_dates, actor=current_user, badges_need_approval=form.badges_need_approval.data)
        except services.InvalidSchedule as e:
            db.session.rollback()
            if e.field_name == "ends_at":
                form.ends_on.errors = [_("The end date must be on or after the start date.")]
            else:
                getattr(form, f"due_{e.exercise_id}").errors = [
                    _("The due date must be between the start and end dates.")]
        else:
            flash(_("The cohort was created. Now enrol learners and assign mentors."), "success")
            return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    return render_template("cohorts/new.html", form=form, module_version=module_version), (422 if form.errors else 200)


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
                           mentor_form=mentor_form, report=report, import_form=ImportForm()), status


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
    report = services.enrol_learners(db.session, cohort, form.emails.data.splitlines(), current_user)
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
    if services.assign_mentor(db.session, cohort, mentor, current_user):
        flash(_("%(name)s is now a mentor of this cohort.", name=mentor.display_name), "success")
    else:
        flash(_("%(name)s was already a mentor of this cohort.", name=mentor.display_name), "info")
    return redirect(url_for("cohorts.detail", cohort_id=cohort.id))


@bp.route("/<int:cohort_id>/mentors/<int:user_id>/remove", methods=["POST"])
@authz.roles(*ORGANIZERS)
def unassign_mentor(cohort_id: int, user_id: int):
    cohort = _cohort_or_404(cohort_id)
    if ActionForm().validate_on_submit():
        services.unassign_mentor(db.session, cohort, user_id, current_user)
        flash(_("The mentor was removed from this cohort."), "info")
    return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
