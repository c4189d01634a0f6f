
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin import queries
from app.admin.forms import KIND_LABELS, ROLE_LABELS, EditUserForm, NewUserForm, OrganizationForm
from app.auth import services as accounts
from app.auth.invitations import send_invitation
from app.auth.models import Role, User
from app.core import authz
from app.core.forms import select_choices
from app.core.inputs import positive_int
from app.core.templating import ActionForm, current_locale
from app.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")

PAGE_SIZE = 50


def _organization_choices(blank_label: str):
    return select_choices([("", blank_label)] + accounts.organization_choices(db.session, current_locale()))


@bp.route("/users")
@authz.roles(Role.ADMIN)
def users():
    q = (request.args.get("q") or "").strip()
    role = request.args.get("role") if request.args.get("role") in set(Role) else None
    page = request.args.get("page", 1, type=positive_int)
    people = queries.find_users(db.session, text=q, role=Role(role) if role else None,
                                offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE + 1)
    return render_template("admin/users.html", users=people[:PAGE_SIZE], has_next=len(people) > PAGE_SIZE,
                           page=page, q=q, role=role, role_labels=ROLE_LABELS)


@bp.route("/users/new", methods=["GET", "POST"])
@authz.roles(Role.ADMIN)
def new_user():
    form = NewUserForm()
    form.organization_id.choices = _organization_choices(_("(none)"))
    if form.validate_on_submit():
        try:
            user = accounts.create_user(db.session, email=form.email.data, display_name=form.display_name.data,
                                        role=form.role.data, organization_id=form.organization_id.data,
                                        actor=current_user)
        except accounts.EmailTaken:
            db.session.rollback()
            form.email.errors = [_("An account with this email address already exists.")]
        else:
            link = send_invitation(db.session, user)
            flash(_("The account was created and an invitation was sent to %(email)s.", email=user.email), "success")
            return render_template("admin/invitation_sent.html", user=user, link=link)
    return render_template("admin/user_form.html", form=form, user=None), (422 if form.errors else 200)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@authz.roles(Role.ADMIN)
def edit_user(user_id: int):
    user = db.session.get(User, user_id)
    authz.ensure(user is not None)
    form = EditUserForm(obj=user) if request.method == "GET" else EditUserForm()
    if request.method == "GET":
        form.is_active.data = user.is_active_account
    form.organization_id.choices = _organization_choices(_("(none)"))
    if form.validate_on_submit():
        if user.id == current_user.id and (form.role.data != Role.ADMIN or not form.is_active.data):
            form.role.errors = [_("You cannot remove your own administrator rights or deactivate yourself.")]
        else:
            accounts.update_user(db.session, user, display_name=form.display_name.data, role=form.role.data,
                                 organization_id=form.organization_id.data, is_active=form.is_active.data,
                                 actor=current_user)
            flash(_("Saved."), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user), (422 if form.errors else 200)


@bp.route("/users/<int:user_id>/invitation", methods=["POST"])
@authz.roles(Role.ADMIN)
def resend_invitation(user_id: int):
    user = db.session.get(User, user_id)
    authz.ensure(user is not None)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("admin.edit_user", user_id=user.id))
    link = send_invitation(db.session, user)
    return render_template("admin/invitation_sent.html", user=user, link=link)


@bp.route("/users/<int:user_id>/sign-out", methods=["POST"])
@authz.roles(Role.ADMIN)
def sign_out_everywhere(user_id: int):
    user = db.session.get(User, user_id)
    authz.ensure(user is not None)
    if ActionForm().validate_on_submit():
        accounts.sign_out_everywhere(db.session, user, actor=current_user)
        flash(_("%(name)s is signed out on every device.", name=user.display_name), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/organizations", methods=["GET", "POST"])
@authz.roles(Role.ADMIN)
def organizations():
    form = OrganizationForm()
    form.parent_id.choices = _organization_choices(_("(none)"))
    if form.validate_on_submit():
        accounts.create_organization(db.session, name_ja=form.name_ja.data, name_en=form.name_en.data,
                                     kind=form.kind.data, parent_id=form.parent_id.data, actor=current_user)
        flash(_("The organization was added."), "success")
        return redirect(url_for("admin.organizations"))
    orgs = accounts.organizations_in_order(db.session)
    by_parent: dict = {}
    for org in orgs:
        by_parent.setdefault(org.parent_id, []).append(org)
    return render_template("admin/organizations.html", form=form, top=by_parent.get(None, []), by_parent=by_parent,
                           kind_labels=KIND_LABELS), (422 if form.errors else 200)
