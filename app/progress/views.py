from flask import Blueprint, render_template, request

from app.auth.models import Role
from app.cohorts.models import Cohort
from app.core import authz
from app.core.inputs import positive_int
from app.core.templating import current_locale
from app.extensions import db
from app.progress.queries import cohort_progress

bp = Blueprint("progress", __name__, url_prefix="/manage/progress", template_folder="templates")

# Longer searches match no name or municipality; the cap keeps the LIKE pattern small.
SEARCH_LIMIT = 100


@bp.route("/cohorts/<int:cohort_id>")
@authz.roles(Role.ORGANIZER, Role.ADMIN)
def cohort(cohort_id: int):
    cohort = db.session.get(Cohort, cohort_id)
    authz.ensure(cohort is not None)
    search = (request.args.get("q") or "").strip()[:SEARCH_LIMIT]
    page = request.args.get("page", 1, type=positive_int)
    withdrawn = 1 if request.args.get("withdrawn") == "1" else None
    table = cohort_progress(db.session, cohort, locale=current_locale(), search=search, page=page,
                            include_withdrawn=bool(withdrawn))
    return render_template("progress/cohort.html", table=table, q=search, withdrawn=withdrawn)
