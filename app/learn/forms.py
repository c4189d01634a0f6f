from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import MultipleFileField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, ValidationError


class AnswerForm(FlaskForm):
    body = TextAreaField(_l("Your answer (Markdown)"),
                         validators=[DataRequired(_l("Write your answer before submitting."))])
    attachments = MultipleFileField(_l("Attach files"))
    preview = SubmitField(_l("Preview"))
    save_draft = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("Submit"))

    def validate_body(self, field):
        limit = current_app.config["MAX_ANSWER_CHARS"]
        if field.data and len(field.data) > limit:
            raise ValidationError(_l("The answer is %(count)d characters long; the limit is %(limit)d.",
                                     count=len(field.data), limit=limit))
