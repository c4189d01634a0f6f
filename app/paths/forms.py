from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.core.db import column_length
from app.paths.models import LearningPath

NAME_LIMIT = column_length(LearningPath.name_ja)
MAX_DESCRIPTION_CHARS = 2000
# Empty rows below a path's steps, for adding steps.
EMPTY_STEP_ROWS = 3


class StepForm(Form):
    """One row of the steps table (inside PathForm, which carries the CSRF token)."""
    # "module-<id>" or "course-<id>"; the service refuses what does not exist.
    item = SelectField(_l("Step"), validate_choice=False)
    required = BooleanField(_l("Required"))
    # The order the organizer types; rows are saved sorted by it.
    position = StringField(_l("Order"), validators=[Length(max=4)])


class PathForm(FlaskForm):
    name_ja = StringField(_l("Name (Japanese)"), validators=[
        DataRequired(_l("Enter the path's name in Japanese.")),
        Length(max=NAME_LIMIT, message=_l("The name is too long; the limit is %(max)d characters."))])
    name_en = StringField(_l("Name (English)"), validators=[
        DataRequired(_l("Enter the path's name in English.")),
        Length(max=NAME_LIMIT, message=_l("The name is too long; the limit is %(max)d characters."))])
    description_ja = TextAreaField(_l("Description (Japanese)"), validators=[
        Length(max=MAX_DESCRIPTION_CHARS, message=_l("The description is too long; the limit is %(max)d characters."))])
    description_en = TextAreaField(_l("Description (English)"), validators=[
        Length(max=MAX_DESCRIPTION_CHARS, message=_l("The description is too long; the limit is %(max)d characters."))])
    # Any posted value reaches the service, which refuses a level that does not exist.
    talent_level = SelectField(_l("Talent level it leads to"), validate_choice=False)
    accepts_self_reported = BooleanField(_l("Accept self-reported catalogue courses as steps"))
    revokes_level_badges = BooleanField(_l("Revoke level badges when a component is revoked"))
    steps = FieldList(FormField(StepForm), min_entries=EMPTY_STEP_ROWS)
    submit = SubmitField(_l("Save the path"))
