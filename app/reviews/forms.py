from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, HiddenField, IntegerField, RadioField, SelectField, SelectMultipleField,
                     SubmitField, TextAreaField)
from wtforms.widgets import CheckboxInput, ListWidget
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

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


def _with_criteria(base: type[FlaskForm], exercise: Exercise, locale: str) -> tuple[type, list[tuple[int, str]]]:
    """A subclass of `base` with one required radio group per rubric criterion, and (criterion id, field
    name) in the rubric's order."""

    class ScoresForm(base):
        pass

    fields = []
    for criterion in exercise.criteria:
        name = f"criterion_{criterion.id}"
        choices = select_choices((str(level.points), f"{level.points} — {level.descriptor(locale)}")
                                 for level in criterion.levels)
        setattr(ScoresForm, name, RadioField(
            criterion.title(locale), choices=choices,
            validators=[InputRequired(_l("Choose a level for this criterion."))]))
        fields.append((criterion.id, name))
    return ScoresForm, fields


def review_form_for(exercise: Exercise, locale: str, max_feedback_chars: int, **kwargs) -> ReviewFormBase:
    """A review form with one required radio group per rubric criterion, and feedback of at most
    `max_feedback_chars` (a draft is held to the same limit by the service)."""
    ReviewForm, fields = _with_criteria(ReviewFormBase, exercise, locale)
    # Made after the criteria so that errors are listed in the order of the page.
    ReviewForm.feedback = TextAreaField(
        _l("Feedback for the learner (Markdown)"),
        validators=[DataRequired(_l("Write feedback so the learner knows what to do next.")),
                    Length(max=max_feedback_chars, message=_(
                        "The feedback is too long; the limit is %(limit)d characters.", limit=max_feedback_chars))])
    form = ReviewForm(**kwargs)
    form.criterion_fields = fields
    return form


def scores_form_for(base: type[FlaskForm], exercise: Exercise, locale: str, **kwargs) -> FlaskForm:
    """`base` with a radio group per rubric criterion before its own fields (second reviews, calibration)."""
    form_class, fields = _with_criteria(base, exercise, locale)
    form = form_class(**kwargs)
    form.criterion_fields = fields
    return form


def chosen_points(form: FlaskForm) -> dict[int, int]:
    """Every criterion's chosen level of a validated scores form."""
    return {cid: int(form[name].data) for cid, name in form.criterion_fields}


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
                          render_kw={"rows": 2, "class": "textarea--grow"})
    paragraph = HiddenField(validators=[Optional()])
    # Not "body": the review page also has the discussion's box, and ids must differ.
    comment = TextAreaField(_l("Comment (Markdown)"), validators=[DataRequired(_l("Write the comment."))],
                            render_kw={"rows": 4, "class": "textarea--grow"})
    save_to_bank = BooleanField(_l("Save to the comment bank of this exercise"))
    bank_criterion = SelectField(_l("In the bank, for"), validate_choice=False)
    add = SubmitField(_l("Add comment"))


class DeleteCommentForm(FlaskForm):
    comment_id = HiddenField()


class MessageForm(FlaskForm):
    # Not "body": the learner's exercise page has the answer box of that name.
    message = TextAreaField(_l("Your message (Markdown)"),
                            validators=[DataRequired(_l("Write a message before sending it."))],
                            render_kw={"rows": 4, "class": "textarea--grow"})
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


class SecondReviewForm(FlaskForm):
    """A second mentor's scores on a moderated acceptance (criteria added by scores_form_for)."""
    feedback = TextAreaField(_l("Feedback for the learner if you disagree (Markdown)"))
    agree = SubmitField(_l("Agree: accept"))
    disagree = SubmitField(_l("Disagree: it needs revision"))


class ReleaseDecisionForm(FlaskForm):
    proposal_id = HiddenField(validators=[DataRequired()])
    note = TextAreaField(_l("Note for the mentor (when sending back)"), validators=[Length(max=2000)])
    release = SubmitField(_l("Release to the learner"))
    send_back = SubmitField(_l("Send back to the mentor"))


class SettleForm(FlaskForm):
    proposal_id = HiddenField(validators=[DataRequired()])
    accept = SubmitField(_l("Accept as the first mentor proposed"))
    return_for_revision = SubmitField(_l("Return with the second mentor's feedback"))


class ReviewChecksForm(FlaskForm):
    release_gate = BooleanField(_l("Hold the decisions of mentors new to this cohort until an organizer or "
                                   "lead mentor releases them"))
    release_gate_decisions = IntegerField(
        _l("Number of decisions held per new mentor (leave empty: until you mark them trusted)"),
        validators=[Optional(), NumberRange(min=1, max=1000, message=_l("Enter a number from 1 to 1000."))])
    moderation = BooleanField(_l("An acceptance needs a second mentor's agreement (moderation)"))
    lead_ids = SelectMultipleField(_l("Lead mentors"), coerce=int, widget=ListWidget(prefix_label=False),
                                   option_widget=CheckboxInput())
    trusted_ids = SelectMultipleField(_l("Trusted mentors (never held)"), coerce=int,
                                      widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    save = SubmitField(_l("Save review checks"))


class CalibrationForm(FlaskForm):
    """A mentor's scores of a calibration reference (criteria added by scores_form_for)."""
    reference_id = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Compare with the agreed scores"))


class ExemplarReferenceForm(FlaskForm):
    """Agreed scores of an exemplar as a calibration reference (criteria added by scores_form_for)."""
    exemplar = SelectField(_l("Exemplar of the mentor pack"), choices=select_choices([
        ("standard", _l("Exemplar answer (standard)")), ("ideal", _l("Exemplar answer (ideal)"))]))
    submit = SubmitField(_l("Save as calibration reference"))


class SubmissionReferenceForm(FlaskForm):
    """Agreed scores of a learner's answer as a calibration reference (criteria added by scores_form_for)."""
    consent = BooleanField(_l("The learner has agreed that their answer is used, without their name, to "
                              "calibrate mentors"))
    submit = SubmitField(_l("Save as calibration reference"))
