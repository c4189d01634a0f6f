from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, HiddenField, IntegerField, SelectField, SelectMultipleField,
                     TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.forms import plausible_date
from app.deadlines.models import MAX_EXTRA_DAYS

REASON_LIMIT = 2000


def _reason(label, missing):
    return TextAreaField(label, render_kw={"rows": 3}, validators=[DataRequired(missing), Length(
        max=REASON_LIMIT, message=_l("Use at most %(max)d characters.", max=REASON_LIMIT))])


def _note(label, validators=()):
    return TextAreaField(label, render_kw={"rows": 3}, validators=[*validators, Length(
        max=REASON_LIMIT, message=_l("Use at most %(max)d characters.", max=REASON_LIMIT))])


def _new_date():
    return DateField(_l("New due date"), validators=[InputRequired(_l("Enter the new due date.")), plausible_date])


class ExtensionRequestForm(FlaskForm):
    reason = _reason(_l("Why do you need more time?"), _l("Write why you need more time."))


class ExtensionApproveForm(FlaskForm):
    due_on = _new_date()
    note = _note(_l("Note to the learner (optional)"), [Optional()])


class ExtensionDeclineForm(FlaskForm):
    note = _note(_l("Why the request is declined"), [DataRequired(_l("Write why the request is declined."))])


class ExtensionGrantForm(FlaskForm):
    # Choices: the cohort's learners and its exercises with a due date (set by the view).
    user_id = SelectField(_l("Learner"), coerce=int, validators=[InputRequired(_l("Choose a learner."))])
    exercise_id = SelectField(_l("Exercise"), coerce=int, validators=[InputRequired(_l("Choose an exercise."))])
    due_on = _new_date()
    reason = _reason(_l("Reason"), _l("Write the reason for the extension."))


class MentorsDecideForm(FlaskForm):
    allowed = BooleanField(_l("Mentors of this cohort may approve or decline extension requests"))


class AccommodationForm(FlaskForm):
    extra_days = IntegerField(_l("Extra days on every due date"), validators=[
        Optional(), NumberRange(min=0, max=MAX_EXTRA_DAYS,
                                message=_l("Enter a number of days from 0 to %(max)d.", max=MAX_EXTRA_DAYS))])
    reason = _note(_l("Reason"))


class BulkExtensionForm(FlaskForm):
    # Choices set by the view: cohorts that are not archived, their exercises with a due date, places.
    cohort_ids = SelectMultipleField(_l("Cohorts"), coerce=int, widget=ListWidget(prefix_label=False),
                                     option_widget=CheckboxInput(),
                                     validators=[DataRequired(_l("Choose at least one cohort."))])
    exercise_ids = SelectMultipleField(_l("Exercises (none chosen: all of them)"), coerce=int,
                                       widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    place_ids = SelectMultipleField(_l("Municipalities or subprefectures (none chosen: everyone)"), coerce=int,
                                    render_kw={"size": 12})
    new_due_on = DateField(_l("New due date"), validators=[Optional(), plausible_date])
    extra_days = IntegerField(_l("Or add this many days"), validators=[
        Optional(), NumberRange(min=1, max=MAX_EXTRA_DAYS,
                                message=_l("Enter a number of days from 1 to %(max)d.", max=MAX_EXTRA_DAYS))])
    reason = _reason(_l("Reason"), _l("Write the reason for the extension."))
    digest = HiddenField()
