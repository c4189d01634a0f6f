from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from app.cases.services import NOTE_LIMIT
from app.core.forms import select_choices

SHOW_NAME, HIDE_NAME, DECLINE = "show", "hide", "decline"


class NominateForm(FlaskForm):
    note = TextAreaField(_l("Why is this work exemplary?"), validators=[
        DataRequired(_l("Write a short note on what other learners can learn from this work.")),
        Length(max=NOTE_LIMIT, message=_l("The note is too long; the limit is %(max)d characters."))])
    submit = SubmitField(_l("Nominate as exemplary work"))


class ConsentForm(FlaskForm):
    choice = RadioField(_l("May other learners read this work in the case library?"), choices=select_choices([
        (SHOW_NAME, _l("Yes, with my name and municipality")),
        (HIDE_NAME, _l("Yes, without my name (shown as 「匿名」, anonymous)")),
        (DECLINE, _l("No, do not share it")),
    ]), validators=[InputRequired(_l("Choose one of the answers."))])
    submit = SubmitField(_l("Send my answer"))
