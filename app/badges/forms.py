from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


class VerifyForm(FlaskForm):
    file = FileField(_l("Badge image or credential file"),
                     validators=[FileRequired(_l("Choose a baked badge image (PNG or SVG) or a credential file (JSON)."))])
    submit = SubmitField(_l("Check"))


class WalletSettingsForm(FlaskForm):
    display_name = StringField(_l("Name shown on the public page"), validators=[
        DataRequired(_l("Enter the name to show.")), Length(max=100, message=_l("Use at most 100 characters."))])
    evidence_public = BooleanField(_l("Show my accepted work on the public page"))
    submit = SubmitField(_l("Save"))


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Reason for revoking"), validators=[
        DataRequired(_l("Give the reason for revoking; it is shown to anyone who checks the badge.")),
        Length(max=1000, message=_l("Use at most 1000 characters."))])
    submit = SubmitField(_l("Revoke badge"))


class ApproveCohortForm(FlaskForm):
    narrative = TextAreaField(_l("Narrative added to every badge (optional)"),
                              validators=[Length(max=2000, message=_l("Use at most 2000 characters."))])
    submit = SubmitField(_l("Issue all waiting badges of this cohort"))
