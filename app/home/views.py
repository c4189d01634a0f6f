"""The home page: the signed-in person's own work, in the home of the role they last chose."""

from flask import Blueprint, current_app, render_template, session
from flask_login import current_user

from app.admin.forms import ROLE_LABELS
from app.badges.listeners import badge_settings
from app.cases.queries import consents_asked_of
from app.core import authz
from app.core.page_memory import remembered_page
from app.core.timeutil import utcnow
from app.extensions import db
from app.home import queries
from app.home.queries import HomeKind
from app.learn.queries import learner_dashboard

bp = Blueprint("home", __name__, template_folder="templates")

# The home a person chose last, for this session (signing in again starts at their role's own home).
SESSION_KEY = "home"


def _render(kind: HomeKind, homes: list[HomeKind]):
    now = utcnow()
    context = {"kind": kind, "homes": homes, "now": now, "role_labels": ROLE_LABELS}
    if kind == HomeKind.LEARNER:
        def render():
            dashboard = learner_dashboard(db.session, current_user, now)
            return render_template("home/learner.html", dashboard=dashboard,
                                   consents_asked=consents_asked_of(db.session, current_user.id),
                                   **context), dashboard.changes_at(now)
        # The same path shows the home last chosen in this session: the kind is part of the question.
        return remembered_page(db.session, now, render, variant=kind)
    if kind == HomeKind.MENTOR:
        def render_mentor_home():
            home = queries.mentor_home(db.session, current_user, now)
            return render_template("home/mentor.html", home=home, **context), home.changes_at(now)
        return remembered_page(db.session, now, render_mentor_home, variant=kind)
    if kind == HomeKind.ORGANIZER:
        def render_organizer_home():
            home = queries.organizer_home(db.session, now, stalled_days=current_app.config["HOME_STALLED_AFTER_DAYS"],
                                          waiting_days=current_app.config["HOME_REVIEW_WAIT_DAYS"])
            return render_template("home/organizer.html", home=home, **context), home.changes_at
        return remembered_page(db.session, now, render_organizer_home, variant=kind)
    context["home"] = queries.admin_home(db.session)
    context["keys"] = badge_settings(current_app.config)[0]
    return render_template(f"home/{kind}.html", **context)


@bp.route("/")
@authz.signed_in
def index():
    homes = queries.available_homes(db.session, current_user)
    chosen = session.get(SESSION_KEY)
    kind = HomeKind(chosen) if chosen in homes else queries.default_home(current_user)
    return _render(kind, homes)


@bp.route("/home/<kind>")
@authz.signed_in
def show(kind: str):
    """One of the person's homes, remembered as their home for the rest of the session."""
    homes = queries.available_homes(db.session, current_user)
    authz.ensure(kind in homes)
    session[SESSION_KEY] = kind
    return _render(HomeKind(kind), homes)
