"""A person's notifications: the list (newest first), marking read, and which kinds are also mailed."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.auth.models import Role
from app.core import authz
from app.core.inputs import positive_int
from app.core.templating import ActionForm
from app.core.timeutil import utcnow
from app.extensions import db
from app.notifications import queries, services
from app.notifications.forms import mail_settings_form
from app.notifications.models import NotificationKind
from app.notifications.texts import headline, note, target

bp = Blueprint("notifications", __name__, url_prefix="/notifications", template_folder="templates")

PAGE_SIZE = 30


@bp.app_template_global()
def unread_notification_count() -> int:
    """The signed-in user's unread notifications, for the header of every page: loaded with the user
    (app/__init__.py), counted here only if the user was loaded again some other way meanwhile."""
    loaded = current_user.unread_notifications
    return loaded if loaded is not None else queries.unread_count(db.session, current_user.id)


@bp.route("/")
@authz.signed_in
def index():
    page = queries.notifications_page(db.session, current_user.id, request.args.get("page", 1, type=positive_int),
                                      PAGE_SIZE)
    return render_template("notifications/index.html", page=page, form=ActionForm(), headline=headline,
                           note=note, target=target)


@bp.route("/<int:notification_id>/read", methods=["POST"])
@authz.signed_in
def mark_read(notification_id: int):
    if ActionForm().validate_on_submit():
        try:
            services.mark_read(db.session, current_user, notification_id, utcnow())
        except services.NotificationNotFound:
            authz.ensure(False)
    return redirect(url_for("notifications.index", page=request.args.get("page", type=positive_int)))


@bp.route("/read", methods=["POST"])
@authz.signed_in
def mark_all_read():
    if ActionForm().validate_on_submit():
        marked = services.mark_all_read(db.session, current_user, utcnow())
        flash(ngettext("%(num)d notification marked as read.", "%(num)d notifications marked as read.", marked)
              if marked else _("Nothing was unread."), "success")
    return redirect(url_for("notifications.index"))


def _offered_kinds() -> tuple[NotificationKind, ...]:
    # Only mentors are told of new submissions (administrators may be assigned as mentors too).
    return tuple(kind for kind in NotificationKind
                 if kind != NotificationKind.SUBMISSION_WAITING or current_user.role in (Role.MENTOR, Role.ADMIN))


@bp.route("/settings", methods=["GET", "POST"])
@authz.signed_in
def settings():
    kinds = _offered_kinds()
    form = mail_settings_form(kinds, queries.mailed_kinds(db.session, current_user.id))
    if form.validate_on_submit():
        services.set_mailed_kinds(db.session, current_user, {kind for kind in kinds if form[kind.value].data}, kinds)
        flash(_("Saved. The kinds you ticked are also sent to %(email)s.", email=current_user.email), "success")
        return redirect(url_for("notifications.settings"))
    return render_template("notifications/settings.html", form=form)
