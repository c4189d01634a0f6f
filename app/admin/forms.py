from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email

from app.auth.models import Organization, OrganizationKind, Role, User
from app.core.forms import fits, select_choices

ROLE_LABELS = {
    Role.LEARNER: _l("Learner"),
    Role.MENTOR: _l("Mentor"),
    Role.ORGANIZER: _l("Organizer (programme office)"),
    Role.ADMIN: _l("Administrator"),
}

KIND_LABELS = {
    OrganizationKind.SUBPREFECTURE: _l("Subprefecture (振興局)"),
    OrganizationKind.MUNICIPALITY: _l("Municipality"),
    OrganizationKind.PREFECTURE_SECTION: _l("Prefectural office section"),
    OrganizationKind.COMPANY: _l("Company"),
    OrganizationKind.UNIVERSITY: _l("University"),
    OrganizationKind.OTHER: _l("Other"),
}


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class UserFormBase(FlaskForm):
    display_name = StringField(_l("Name"), validators=[
        DataRequired(_l("Enter the person's name.")), fits(User.display_name)])
    role = SelectField(_l("Role"), choices=select_choices(ROLE_LABELS.items()))
    organization_id = SelectField(_l("Organization"), coerce=_optional_int)


class NewUserForm(UserFormBase):
    email = EmailField(_l("Email address"), filters=[lambda v: v.strip() if v else v], validators=[
        DataRequired(_l("Enter an email address.")), Email(_l("Enter a valid email address.")),
        fits(User.email)])
    submit = SubmitField(_l("Create account and invitation"))


class EditUserForm(UserFormBase):
    is_active = BooleanField(_l("Account is active (can sign in)"))
    submit = SubmitField(_l("Save"))


class OrganizationForm(FlaskForm):
    name_ja = StringField(_l("Name in Japanese"), validators=[
        DataRequired(_l("Enter the Japanese name.")), fits(Organization.name_ja)])
    name_en = StringField(_l("Name in English"), validators=[
        DataRequired(_l("Enter the English name.")), fits(Organization.name_en)])
    kind = SelectField(_l("Kind"), choices=select_choices(
        (k, v) for k, v in KIND_LABELS.items()
        if k not in (OrganizationKind.SUBPREFECTURE, OrganizationKind.MUNICIPALITY)))
    parent_id = SelectField(_l("Part of (optional)"), coerce=_optional_int)
    submit = SubmitField(_l("Add organization"))
