from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, ValidationError

from app.cohorts.models import Cohort
from app.cohorts.participants import MAX_ROWS
from app.content.models import ModuleVersion
from app.core.forms import fits, plausible_date


class CohortFormBase(FlaskForm):
    name = StringField(_l("Cohort name"), validators=[
        DataRequired(_l("Enter a name for the cohort.")), fits(Cohort.name)])
    starts_on = DateField(_l("Start date"), validators=[InputRequired(_l("Enter the start date.")), plausible_date])
    ends_on = DateField(_l("End date"), validators=[InputRequired(_l("Enter the end date.")), plausible_date])
    badges_need_approval = BooleanField(_l("Badges wait for the programme office's approval before they are issued"))
    submit = SubmitField(_l("Create cohort"))

    due_fields: list[tuple[int, str]]


def cohort_form_for(module_version: ModuleVersion, locale: str, **kwargs) -> CohortFormBase:
    """The cohort form with one due-date field per exercise of the chosen module version."""

    class CohortForm(CohortFormBase):
        pass

    fields = []
    for exercise in module_version.exercises:
        name = f"due_{exercise.id}"
        setattr(CohortForm, name, DateField(
            _l("Due date: %(title)s", title=exercise.title(locale)),
            validators=[InputRequired(_l("Enter a due date for this exercise.")), plausible_date]))
        fields.append((exercise.id, name))
    form = CohortForm(**kwargs)
    form.due_fields = fields
    return form


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
