"""The organizer's page of a cohort's groups (班): create, rename, delete, place learners, group mentors."""

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.models import Role
from app.cohorts.forms import ARCHIVED_MESSAGE
from app.cohorts.lifecycle import CohortArchived
from app.cohorts.models import Cohort
from app.core import authz
from app.core.inputs import positive_int
from app.core.templating import ActionForm, ConfirmForm
from app.extensions import db
from app.groups import queries, services
from app.groups.forms import GroupMentorsForm, GroupNameForm
from app.groups.models import CohortGroup

bp = Blueprint("groups", __name__, url_prefix="/manage/cohorts", template_folder="templates")

ORGANIZERS = (Role.ORGANIZER, Role.ADMIN)


def _refusal_message(code: str) -> str:
    return {
        "empty_name": _("Enter a name for the group."),
        "name_too_long": _("The group name is too long."),
        "duplicate_name": _("This cohort already has a group with that name."),
        "has_work": _("This group has submitted work, so it cannot be deleted. You can rename it instead."),
        "unknown_group": _("That group is not part of this cohort. Reload the page and try again."),
        "unknown_learner": _("That learner is not part of this cohort. Reload the page and try again."),
        "unknown_mentor": _("Only mentors of this cohort can look after its groups."),
    }[code]


def _cohort_or_404(cohort_id: int) -> Cohort:
    cohort = db.session.get(Cohort, cohort_id)
    authz.ensure(cohort is not None)
    return cohort


def _group_or_404(cohort_id: int, group_id: int) -> CohortGroup:
    group = db.session.get(CohortGroup, group_id)
    authz.ensure(group is not None and group.cohort_id == cohort_id)
    return group


def _back(cohort_id: int) -> Response:
    return redirect(url_for("groups.index", cohort_id=cohort_id))


def _refused(cohort_id: int, message: str) -> Response:
    """Back to the groups page with the reason; nothing was changed."""
    db.session.rollback()
    flash(message, "error")
    return _back(cohort_id)


def _run(cohort_id: int, change) -> Response | None:
    """Call `change`; a refusal becomes the page's message (None when it went through)."""
    try:
        change()
    except services.GroupRefused as refusal:
        return _refused(cohort_id, _refusal_message(refusal.code))
    except CohortArchived:
        return _refused(cohort_id, str(ARCHIVED_MESSAGE))
    return None


def _first_error(form) -> str:
    return next(iter(form.errors.values()))[0] if form.errors else _("The form expired. Please try again.")


@bp.route("/<int:cohort_id>/groups")
@authz.roles(*ORGANIZERS)
def index(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    page = queries.groups_page(db.session, cohort)
    mentor_forms = {}
    for group in page.groups:
        form = GroupMentorsForm(prefix=f"g{group.id}")
        form.mentor_ids.choices = [(m.id, m.display_name) for m in page.mentors]
        form.mentor_ids.data = [m.mentor_assignment.user_id for m in group.mentors]
        mentor_forms[group.id] = form
    return render_template("groups/index.html", cohort=cohort, page=page, name_form=GroupNameForm(),
                           mentor_forms=mentor_forms, archived=cohort.status.value == "archived")


@bp.route("/<int:cohort_id>/groups/new", methods=["POST"])
@authz.roles(*ORGANIZERS)
def create(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    form = GroupNameForm()
    if not form.validate_on_submit():
        return _refused(cohort_id, _first_error(form))
    refused = _run(cohort_id, lambda: services.create_group(db.session, cohort, form.name.data, current_user))
    if refused:
        return refused
    flash(_("The group %(name)s was created.", name=form.name.data.strip()), "success")
    return _back(cohort_id)


@bp.route("/<int:cohort_id>/groups/<int:group_id>/rename", methods=["POST"])
@authz.roles(*ORGANIZERS)
def rename(cohort_id: int, group_id: int):
    group = _group_or_404(cohort_id, group_id)
    form = GroupNameForm()
    if not form.validate_on_submit():
        return _refused(cohort_id, _first_error(form))
    refused = _run(cohort_id, lambda: services.rename_group(db.session, group, form.name.data, current_user))
    if refused:
        return refused
    flash(_("The group was renamed to %(name)s.", name=group.name), "success")
    return _back(cohort_id)


@bp.route("/<int:cohort_id>/groups/<int:group_id>/delete", methods=["GET", "POST"])
@authz.roles(*ORGANIZERS)
def delete(cohort_id: int, group_id: int):
    """A confirmation page (danger_zone), then the deletion."""
    group = _group_or_404(cohort_id, group_id)
    form = ConfirmForm()
    if not form.is_confirmed:
        return render_template("groups/delete.html", group=group, cohort=group.cohort, form=form)
    name = group.name
    refused = _run(cohort_id, lambda: services.delete_group(db.session, group, current_user))
    if refused:
        return refused
    flash(_("The group %(name)s was deleted; its learners are now in no group.", name=name), "info")
    return _back(cohort_id)


@bp.route("/<int:cohort_id>/groups/<int:group_id>/mentors", methods=["POST"])
@authz.roles(*ORGANIZERS)
def mentors(cohort_id: int, group_id: int):
    group = _group_or_404(cohort_id, group_id)
    form = GroupMentorsForm(prefix=f"g{group.id}")
    # Any id is taken here: the service refuses users who are not mentors of the cohort, with its message.
    form.mentor_ids.choices = [(value, "") for value in request.form.getlist(f"g{group.id}-mentor_ids",
                                                                              type=positive_int)]
    if not form.validate_on_submit():
        return _refused(cohort_id, _first_error(form))
    refused = _run(cohort_id, lambda: services.set_group_mentors(db.session, group, set(form.mentor_ids.data or ()),
                                                                 current_user))
    if refused:
        return refused
    flash(_("The mentors of %(name)s were saved.", name=group.name), "success")
    return _back(cohort_id)


@bp.route("/<int:cohort_id>/groups/placements", methods=["POST"])
@authz.roles(*ORGANIZERS)
def place(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    if not ActionForm().validate_on_submit():
        return _refused(cohort_id, _("The form expired. Please try again."))
    placements: dict[int, int | None] = {}
    for key, value in request.form.items():
        if not key.startswith("group_"):
            continue
        try:
            placements[positive_int(key.removeprefix("group_"))] = positive_int(value) if value else None
        except ValueError:
            return _refused(cohort_id, _refusal_message("unknown_group"))
    changed = 0

    def change():
        nonlocal changed
        changed = services.place_learners(db.session, cohort, placements, current_user)
    refused = _run(cohort_id, change)
    if refused:
        return refused
    flash(_("%(n)d learner(s) changed group.", n=changed), "success")
    return _back(cohort_id)
