from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.catalogue.services import MAX_NOTE_CHARS


class ImportForm(FlaskForm):
    courses = FileField(_l("Courses (CSV)"), validators=[FileRequired(_l("Choose the CSV file of courses."))])
    submit = SubmitField(_l("Preview the import"))


class ConfirmImportForm(FlaskForm):
    """The previewed file travels back with the confirmation (app/core/previews.py)."""
    content = HiddenField(validators=[DataRequired()])
    token = HiddenField(validators=[DataRequired()])


class DoneForm(FlaskForm):
    note = TextAreaField(_l("Note (optional): what you took from it"),
                         validators=[Length(max=MAX_NOTE_CHARS, message=_l(
                             "The note is too long; the limit is %(max)d characters."))])
    submit = SubmitField(_l("Mark as done"))
