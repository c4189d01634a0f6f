from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length

from app.content.models import Exercise
from app.core.forms import select_choices


class ReviewFormBase(FlaskForm):
    version_id = HiddenField()
    save_draft = SubmitField(_l("Save draft"))
    accept = SubmitField(_l("Accept"))
    return_for_revision = SubmitField(_l("Return for revision"))
    # Only in the cohort's last revision round (issue 13, fairness): closes the exercise for good.
    not_passed = SubmitField(_l("Close as not passed"))
    # Renders the feedback without deciding (the page's script does it in place when it can).
    preview = SubmitField(_l("Preview feedback"))

    criterion_fields: list[tuple[int, str]]


def review_form_for(exercise: Exercise, locale: str, max_feedback_chars: int, **kwargs) -> ReviewFormBase:
    """A review form with one required radio group per rubric criterion, and feedback of at most
    `max_feedback_chars` (a draft is held to the same limit by the service)."""

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
        validators=[DataRequired(_l("Write feedback so the learner knows what to do next.")),
                    Length(max=max_feedback_chars, message=_(
                        "The feedback is too long; the limit is %(limit)d characters.", limit=max_feedback_chars))])
    form = ReviewForm(**kwargs)
    form.criterion_fields = fields
    return form


class ClaimForm(FlaskForm):
    """Claim button (CSRF only)."""


class ReleaseClaimForm(FlaskForm):
    # Where the button was: the review page, or an organizer's list of a cohort's claims.
    return_to = HiddenField(default="review", validators=[AnyOf(("review", "claims"))])


class AssignClaimForm(FlaskForm):
    mentor_id = SelectField(_l("Give to mentor"), coerce=int,
                            validators=[InputRequired(_l("Choose the mentor who should review it."))])


class DistributeForm(FlaskForm):
    """"Distribute by load" button on a cohort's claims page (CSRF only)."""
