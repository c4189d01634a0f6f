from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional as OptionalValue

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
    # The comment bank without the page's script: the chosen comment is appended to the feedback.
    bank_entry = SelectField(_l("Comment from the bank"), validate_choice=False)
    insert_bank = SubmitField(_l("Add to the feedback"))

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


def criterion_choices(exercise: Exercise, locale: str) -> list[tuple[str, str]]:
    """The bank's criterion choice: the whole exercise, or one of its rubric criteria (by slug)."""
    return [("", str(_l("The whole exercise")))] + [(c.slug, c.title(locale)) for c in exercise.criteria]


class CommentForm(FlaskForm):
    """A mentor's comment on a passage of the answer. The page's script fills the quote and the paragraph
    from a selection; without it the mentor pastes the passage."""
    # The version the mentor is reading: a comment never lands on a newer one they have not seen.
    version_id = HiddenField()
    quote = TextAreaField(_l("The passage you comment on (copy it from the answer)"),
                          validators=[DataRequired(_l("Quote the passage of the answer that the comment is about."))],
                          render_kw={"rows": 2})
    paragraph = HiddenField(validators=[OptionalValue()])
    # Not "body": the review page also has the discussion's box, and ids must differ.
    comment = TextAreaField(_l("Comment (Markdown)"), validators=[DataRequired(_l("Write the comment."))],
                            render_kw={"rows": 4})
    save_to_bank = BooleanField(_l("Save to the comment bank of this exercise"))
    bank_criterion = SelectField(_l("In the bank, for"), validate_choice=False)
    add = SubmitField(_l("Add comment"))


class DeleteCommentForm(FlaskForm):
    comment_id = HiddenField()


class MessageForm(FlaskForm):
    # Not "body": the learner's exercise page has the answer box of that name.
    message = TextAreaField(_l("Your message (Markdown)"),
                            validators=[DataRequired(_l("Write a message before sending it."))], render_kw={"rows": 4})
    send = SubmitField(_l("Send"))


class BankEntryForm(FlaskForm):
    """One entry of an exercise's comment bank as organizers curate it (no entry: a new one)."""
    entry_id = HiddenField()
    criterion = SelectField(_l("For"), validate_choice=False)
    body = TextAreaField(_l("Comment (Markdown)"))
    save = SubmitField(_l("Save"))
    delete = SubmitField(_l("Delete"))
    move_up = SubmitField(_l("Move up"))
    move_down = SubmitField(_l("Move down"))
