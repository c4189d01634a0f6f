from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField

from app.notifications.models import NotificationKind
from app.notifications.texts import KIND_LABELS


class MailSettingsFormBase(FlaskForm):
    submit = SubmitField(_l("Save"))

    kinds: tuple[NotificationKind, ...]


def mail_settings_form(kinds: tuple[NotificationKind, ...], mailed: set[NotificationKind], **kwargs) -> MailSettingsFormBase:
    """A checkbox per kind in `kinds`, ticked when that kind is mailed."""

    class MailSettingsForm(MailSettingsFormBase):
        pass

    for kind in kinds:
        setattr(MailSettingsForm, kind.value, BooleanField(KIND_LABELS[kind], default=kind in mailed))
    MailSettingsForm.kinds = kinds
    return MailSettingsForm(**kwargs)
