from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import URL, DataRequired, Email, Length

from app.badges.models import Credential, Issuer
from app.core.forms import fits
from app.core.templating import ConfirmForm


class VerifyForm(FlaskForm):
    file = FileField(_l("Badge image or credential file"),
                     validators=[FileRequired(_l("Choose a baked badge image (PNG or SVG) or a credential file (JSON)."))])
    submit = SubmitField(_l("Check"))


class WalletSettingsForm(FlaskForm):
    display_name = StringField(_l("Name shown on the public page"), validators=[
        DataRequired(_l("Enter the name to show.")), fits(Credential.display_name)])
    evidence_public = BooleanField(_l("Show my accepted work on the public page"))
    submit = SubmitField(_l("Save"))


class RevokeForm(ConfirmForm):
    reason = TextAreaField(_l("Reason for revoking"), validators=[
        DataRequired(_l("Give the reason for revoking; it is shown to anyone who checks the badge.")),
        Length(max=1000, message=_l("Use at most 1000 characters."))])
    submit = SubmitField(_l("Revoke badge"))


class ApproveCohortForm(FlaskForm):
    narrative = TextAreaField(_l("Narrative added to every badge (optional)"),
                              validators=[Length(max=2000, message=_l("Use at most 2000 characters."))])
    submit = SubmitField(_l("Issue all waiting badges of this cohort"))


class EvidenceConsentForm(FlaskForm):
    publishes_badge_evidence = BooleanField(
        _l("Link my accepted work from the badges issued to me from now on (anyone with the badge can read it)"))
    submit = SubmitField(_l("Save"))


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class IssuerForm(FlaskForm):
    organization_id = SelectField(_l("Issuing organization"), coerce=_optional_int)
    name_ja = StringField(_l("Name in Japanese"), validators=[
        DataRequired(_l("Enter the Japanese name.")), fits(Issuer.name_ja)])
    name_en = StringField(_l("Name in English"), validators=[
        DataRequired(_l("Enter the English name.")), fits(Issuer.name_en)])
    url = StringField(_l("Web site"), validators=[
        DataRequired(_l("Enter the organization's web site.")), fits(Issuer.url),
        URL(require_tld=False, message=_l("Enter a full address starting with https://."))])
    email = EmailField(_l("Contact email address"), filters=[lambda v: v.strip() if v else v], validators=[
        DataRequired(_l("Enter an email address.")), Email(_l("Enter a valid email address.")), fits(Issuer.email)])
    uses_did_key = BooleanField(_l("Identify the issuer by a did:key (badges verify fully offline; "
                                   "its key can never be replaced)"))
    submit = SubmitField(_l("Add issuer"))
