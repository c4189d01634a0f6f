"""Learning paths: learners see the list and their map of each path; organizers create, edit and reorder
paths and see the level badges a path issued (flagged ones first)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user

from app.auth.models import Role
from app.content.levels import talent_levels
from app.content.services import current_module_versions
from app.core import authz
from app.core.templating import current_locale
from app.core.timeutil import utcnow
from app.extensions import db
from app.paths import awarding, queries, services
from app.paths.forms import EMPTY_STEP_ROWS, PathForm
from app.paths.models import LearningPath

bp = Blueprint("paths", __name__, template_folder="templates")

STAFF = (Role.ORGANIZER, Role.ADMIN)


@bp.route("/paths/")
@authz.signed_in
def index():
    paths = queries.all_paths(db.session)
    return render_template("paths/index.html", maps=queries.path_maps(db.session, paths, current_user.id),
                           levels=talent_levels())


@bp.route("/paths/<int:path_id>")
@authz.signed_in
def show(path_id: int):
    path = queries.path_or_none(db.session, path_id)
    authz.ensure(path is not None)
    return render_template("paths/show.html", map=queries.path_maps(db.session, [path], current_user.id)[0],
                           level=talent_levels().level(path.talent_level))


# -- organizers ----------------------------------------------------------------------------------------------

def problem_message(e: services.PathInvalid) -> str:
    return {
        "no_steps": lambda: _("Add at least one step: a module or a catalogue course."),
        "no_required_step": lambda: _("Mark at least one step as required: the level badge is issued when "
                                      "every required step is done."),
        "too_many_steps": lambda: _("A path can have at most %(n)d steps.", n=services.MAX_STEPS),
        "duplicate_step": lambda: _("Step %(n)d repeats an earlier step: each module or course can be in a "
                                    "path only once.", n=e.step),
        "unknown_step": lambda: _("Step %(n)d is not a module or catalogue course that exists; choose it "
                                  "again.", n=e.step),
        "unknown_level": lambda: _("Choose the talent level the path leads to (1, 2 or 3)."),
        "self_reported_not_accepted": lambda: _(
            "Step %(n)d is a catalogue course, which learners can only report themselves, but this path does "
            "not accept self-reported steps. Make the step optional, or let the path accept them.", n=e.step),
    }[e.code]()


def _choices(form: PathForm, path: LearningPath | None) -> None:
    levels, locale = talent_levels(), current_locale()
    form.talent_level.choices = [("", _("Choose…"))] + [
        (str(n), levels.level(n).name.en if locale == "en" else levels.level(n).name.ja) for n in services.PATH_LEVELS]
    modules = {v.module_id: v.title(locale) for v in current_module_versions(db.session)}
    for step in (path.steps if path else []):  # a retired module stays choosable in the path that has it
        if step.module_id and step.module_id not in modules:
            modules[step.module_id] = step.module.slug
    step_choices = [("", _("— no step —"))]
    step_choices += [(f"module-{i}", _("Module: %(title)s", title=t)) for i, t in modules.items()]
    step_choices += [(f"course-{c.id}", _("Catalogue course: %(title)s", title=c.title))
                     for c in queries.course_choices(db.session)]
    for entry in form.steps:
        entry.item.choices = step_choices


def _step_specs(form: PathForm) -> list[services.StepSpec]:
    """The rows with a step chosen, sorted by the order typed (a blank or unreadable order keeps the row's
    place after the numbered ones)."""
    rows = []
    for index, entry in enumerate(form.steps):
        item = (entry.item.data or "").strip()
        if not item:
            continue
        kind, _sep, number = item.partition("-")
        spec_id = int(number) if number.isdigit() and len(number) < 10 else None
        spec = services.StepSpec(spec_id if kind == "module" else None, spec_id if kind == "course" else None,
                                 bool(entry.required.data))
        if spec_id is None or kind not in ("module", "course"):
            spec = services.StepSpec(None, None, spec.is_required)  # refused as unknown_step
        order = (entry.position.data or "").strip()
        rows.append(((int(order) if order.isdigit() else 10_000 + index), index, spec))
    return [spec for _order, _index, spec in sorted(rows, key=lambda r: r[:2])]


def _fields(form: PathForm) -> services.PathFields:
    level = form.talent_level.data or ""
    return services.PathFields(
        form.name_ja.data or "", form.name_en.data or "", form.description_ja.data or "",
        form.description_en.data or "", int(level) if level.isdigit() and len(level) < 3 else -1,
        bool(form.accepts_self_reported.data), bool(form.revokes_level_badges.data))


def _edit(path: LearningPath | None):
    form = PathForm(obj=path) if request.method == "GET" and path else PathForm()
    if request.method == "GET":
        if path:
            form.talent_level.data = str(path.talent_level)
            while len(form.steps) > 0:
                form.steps.pop_entry()
            for number, step in enumerate(path.steps, start=1):
                form.steps.append_entry({"item": f"module-{step.module_id}" if step.module_id
                                         else f"course-{step.course_id}",
                                         "required": step.is_required, "position": str(number)})
            for _n in range(EMPTY_STEP_ROWS):
                form.steps.append_entry()
    _choices(form, path)
    problem, status = None, 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                saved = services.save_path(db.session, path, _fields(form), _step_specs(form), actor=current_user,
                                           now=utcnow())
            except services.PathInvalid as e:
                problem, status = problem_message(e), 422
            else:
                awaiting = awarding.award_on_save(db.session, [saved], actor=current_user)
                flash(_("The path “%(name)s” was saved.", name=saved.name(current_locale())), "success")
                if awaiting:
                    flash(ngettext("%(num)d learner who already holds every required step is being awarded the "
                                   "path's level badge.",
                                   "%(num)d learners who already hold every required step are being awarded the "
                                   "path's level badge.", awaiting), "success")
                return redirect(url_for("paths.manage"))
        else:
            status = 422
            if not form.errors.keys() - {"steps"}:  # only a step row's own check failed
                problem = _("Each step's order must be a number such as 1, 2 or 3.")
    return render_template("paths/edit.html", form=form, path=path, problem=problem), status


@bp.route("/manage/paths/")
@authz.roles(*STAFF)
def manage():
    return render_template("paths/manage.html", paths=queries.all_paths(db.session),
                           flagged=queries.flagged_counts(db.session))


@bp.route("/manage/paths/new", methods=["GET", "POST"])
@authz.roles(*STAFF)
def create():
    return _edit(None)


@bp.route("/manage/paths/<int:path_id>/edit", methods=["GET", "POST"])
@authz.roles(*STAFF)
def edit(path_id: int):
    path = queries.path_or_none(db.session, path_id)
    authz.ensure(path is not None)
    return _edit(path)


@bp.route("/manage/paths/<int:path_id>/badges")
@authz.roles(*STAFF)
def awards(path_id: int):
    path = queries.path_or_none(db.session, path_id)
    authz.ensure(path is not None)
    return render_template("paths/awards.html", path=path, awards=queries.awards_to_manage(db.session, path_id))
