from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired

from app.content.models import Exercise
from app.core.forms import select_choices


class ReviewFormBase(FlaskForm):
    version_id = HiddenField()
    save_draft = SubmitField(_l("Save draft"))
    accept = SubmitField(_l("Accept"))
    return_for_revision = SubmitField(_l("Return for revision"))

    criterion_fields: list[tuple[int, str]]


def review_form_for(exercise: Exercise, locale: str, **kwargs) -> ReviewFormBase:
    """A review form with one required radio group per rubric criterion."""

    class ReviewForm(ReviewFormBase):
        pass

    fields = []
    for criterion in exercise.criteria:
        name = f"criterion_{criterion.id}"
        choices = select_choices((str(level.points), f"{level.points} — {level.descriptor(locale)}")
                                 for level in criterion.levels)
        setattr(ReviewForm, name, RadioField(
            criterion.title(locale), choices=choices,
            validators=[InputRequired(_l("Choose a level for this criterion."))]))
        fields.append((criterion.id, name))
    # Made after the criteria so that errors are listed in the order of the page.
    ReviewForm.feedback = TextAreaField(
        _l("Feedback for the learner (Markdown)"),
        validators=[DataRequired(_l("Write feedback so the learner knows what to do next."))])
    form = ReviewForm(**kwargs)
    form.criterion_fields = fields
    return form
