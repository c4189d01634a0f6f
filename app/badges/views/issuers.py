"""Administrators: issuer profiles for organizations, and new signing keys."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth.models import Role
from app.auth.services import organization_choices
from app.badges.errors import IssuerExists, KeysCannotRotate
from app.badges.forms import IssuerForm
from app.badges.issuers import add_key, create_issuer
from app.badges.models import Issuer
from app.badges.views.blueprint import bp, issuer_or_404, settings
from app.core import authz
from app.core.forms import select_choices
from app.core.templating import ConfirmForm, current_locale
from app.core.timeutil import utcnow
from app.extensions import db


@bp.route("/admin/issuers", methods=["GET", "POST"])
@authz.roles(Role.ADMIN)
def issuers():
    # Only reads on GET: the default issuer and its key are made by `flask badges init` or the first badge.
    keys, urls, _issuer_defaults = settings()
    form = IssuerForm()
    form.organization_id.choices = select_choices(organization_choices(db.session, current_locale()))
    if form.validate_on_submit():
        try:
            create_issuer(db.session, organization_id=form.organization_id.data, name_ja=form.name_ja.data,
                          name_en=form.name_en.data, url=form.url.data, email=form.email.data, keys=keys,
                          actor=current_user, uses_did_key=form.uses_did_key.data)
        except IssuerExists:
            db.session.rollback()
            form.organization_id.errors = [_("This organization already has an issuer profile.")]
        else:
            flash(_("The issuer was added with its own signing key."), "success")
            return redirect(url_for("badges.issuers"))
    found = db.session.scalars(select(Issuer).order_by(Issuer.id)).all()
    return render_template("badges/issuers.html", issuers=found, form=form, urls=urls), (422 if form.errors else 200)


@bp.route("/admin/issuers/<int:issuer_id>/keys", methods=["POST"])
@authz.roles(Role.ADMIN)
def rotate_key(issuer_id: int):
    """The issuers page's button asks first (a confirmation page); only that page's form adds the key."""
    found = issuer_or_404(issuer_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("badges.issuers"))
    if not form.is_confirmed:
        return render_template("badges/rotate_key.html", issuer=found, form=form)
    try:
        add_key(db.session, found, settings()[0], now=utcnow())
    except KeysCannotRotate:
        db.session.rollback()
        flash(_("This issuer is identified by its did:key, so its key cannot be replaced."), "error")
    else:
        flash(_("A new signing key was added. Badges signed with earlier keys keep verifying."), "success")
    return redirect(url_for("badges.issuers"))

