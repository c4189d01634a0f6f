from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.forms import fits
from app.groups.models import CohortGroup


class GroupNameForm(FlaskForm):
    name = StringField(_l("Group name"), validators=[DataRequired(_l("Enter a name for the group.")),
                                                     fits(CohortGroup.name)])


class GroupMentorsForm(FlaskForm):
    # Choices: the cohort's mentors (set by the view).
    mentor_ids = SelectMultipleField(_l("Group mentors"), coerce=int, widget=ListWidget(prefix_label=False),
                                     option_widget=CheckboxInput())
