from flask import Blueprint, render_template

from app.auth.models import Role
from app.cohorts.models import Cohort
from app.core import authz
from app.extensions import db
from app.progress.queries import cohort_progress

bp = Blueprint("progress", __name__, url_prefix="/manage/progress", template_folder="templates")


@bp.route("/cohorts/<int:cohort_id>")
@authz.roles(Role.ORGANIZER, Role.ADMIN)
def cohort(cohort_id: int):
    cohort = db.session.get(Cohort, cohort_id)
    authz.ensure(cohort is not None)
    return render_template("progress/cohort.html", table=cohort_progress(db.session, cohort))
