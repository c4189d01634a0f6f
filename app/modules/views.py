"""Organizers' view of the modules: versions, the cohorts using each, what changed between two versions
and the mentor packs. A page package: it composes content and cohorts, which sit below it."""

from flask import Blueprint, render_template, request
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.auth.models import Role
from app.cohorts.models import Cohort
from app.content.diff import compare_versions
from app.content.models import Exercise, Module, ModuleVersion
from app.core import authz
from app.core.inputs import positive_int
from app.extensions import db

bp = Blueprint("modules", __name__, url_prefix="/manage/modules", template_folder="templates")


@bp.route("/")
@authz.roles(Role.ORGANIZER, Role.ADMIN)
def index():
    modules = db.session.scalars(select(Module).options(selectinload(Module.versions)).order_by(Module.slug)).all()
    pinned = dict(db.session.execute(select(Cohort.module_version_id, func.count(Cohort.id))
                                     .group_by(Cohort.module_version_id)).all())
    return render_template("modules/index.html", modules=modules, pinned=pinned)


@bp.route("/<slug>/changes")
@authz.roles(Role.ORGANIZER, Role.ADMIN)
def changes(slug: str):
    module = db.session.scalar(select(Module).where(Module.slug == slug))
    authz.ensure(module is not None and len(module.versions) > 0)
    numbers = [v.number for v in module.versions]
    to_number = request.args.get("to", numbers[-1], type=positive_int)
    from_number = request.args.get("from", max(to_number - 1, numbers[0]), type=positive_int)
    versions = db.session.scalars(
        select(ModuleVersion).where(ModuleVersion.module_id == module.id,
                                    ModuleVersion.number.in_([from_number, to_number]))
        .options(selectinload(ModuleVersion.exercises).undefer_group(Exercise.TEXTS),
                 selectinload(ModuleVersion.exercises).selectinload(Exercise.criteria),
                 selectinload(ModuleVersion.exercises).selectinload(Exercise.questions),
                 selectinload(ModuleVersion.exercises).selectinload(Exercise.materials))).all()
    by_number = {v.number: v for v in versions}
    authz.ensure(from_number in by_number and to_number in by_number)
    old, new = by_number[from_number], by_number[to_number]
    return render_template("modules/changes.html", module=module, old=old, new=new, numbers=numbers,
                           changes=compare_versions(old, new))


@bp.route("/<slug>/mentor-packs")
@authz.roles(Role.ORGANIZER, Role.ADMIN)
def mentor_packs(slug: str):
    version = db.session.scalar(
        select(ModuleVersion).join(Module).where(Module.slug == slug).order_by(ModuleVersion.number.desc())
        .limit(1).options(selectinload(ModuleVersion.exercises).undefer_group(Exercise.TEXTS)))
    authz.ensure(version is not None)
    return render_template("modules/mentor_packs.html", version=version)
