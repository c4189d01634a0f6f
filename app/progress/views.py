import io
from collections.abc import Callable, Iterable
from datetime import datetime

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.cohorts.models import Cohort
from app.cohorts.services import is_mentor_of
from app.core import authz
from app.core.downloads import attachment_disposition
from app.core.inputs import positive_int
from app.core.memory import app_memory
from app.core.page_memory import remembered_page
from app.core.templating import current_locale
from app.core.timeutil import TOKYO, utcnow
from app.extensions import db
from app.core import spreadsheets
from app.groups.queries import cohort_groups
from app.progress import exports
from app.progress.chart import weekly_chart
from app.progress.mentor_load import RECENT_DAYS, mentor_loads
from app.progress.queries import (Filters, LearnerFilter, activity_weeks, cohort_progress, cohort_schedule,
                                  every_row, next_due, place_choices, weekly_activity)
from app.reviews import discussion
from app.reviews.forms import MessageForm
from app.reviews.queries import submission_for_review, submission_history
from app.reviews.revision import Remembered

bp = Blueprint("progress", __name__, url_prefix="/manage/progress", template_folder="templates")

STAFF = (Role.ORGANIZER, Role.ADMIN)
# Mentors read the progress table of the cohorts they are assigned to (and of no other).
READERS = (*STAFF, Role.MENTOR)
# Longer searches match no name or municipality; the cap keeps the LIKE pattern small.
SEARCH_LIMIT = 100
TABLES = ("matrix", "gradebook")
# Cohorts' column counts, weekly activity and places remembered per worker process (issue 10), a few kB each.
PROGRESS_MEMORY_SIZE = 256
# Pages of the table's rows, and each rendered, remembered per worker process: a page of 100 learners takes
# about 0.5 MB for both, so a few are kept (bench/pages.py reports the workers' memory).
PAGE_MEMORY_SIZE = 16


def _cohort(cohort_id: int) -> Cohort:
    cohort = db.session.get(Cohort, cohort_id)
    authz.ensure(cohort is not None)
    return cohort


def _filters() -> Filters:
    status = request.args.get("status") or None
    return Filters(search=(request.args.get("q") or "").strip()[:SEARCH_LIMIT],
                   place_id=request.args.get("place", type=positive_int),
                   status=LearnerFilter(status) if status in LearnerFilter.__members__.values() else None,
                   include_withdrawn=request.args.get("withdrawn") == "1",
                   group_id=request.args.get("group", type=positive_int))


def _filter_args(filters: Filters) -> dict:
    """The filters as query arguments (for the pager and the downloads), leaving out the empty ones."""
    return {key: value for key, value in (("q", filters.search), ("place", filters.place_id),
                                          ("status", filters.status and filters.status.value),
                                          ("withdrawn", 1 if filters.include_withdrawn else None),
                                          ("group", filters.group_id)) if value}


@bp.route("/cohorts/<int:cohort_id>")
@authz.roles(*READERS)
def cohort(cohort_id: int):
    cohort = _cohort(cohort_id)
    is_staff = current_user.role in STAFF
    authz.ensure(is_staff or is_mentor_of(db.session, current_user, cohort.id))
    filters, now, locale = _filters(), utcnow(), current_locale()
    # The counts, the rows and the weekly activity, remembered until the work changes (a GET writes nothing).
    tallies = Remembered(db.session, app_memory("progress", PROGRESS_MEMORY_SIZE))
    pages = app_memory("progress pages", PAGE_MEMORY_SIZE)
    table = cohort_progress(db.session, cohort, locale=locale, now=now, filters=filters,
                            page=request.args.get("page", 1, type=positive_int), tallies=tallies, pages=pages)

    def render_content() -> Markup:
        weeks = weekly_activity(db.session, cohort, now, tallies=tallies)
        return Markup(render_template(
            "progress/_content.html", table=table, filters=filters, args=_filter_args(filters),
            learner_filters=_learner_filter_labels(), groups=cohort_groups(db.session, [cohort.id]),
            places=place_choices(db.session, cohort, locale, filters.include_withdrawn, tallies),
            weeks=weeks, chart=weekly_chart(weeks) if weeks else None, is_staff=is_staff))

    # Rendering is most of the page's work (up to 1,200 cells): done once for what the same rows, reader,
    # language and weeks show. Everything else on it changes only with the work, as the rows do.
    weeks = activity_weeks(cohort, now)
    shown = ("rendered", table.rows_key, locale, is_staff, tuple(weeks[:1] + weeks[-1:]))
    content = pages.answer(shown, render_content) if table.rows_key else render_content()
    return render_template("progress/cohort.html", cohort=cohort, content=content)


def _learner_filter_labels() -> dict[LearnerFilter, str]:
    return {
        LearnerFilter.OVERDUE: _("Has overdue work"),
        LearnerFilter.AWAITING_REVIEW: _("Has work awaiting review"),
        LearnerFilter.RETURNED: _("Has work returned for revision"),
        LearnerFilter.NOTHING_SUBMITTED: _("Has submitted nothing yet"),
        LearnerFilter.COMPLETED: _("Completed the module"),
        LearnerFilter.NOT_COMPLETED: _("Not completed (yet)"),
        LearnerFilter.REVOKED: _("Completion revoked"),
    }


def _labels(locale: str) -> exports.Labels:
    statuses = {"not_started": _("Not started"), "awaiting_review": _("Awaiting review"),
                "returned": _("Returned for revision"), "accepted": _("Accepted"), "overdue": _("Overdue"),
                "not_passed": _("Closed as not passed")}
    headers = {
        "learner": _("Learner"), "email": _("Email address"), "municipality": _("Municipality"),
        # %(n)s is filled in by the export with the number of required exercises.
        "accepted": _("Accepted of %(n)s required"), "completion": _("Completion"),
        "completed_at": _("Completed or revoked at"), "number": _("No."), "exercise": _("Exercise"),
        "required": _("Required"), "due_at": _("Due"), "status": _("Status"), "overdue": _("Overdue"),
        "versions": _("Versions"), "first_submitted_at": _("First submitted at"),
        "last_submitted_at": _("Last submitted at"), "points": _("Score"), "max_points": _("Maximum score"),
        "reviewed_at": _("Reviewed at"), "reviewer": _("Reviewed by"),
    }
    return exports.Labels(headers=headers, status=lambda status: statuses.get(status, status),
                          exercise=lambda s: s.exercise.title(locale), yes=_("Yes"), completed=_("Completed"),
                          revoked=_("Completion revoked"))


def _export_lines(engine: Engine, cohort_id: int, table: str, filters: Filters, locale: str, now: datetime,
                  labels: exports.Labels):
    """The export's lines, read as they are written, in a session of their own: read-only, closed at the end."""
    with Session(engine) as session:
        cohort = session.get(Cohort, cohort_id)
        schedule = cohort_schedule(session, cohort)
        rows = every_row(session, cohort, schedule, locale=locale, now=now, filters=filters)
        build = exports.matrix if table == "matrix" else exports.gradebook
        yield from build(rows, schedule, labels)


def _export(cohort_id: int):
    """The cohort, the table asked for and its lines (not read yet)."""
    cohort = _cohort(cohort_id)
    table = request.args.get("table", "matrix")
    authz.ensure(table in TABLES)
    locale, now = current_locale(), utcnow()
    return cohort, table, now, _export_lines(db.engine, cohort.id, table, _filters(), locale, now, _labels(locale))


def _download_names(cohort: Cohort, table: str, now: datetime, extension: str) -> str:
    day = now.astimezone(TOKYO).strftime("%Y%m%d")
    title = _("progress") if table == "matrix" else _("gradebook")
    return attachment_disposition(f"enshu-cohort-{cohort.id}-{table}-{day}.{extension}",
                                  f"{cohort.name}-{title}-{day}.{extension}")


def _remembered_export(cohort_id: int, write: Callable[[Iterable, str], bytes]) -> tuple[Cohort, str, datetime, bytes]:
    """The cohort, the table asked for and its file as `write(lines, table)` makes it: remembered as written (a
    few hundred KB for 500 learners at most) until the work changes or a due date passes (the file says what
    is overdue)."""
    cohort, table, now, lines = _export(cohort_id)
    body = remembered_page(db.session, now, lambda: (write(lines, table), next_due(db.session, cohort.id, now)))
    return cohort, table, now, body


def _csv_file(lines, table: str) -> bytes:
    return spreadsheets.csv_file(lines)


def _workbook(lines, table: str) -> bytes:
    # A workbook is a zip file, complete only at its end: built in memory, then sent.
    out = io.BytesIO()
    spreadsheets.write_xlsx(lines, _("Progress") if table == "matrix" else _("Gradebook"), out)
    return out.getvalue()


@bp.route("/cohorts/<int:cohort_id>/export.csv")
@authz.roles(*STAFF)
def export_csv(cohort_id: int):
    cohort, table, now, body = _remembered_export(cohort_id, _csv_file)
    response = Response(body, content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = _download_names(cohort, table, now, "csv")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/cohorts/<int:cohort_id>/export.xlsx")
@authz.roles(*STAFF)
def export_xlsx(cohort_id: int):
    cohort, table, now, body = _remembered_export(cohort_id, _workbook)
    response = Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = _download_names(cohort, table, now, "xlsx")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/submissions/<int:submission_id>")
@authz.roles(*STAFF)
def submission(submission_id: int):
    """A learner's work on one exercise as staff read it: every version with its review, nothing to change."""
    found = submission_for_review(db.session, submission_id)
    authz.ensure(found is not None)
    return render_template("progress/submission.html", submission=found,
                           history=submission_history(db.session, found),
                           can_review=current_user.role == Role.ADMIN,
                           # The discussion between learner and mentors, which staff join (issue 13).
                           messages=discussion.thread(db.session, found.id), message_form=MessageForm())


@bp.route("/mentors")
@authz.roles(*STAFF)
def mentor_load():
    return render_template("progress/mentors.html", loads=mentor_loads(db.session, utcnow()), days=RECENT_DAYS)
