"""The signed-in learner's own record: one page to read, print or hand to a supervisor."""

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from app.badges.urls import BadgeUrls
from app.content.levels import talent_levels
from app.core import authz
from app.core.page_memory import remembered_page
from app.core.timeutil import next_day_starts, utcnow
from app.extensions import db
from app.record.queries import learner_record

bp = Blueprint("record", __name__, template_folder="templates")


@bp.route("/me/record")
@authz.signed_in
def mine():
    # Always the signed-in user's own record: the URL names no one, so no one else's can be asked for.
    now = utcnow()

    def render():
        # Besides the data, only its "as of" date changes: at the start of a day in Japan.
        return render_template("record/mine.html", record=learner_record(db.session, current_user),
                               urls=BadgeUrls(current_app.config["BASE_URL"]), levels=talent_levels(),
                               now=now), next_day_starts(now)
    return remembered_page(db.session, now, render)
