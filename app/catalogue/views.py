"""The catalogue: learners search it and mark courses done; organizers import and delete courses."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth.models import Role
from app.catalogue import queries, services
from app.catalogue.forms import ConfirmImportForm, DoneForm, ImportForm
from app.catalogue.models import CatalogueCourse, DssRole
from app.core import authz, previews
from app.core.inputs import positive_int
from app.core.page_memory import remembered_page
from app.core.timeutil import utcnow
from app.core.templating import ActionForm
from app.core.urls import same_site_path
from app.extensions import db

bp = Blueprint("catalogue", __name__, template_folder="templates")

STAFF = (Role.ORGANIZER, Role.ADMIN)
PREVIEW_SALT = "enshu-catalogue-import"

FILE_PROBLEMS = {
    "not_text": lambda e: _("The file is not a text CSV file. Save it from Excel as “CSV UTF-8” and try again."),
    "missing_columns": lambda e: _("The first line must name the columns; these are missing: %(columns)s.",
                                   columns=", ".join(e.columns)),
    "no_rows": lambda e: _("The file has a header but no courses."),
    "too_many_rows": lambda e: _("The file has more than %(n)d courses; split it into smaller files.",
                                 n=services.MAX_ROWS),
    "too_large": lambda e: _("The file is larger than 1 MB."),
}


def row_problems() -> dict:
    return {
        "title_required": _("The title is missing."),
        "provider_required": _("The provider is missing."),
        "bad_url": _("The URL must be a web address starting with http:// or https://."),
        "duplicate_url": _("This URL is already on an earlier line of the file."),
        "bad_language": _("The language must be ja or en."),
        "bad_hours": _("The hours must be a number above 0 with at most one decimal, such as 1.5."),
        "bad_level": _("The level must be 0, 1, 2 or 3."),
        "bad_dss_role": _("Unknown DSS role; use one of: %(roles)s.", roles=", ".join(r.value for r in DssRole)),
        "bad_free": _("Free must be yes or no."),
        "bad_date": _("The last checked date must be a date such as 2026-11-30."),
        "too_long": _("The text is too long; shorten it."),
        "control_characters": _("The text contains control characters (such as a tab copied from another program); remove them."),
        "too_many_topics": _("At most %(n)d topics per course.", n=services.MAX_TOPICS),
    }


def dss_role_labels() -> dict:
    return {
        DssRole.LITERACY: _("DX literacy (DSS-L)"),
        DssRole.BUSINESS_ARCHITECT: _("Business architect"),
        DssRole.DESIGNER: _("Designer"),
        DssRole.DATA_SCIENTIST: _("Data scientist"),
        DssRole.SOFTWARE_ENGINEER: _("Software engineer"),
        DssRole.CYBERSECURITY: _("Cybersecurity"),
    }


def _filters() -> queries.Filters:
    level = request.args.get("level", type=int)
    role = request.args.get("role") or None
    language = request.args.get("language") or None
    return queries.Filters(
        words=(request.args.get("q") or "").strip()[:queries.QUERY_LIMIT],
        level=level if level in (0, 1, 2, 3) else None,
        topic=(request.args.get("topic") or "").strip()[:50] or None,
        dss_role=DssRole(role) if role in DssRole.__members__.values() else None,
        language=language if language in ("ja", "en") else None,
        free_only=request.args.get("free") == "1",
        done_only=request.args.get("done") == "1")


@bp.route("/catalogue/")
@authz.signed_in
def index():
    filters = _filters()

    def render():
        found = queries.search(db.session, filters, user_id=current_user.id,
                               page=request.args.get("page", 1, type=positive_int))
        args = {k: v for k, v in request.args.items() if k != "page" and v}
        # Nothing on it depends on the time: remembered (per search) until anything is written.
        return render_template("catalogue/index.html", found=found, filters=filters, args=args,
                               roles=dss_role_labels(), done_form=DoneForm(formdata=None), undo_form=ActionForm(),
                               consequences=queries.unmark_consequences(db.session, current_user.id,
                                                                        list(found.done))), None
    return remembered_page(db.session, utcnow(), render)


def _course(course_id: int) -> CatalogueCourse:
    course = db.session.get(CatalogueCourse, course_id)
    authz.ensure(course is not None)
    return course


def _back() -> str:
    """Back to the list the button was on (a path of this site only)."""
    return same_site_path(request.form.get("next")) or url_for("catalogue.index")


@bp.route("/catalogue/<int:course_id>/done", methods=["POST"])
@authz.signed_in
def mark_done(course_id: int):
    course = _course(course_id)
    form = DoneForm()
    if not form.validate_on_submit():
        for message in form.note.errors or [_("The form has expired; try again.")]:
            flash(message, "error")
        return redirect(_back())
    services.mark_done(db.session, user=current_user, course=course, note=form.note.data or "")
    flash(_("Marked “%(title)s” as done.", title=course.title), "success")
    return redirect(_back())


@bp.route("/catalogue/<int:course_id>/undone", methods=["POST"])
@authz.signed_in
def unmark_done(course_id: int):
    course = _course(course_id)
    if ActionForm().validate_on_submit():
        services.unmark_done(db.session, user=current_user, course=course)
        flash(_("“%(title)s” is no longer marked as done.", title=course.title), "success")
    return redirect(_back())


# -- organizers ------------------------------------------------------------------------------------------

def _render_manage(form=None, plan=None, data=None, notice=None, status=200):
    confirm_form = None
    if plan is not None and not plan.has_errors:
        confirm_form = ConfirmImportForm(formdata=None, content=previews.pack(data), token=previews.sign(
            current_app.secret_key, PREVIEW_SALT, {"hash": plan.content_hash, "plan": plan.fingerprint}))
    courses = db.session.execute(select(CatalogueCourse.id, CatalogueCourse.title, CatalogueCourse.provider,
                                        CatalogueCourse.url, CatalogueCourse.last_checked_on)
                                 .order_by(CatalogueCourse.title)).all()
    return render_template("catalogue/manage.html", form=form or ImportForm(), plan=plan, confirm_form=confirm_form,
                           notice=notice, courses=courses, problems=row_problems(), Outcome=services.Outcome,
                           delete_form=ActionForm()), status


@bp.route("/manage/catalogue/", methods=["GET", "POST"])
@authz.roles(*STAFF)
def manage():
    """The catalogue's courses, and the upload of a CSV file previewed row by row (writes nothing)."""
    form = ImportForm()
    if request.method == "GET":
        return _render_manage()
    if not form.validate_on_submit():
        return _render_manage(form=form, status=422)
    data = form.courses.data.stream.read(services.MAX_BYTES + 1)
    try:
        plan = services.plan_import(db.session, data)
    except services.UnreadableFile as e:
        form.courses.errors = [FILE_PROBLEMS[e.code](e)]
        return _render_manage(form=form, status=422)
    return _render_manage(plan=plan, data=data, status=422 if plan.has_errors else 200)


@bp.route("/manage/catalogue/confirm", methods=["POST"])
@authz.roles(*STAFF)
def confirm_import():
    """Import the previewed file: every row or none."""
    form = ConfirmImportForm()
    data = previews.unpack(form.content.data or "", services.MAX_BYTES) if form.validate_on_submit() else None
    token = previews.verified(current_app.secret_key, PREVIEW_SALT, form.token.data or "")
    if data is None or token is None or token.get("hash") != previews.content_hash(data):
        return _render_manage(notice=_("This is not the file that was previewed, so nothing was imported. "
                                       "Upload the file again to see what will happen."), status=409)
    plan = services.plan_import(db.session, data)
    if plan.fingerprint != token.get("plan"):
        return _render_manage(plan=plan, data=data, status=409, notice=_(
            "The catalogue changed since the preview, so nothing was imported yet. Check the rows below again."))
    changed = services.apply_import(db.session, plan, current_user)
    if changed:
        flash(_("%(n)d course(s) added or updated.", n=changed), "success")
    else:
        flash(_("Nothing changed: every course in the file was already in the catalogue as it is."), "info")
    return redirect(url_for("catalogue.manage"))


@bp.route("/manage/catalogue/<int:course_id>/delete", methods=["GET", "POST"])
@authz.roles(*STAFF)
def delete(course_id: int):
    """A confirmation page, then the deletion (learners' marks of the course go with it). Only the
    confirmation page's button (its `confirm` field) deletes."""
    course = _course(course_id)
    form = ActionForm()
    if request.method == "POST" and form.validate_on_submit() and request.form.get("confirm") == "yes":
        title = course.title
        services.delete_course(db.session, course, current_user)
        flash(_("“%(title)s” was removed from the catalogue.", title=title), "success")
        return redirect(url_for("catalogue.manage"))
    return render_template("catalogue/delete.html", course=course, form=form)
