from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, DateField, HiddenField, IntegerField, SelectField, StringField, SubmitField,
                     TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app.cohorts.models import Cohort
from app.cohorts.participants import MAX_ROWS
from app.content.models import Exercise, ModuleVersion
from app.core.forms import fits, plausible_date

DESCRIPTION_LIMIT = 2000

# Why a change to a cohort's learners was refused (lifecycle.CohortArchived, lifecycle.EnrolmentClosed).
ARCHIVED_MESSAGE = _l("This cohort is archived: it can no longer be changed.")
ENROLMENT_CLOSED_MESSAGE = _l("This cohort is closed: learners can no longer be enrolled.")


def _name_field():
    return StringField(_l("Cohort name"), validators=[
        DataRequired(_l("Enter a name for the cohort.")), fits(Cohort.name)])


def _start_field():
    return DateField(_l("Start date"), validators=[InputRequired(_l("Enter the start date.")), plausible_date])


class DetailsForm(FlaskForm):
    name = _name_field()
    description = TextAreaField(_l("Description (optional)"), render_kw={"rows": 4, "class": "textarea--short"}, validators=[Length(
        max=DESCRIPTION_LIMIT, message=_l("Use at most %(max)d characters.", max=DESCRIPTION_LIMIT))])
    starts_on = _start_field()
    ends_on = DateField(_l("End date"), validators=[InputRequired(_l("Enter the end date.")), plausible_date])
    submit = SubmitField(_l("Save changes"))


class ScheduleFormBase(FlaskForm):
    # "Fill in the suggested dates" only changes the form; nothing is saved.
    prefill = SubmitField(_l("Fill in the module's suggested dates"))
    # Sent by the button of the confirmation step (due dates before submitted work).
    confirm = SubmitField(_l("Move the due dates anyway"))
    submit = SubmitField(_l("Save schedule"))

    due_fields: list[tuple[Exercise, str]]


class CohortFormBase(ScheduleFormBase, DetailsForm):
    badges_need_approval = BooleanField(_l("Badges wait for the programme office's approval before they are issued"))
    submit = SubmitField(_l("Create cohort"))


def _with_due_fields(base: type[ScheduleFormBase], exercises: list[Exercise], locale: str,
                     **kwargs) -> ScheduleFormBase:
    """`base` with one due-date field per exercise; optional exercises may be left without one."""

    class Form(base):
        pass

    fields = []
    for exercise in exercises:
        name = f"due_{exercise.id}"
        if exercise.is_required:
            label = _l("Due date: %(title)s", title=exercise.title(locale))
            first = InputRequired(_l("Enter a due date for this exercise."))
        else:
            label = _l("Due date (optional exercise): %(title)s", title=exercise.title(locale))
            first = Optional()
        setattr(Form, name, DateField(label, validators=[first, plausible_date]))
        fields.append((exercise, name))
    form = Form(**kwargs)
    form.due_fields = fields
    return form


def cohort_form_for(module_version: ModuleVersion, locale: str, **kwargs) -> CohortFormBase:
    """The new-cohort form with one due-date field per exercise of the chosen module version."""
    return _with_due_fields(CohortFormBase, list(module_version.exercises), locale, **kwargs)


def schedule_form_for(exercises: list[Exercise], locale: str, **kwargs) -> ScheduleFormBase:
    """The schedule form of a cohort: a due date per exercise."""
    return _with_due_fields(ScheduleFormBase, exercises, locale, **kwargs)


class StatusForm(FlaskForm):
    # The state the organizer saw: if someone moved the cohort meanwhile, nothing happens.
    expected = HiddenField()
    submit = SubmitField(_l("Confirm"))


class CopyForm(FlaskForm):
    name = _name_field()
    starts_on = _start_field()
    submit = SubmitField(_l("Create the copy"))


class EnrolForm(FlaskForm):
    emails = TextAreaField(_l("Email addresses of learners, one per line"),
                           validators=[DataRequired(_l("Enter at least one email address."))])
    submit = SubmitField(_l("Enrol"))

    def validate_emails(self, field):
        # Each address becomes a query parameter; the databases allow only so many in one query.
        if len(field.data.splitlines()) > MAX_ROWS:
            raise ValidationError(_l("Enter at most %(n)d addresses at a time; for more, import a CSV file.",
                                     n=MAX_ROWS))


class MentorForm(FlaskForm):
    mentor_id = SelectField(_l("Mentor"), coerce=int,
                            validators=[InputRequired(_l("Choose a mentor."))])
    submit = SubmitField(_l("Assign mentor"))


class ImportForm(FlaskForm):
    participants = FileField(_l("Participants list (CSV)"),
                             validators=[FileRequired(_l("Choose the CSV file of participants."))])
    submit = SubmitField(_l("Import participants"))


class ConfirmImportForm(FlaskForm):
    """The previewed file travels back with the confirmation, with a signed hash binding it to the preview."""
    content = HiddenField(validators=[DataRequired()])
    token = HiddenField(validators=[DataRequired()])


class MoveForm(FlaskForm):
    # Any cohort id is accepted here: the move service says why a cohort is not possible.
    target_id = SelectField(_l("Move to cohort"), coerce=int, validate_choice=False,
                            validators=[InputRequired(_l("Choose the cohort to move the learner to."))])


# More learners than this in one cohort is a typing mistake.
MAX_CAPACITY = 10000


_CAPACITY_MESSAGE = _l("Enter a whole number from %(min)d to %(max)d, or leave it empty for no limit.", min=1,
                       max=MAX_CAPACITY)


class SelfEnrolmentForm(FlaskForm):
    is_enabled = BooleanField(_l("Learners can join with a code or link"))
    capacity = IntegerField(_l("Capacity (optional)"), invalid_value_message=_CAPACITY_MESSAGE,
                            validators=[Optional(), NumberRange(min=1, max=MAX_CAPACITY, message=_CAPACITY_MESSAGE)])
    has_waiting_list = BooleanField(_l("When the cohort is full, put further learners on a waiting list"))
    submit = SubmitField(_l("Save"))


class JoinCodeForm(FlaskForm):
    code = StringField(_l("Join code"), render_kw={"autocomplete": "off", "autocapitalize": "characters",
                                                   "spellcheck": "false"},
                       validators=[DataRequired(_l("Enter the join code you received."))])
    submit = SubmitField(_l("Continue"))


class JoinForm(FlaskForm):
    # The cohort the learner saw and confirms: a bare POST to the link enrols nobody.
    cohort_id = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Join this cohort"))


# Bounds of a cohort's review rules: a cohort runs for months, not years.
MAX_REVISION_ROUNDS_LIMIT = 20
REVIEW_TARGET_DAYS_LIMIT = 60


class ReviewRulesForm(FlaskForm):
    """How a cohort's work is reviewed (issue 13, fairness)."""
    conflict_of_interest = BooleanField(_l("Don't give mentors work from their own organization (municipality)"))
    blind_review = BooleanField(
        _l("Blind review: mentors see no learner name or municipality until the work is decided"))
    max_revision_rounds = IntegerField(_l("Revision rounds allowed (optional)"), validators=[
        Optional(), NumberRange(min=0, max=MAX_REVISION_ROUNDS_LIMIT, message=_l(
            "Enter a whole number from %(min)d to %(max)d, or leave it empty for no limit.",
            min=0, max=MAX_REVISION_ROUNDS_LIMIT))])
    review_target_working_days = IntegerField(_l("Review target (working days)"), validators=[
        InputRequired(_l("Enter the number of working days a review may take.")),
        NumberRange(min=1, max=REVIEW_TARGET_DAYS_LIMIT, message=_l(
            "Enter a whole number of working days from %(min)d to %(max)d.", min=1, max=REVIEW_TARGET_DAYS_LIMIT))])
    auto_assign = BooleanField(_l("Give new work at once to the mentor with the least open work"))
    submit = SubmitField(_l("Save review rules"))
