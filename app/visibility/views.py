"""The visibility pages (organizers and administrators): counts per area and level, the tile map, the
years, coverage by level-1 holders, and the CSV exports."""

from datetime import datetime

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.cohorts.models import Cohort
from app.core import authz, spreadsheets
from app.core.downloads import attachment_disposition
from app.core.inputs import positive_int
from app.core.page_memory import remembered_page
from app.core.templating import current_locale
from app.core.timeutil import TOKYO, utcnow
from app.extensions import db
from app.visibility import queries
from app.visibility.tilemap import tile_map

bp = Blueprint("visibility", __name__, url_prefix="/manage/visibility", template_folder="templates")

STAFF = (Role.ORGANIZER, Role.ADMIN)


def _scope(years: list[int]) -> queries.Scope:
    """The fiscal year and cohort asked for; anything else (an unknown year, a bad id) counts everything."""
    year = request.args.get("fy", type=int)
    return queries.Scope(fiscal_year=year if year in years else None,
                         cohort_id=request.args.get("cohort", type=positive_int))


def _scope_args(scope: queries.Scope) -> dict:
    return {key: value for key, value in (("fy", scope.fiscal_year), ("cohort", scope.cohort_id)) if value is not None}


@bp.route("/")
@authz.roles(*STAFF)
def index():
    now = utcnow()

    def render():
        years = queries.fiscal_years(db.session, now.astimezone(TOKYO).date())
        scope = _scope(years)
        level = request.args.get("level", 1, type=int)
        level = level if level in queries.LEVELS else 1
        locale = current_locale()
        table = queries.area_table(db.session, scope)
        cohorts = db.session.execute(select(Cohort.id, Cohort.name).order_by(Cohort.starts_at.desc(), Cohort.id)).all()
        tiles = tile_map([(area.organization.code or "", area.organization.name(locale), area.counts.holders[level])
                          for area in table.subprefectures])
        # Counted over all the data (a tenth of a second at 20,000 enrolments), so remembered until anything is
        # written; by the time alone, the page changes only when a fiscal year begins (a new year to choose).
        return render_template("visibility/index.html", table=table, scope=scope, scope_args=_scope_args(scope),
                               years=years, cohorts=cohorts, level=level, levels=queries.LEVELS, tiles=tiles,
                               by_year=queries.by_fiscal_year(db.session, years, scope.cohort_id)
                               ), queries.next_fiscal_year_starts(now)
    return remembered_page(db.session, now, render)


@bp.route("/coverage")
@authz.roles(*STAFF)
def coverage():
    # Nothing on it depends on the time: remembered until anything is written.
    return remembered_page(db.session, utcnow(), lambda: (
        render_template("visibility/coverage.html", coverage=queries.coverage(db.session)), None))


def _download(body, ascii_name: str, name: str) -> Response:
    """A CSV file: its bytes, or its chunks as they are written."""
    response = Response(body, content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = attachment_disposition(ascii_name, name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _day(now: datetime) -> str:
    return now.astimezone(TOKYO).strftime("%Y%m%d")


def _area_lines(table: queries.AreaTable, locale: str) -> list[list]:
    """The area table as the page shows it: one line per subprefecture, then one per municipality."""
    level_heads = [_("Level %(n)d holders", n=n) for n in queries.LEVELS]
    lines = [[_("Subprefecture"), _("Code"), _("Municipality or organization"), _("Learners"), _("Completions"),
              *level_heads]]

    def line(subprefecture: str, area: queries.Area) -> list:
        organization = area.organization
        return [subprefecture, organization.code if organization else "",
                organization.name(locale) if organization else _("No organization"),
                area.counts.learners, area.counts.completions, *(area.counts.holders[n] for n in queries.LEVELS)]

    for area in table.subprefectures:
        name = area.organization.name(locale)
        lines.append([name, area.organization.code, _("All of %(name)s", name=name), area.counts.learners,
                      area.counts.completions, *(area.counts.holders[n] for n in queries.LEVELS)])
        lines.extend(line(name, part) for part in area.parts)
    lines.extend(line("", area) for area in table.others)
    return lines


@bp.route("/areas.csv")
@authz.roles(*STAFF)
def areas_csv():
    """The area table as a CSV file; remembered as written, as the page is (a few KB)."""
    now = utcnow()

    def write():
        years = queries.fiscal_years(db.session, now.astimezone(TOKYO).date())
        lines = _area_lines(queries.area_table(db.session, _scope(years)), current_locale())
        return spreadsheets.csv_file(lines), queries.next_fiscal_year_starts(now)
    day = _day(now)
    return _download(remembered_page(db.session, now, write), f"enshu-areas-{day}.csv", f"{_('areas')}-{day}.csv")


def _training_lines(engine: Engine, scope: queries.Scope, headers: list[str], status_labels: dict[str, str]):
    """Read while the response streams, after the request's session has ended: a session of its own."""
    yield headers
    with Session(engine) as session:
        for r in queries.training_records(session, scope):
            yield [r.email, r.name, r.organization_code, r.organization_ja, r.module_slug, r.module_title_ja,
                   r.module_version, r.level, r.cohort, r.completed_at.astimezone(TOKYO).date(), r.total_points,
                   r.max_points, r.revoked_at.astimezone(TOKYO).date() if r.revoked_at else None, r.credential_uuid,
                   status_labels.get(r.credential_status or "", ""),
                   r.issued_at.astimezone(TOKYO).date() if r.issued_at else None]


@bp.route("/training-records.csv")
@authz.roles(*STAFF)
def training_records_csv():
    """Each person's completions and badges for municipal HR training records (研修履歴): the layout is
    documented in docs/training-records.md and the same in both languages (the header line excepted)."""
    now = utcnow()
    years = queries.fiscal_years(db.session, now.astimezone(TOKYO).date())
    headers = [_("Email address"), _("Name"), _("Organization code"), _("Organization"), _("Module ID"),
               _("Module"), _("Module version"), _("Talent level"), _("Cohort"), _("Completed on"), _("Points"),
               _("Maximum points"), _("Completion revoked on"), _("Badge ID"), _("Badge status"), _("Badge issued on")]
    status_labels = {"issued": _("Issued"), "revoked": _("Revoked"), "awaiting_approval": _("Awaiting approval")}
    day = _day(now)
    # Streamed, never remembered: a line per completion, megabytes for all of Hokkaido.
    return _download(spreadsheets.csv_chunks(_training_lines(db.engine, _scope(years), headers, status_labels)),
                     f"enshu-training-records-{day}.csv", f"{_('training records')}-{day}.csv")
