"""Floor pages for the benchmark (bench/pages.py): what the cheapest page of this app costs on the same
server in the same run, so that pages are compared as ratios. Registered only when the setting
BENCH_FLOOR_PAGES is true (ENSHU_BENCH_FLOOR_PAGES=true); never in a normal deployment."""

from flask import Blueprint, render_template
from sqlalchemy import select

from app.auth.models import Organization
from app.core import authz
from app.extensions import db

bp = Blueprint("floor", __name__, url_prefix="/_bench", template_folder="templates")


@bp.route("/healthz")
@authz.public
def healthz():
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.route("/query50")
@authz.public
def query50():
    """One query of 50 rows rendered by a template."""
    rows = db.session.execute(select(Organization.id, Organization.code, Organization.name_ja, Organization.name_en)
                              .order_by(Organization.id).limit(50)).all()
    return render_template("seed/floor.html", rows=rows)
