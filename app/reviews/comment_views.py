"""Comments around a review (issue 13): mentors' comments anchored to passages of the answer, the
exercise's comment bank that organizers curate, and the discussion between learner and mentors."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.models import Role
from app.cohorts.services import is_mentor_of
from app.content.models import Exercise
from app.core import authz
from app.core.inputs import positive_int
from app.core.templating import current_locale
from app.core.timeutil import utcnow
from app.extensions import db
from app.reviews import annotations, bank, discussion, queries
from app.reviews.forms import BankEntryForm, CommentForm, DeleteCommentForm, MessageForm, criterion_choices
from app.reviews.models import AnchoredComment
from app.submissions.services import can_view_submission

bp = Blueprint("comments", __name__, url_prefix="/review", template_folder="templates")

MENTORS = (Role.MENTOR, Role.ADMIN)
STAFF = (Role.ORGANIZER, Role.ADMIN)

_COMMENT_REFUSALS = {
    annotations.EmptyComment: lambda e: _("Write the comment."),
    annotations.QuoteRequired: lambda e: _("Quote the passage of the answer that the comment is about."),
    annotations.QuoteNotFound: lambda e: _("This passage is not in the learner's answer. Copy it exactly from "
                                           "the answer (at least a few words)."),
    annotations.CommentTooLong: lambda e: _("The comment is too long; the limit is %(limit)d characters.",
                                            limit=e.limit),
    annotations.VersionDecided: lambda e: _("This version has been decided or replaced since you opened the page, "
                                            "so comments can no longer be added to it or taken back."),
    annotations.NotYourComment: lambda e: _("Only the mentor who wrote a comment can take it back."),
}

_BANK_REFUSALS = {
    bank.EmptyBankComment: lambda e: _("Write the comment to keep in the bank."),
    bank.BankCommentTooLong: lambda e: _("The comment is too long; the limit is %(limit)d characters.",
                                         limit=e.limit),
    bank.UnknownCriterion: lambda e: _("Choose the whole exercise or one of its rubric criteria."),
    bank.NotInThisBank: lambda e: _("This comment is no longer in the bank of this exercise."),
}

_MESSAGE_REFUSALS = {
    discussion.EmptyMessage: lambda e: _("Write a message before sending it."),
    discussion.MessageTooLong: lambda e: _("The message is too long; the limit is %(limit)d characters.",
                                           limit=e.limit),
}


def _max_chars() -> int:
    return current_app.config["MAX_FEEDBACK_CHARS"]


def _reviewable(submission_id: int):
    """The submission, if the current user may review it (a mentor of its cohort or an administrator)."""
    submission = queries.submission_for_review(db.session, submission_id)
    authz.ensure(submission is not None and (current_user.role == Role.ADMIN or is_mentor_of(
        db.session, current_user, submission.enrolment.cohort_id)))
    return submission


def _block_index(value: str | None) -> int | None:
    """The paragraph the page's script sent (0, 1, ...); anything else means none."""
    value = value or ""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 6 else None


def _id(value: str | None) -> int | None:
    try:
        return positive_int(value or "")
    except ValueError:
        return None


def _review_page(submission, anchor: str):
    return redirect(url_for("reviews.review", submission_id=submission.id, _anchor=anchor))


@bp.route("/submissions/<int:submission_id>/comments", methods=["POST"])
@authz.roles(*MENTORS)
def add(submission_id: int):
    """Anchor a comment to a passage of the submission's latest version."""
    submission = _reviewable(submission_id)
    form = CommentForm()
    form.bank_criterion.choices = criterion_choices(submission.exercise, current_locale())
    refusal = None
    if form.validate_on_submit():
        version = submission.versions[-1]
        if form.version_id.data and form.version_id.data != str(version.id):
            refusal = _COMMENT_REFUSALS[annotations.VersionDecided](None)
            return render_template("reviews/comment_refused.html", submission=submission, form=form,
                                   refusal=refusal), 422
        paragraph = _block_index(form.paragraph.data)
        try:
            annotations.add_comment(db.session, version=version, mentor=current_user, quote=form.quote.data,
                                    paragraph=paragraph, body_md=form.comment.data, now=utcnow(),
                                    max_chars=_max_chars(), save_to_bank=form.save_to_bank.data,
                                    bank_criterion_slug=form.bank_criterion.data or None)
        except (annotations.CommentRefused, bank.BankRefused) as e:
            db.session.rollback()
            refusal = {**_COMMENT_REFUSALS, **_BANK_REFUSALS}[type(e)](e)
        else:
            flash(_("Your comment was added. The learner sees it beside the passage once you decide."), "success")
            return _review_page(submission, "comments-heading")
    # Kept as typed, with what to change, on a page of its own (the review page keeps its own form).
    return render_template("reviews/comment_refused.html", submission=submission, form=form, refusal=refusal), 422


@bp.route("/submissions/<int:submission_id>/comments/delete", methods=["POST"])
@authz.roles(*MENTORS)
def delete(submission_id: int):
    """Take back one's own comment before the decision."""
    submission = _reviewable(submission_id)
    form = DeleteCommentForm()
    if form.validate_on_submit():
        comment = db.session.get(AnchoredComment, _id(form.comment_id.data)) if _id(form.comment_id.data) else None
        if comment is None:  # taken back already (another tab), or no comment named
            flash(_("This comment has already been taken back."), "error")
            return _review_page(submission, "comments-heading")
        authz.ensure(comment.submission_version.submission_id == submission.id)
        try:
            annotations.delete_comment(db.session, comment=comment, mentor=current_user)
        except annotations.CommentRefused as e:
            db.session.rollback()
            flash(_COMMENT_REFUSALS[type(e)](e), "error")
        else:
            flash(_("The comment was taken back."), "success")
    return _review_page(submission, "comments-heading")


def discussion_page(submission) -> str:
    """Where the person signed in reads the submission's discussion."""
    if submission.enrolment.user_id == current_user.id:
        return url_for("learn.exercise", cohort_id=submission.enrolment.cohort_id,
                       exercise_id=submission.exercise_id, _anchor="discussion-heading")
    if current_user.role in MENTORS and (current_user.role == Role.ADMIN or is_mentor_of(
            db.session, current_user, submission.enrolment.cohort_id)):
        return url_for("reviews.review", submission_id=submission.id, _anchor="discussion-heading")
    return url_for("progress.submission", submission_id=submission.id, _anchor="discussion-heading")


@bp.route("/submissions/<int:submission_id>/discussion", methods=["POST"])
@authz.signed_in
def discuss(submission_id: int):
    """A message to the submission's discussion: its learner, the cohort's mentors and staff only."""
    submission = queries.submission_for_review(db.session, submission_id)
    authz.ensure(submission is not None and can_view_submission(
        current_user, submission, is_mentor_of(db.session, current_user, submission.enrolment.cohort_id)))
    form = MessageForm()
    refusal = None
    if form.validate_on_submit():
        try:
            discussion.post_message(db.session, submission=submission, author=current_user, body_md=form.message.data,
                                    now=utcnow(), max_chars=_max_chars())
        except discussion.MessageRefused as e:
            db.session.rollback()
            refusal = _MESSAGE_REFUSALS[type(e)](e)
        else:
            flash(_("Your message was sent."), "success")
            return redirect(discussion_page(submission))
    return render_template("reviews/message_refused.html", submission=submission, form=form, refusal=refusal,
                           back=discussion_page(submission)), 422


@bp.route("/exercises/<int:exercise_id>/bank", methods=["GET", "POST"])
@authz.roles(*STAFF)
def bank_page(exercise_id: int):
    """An exercise's comment bank, as organizers curate it: edit, delete, reorder, add."""
    exercise = db.session.get(Exercise, exercise_id)
    authz.ensure(exercise is not None)
    choices = criterion_choices(exercise, current_locale())
    form = BankEntryForm()
    form.criterion.choices = choices
    refusal = None
    if form.validate_on_submit():
        try:
            refusal = _change_bank(exercise, form)
        except bank.BankRefused as e:
            db.session.rollback()
            refusal = _BANK_REFUSALS[type(e)](e)
        if refusal is None:
            return redirect(url_for("comments.bank_page", exercise_id=exercise.id))
    elif request.method == "POST":
        refusal = _("The form had expired; please try again.")
    entries = bank.entries(db.session, exercise)
    forms = []
    for entry in entries:
        entry_form = BankEntryForm(formdata=None, entry_id=str(entry.id), criterion=entry.criterion_slug or "",
                                   body=entry.body_md)
        entry_form.criterion.choices = choices
        forms.append((entry, entry_form))
    new_form = BankEntryForm(formdata=None)
    new_form.criterion.choices = choices
    if refusal:  # what was typed comes back in the form it was typed in
        failed = next((f for e, f in forms if str(e.id) == form.entry_id.data), new_form)
        failed.criterion.data, failed.body.data = form.criterion.data, form.body.data
        failed.body.errors = [refusal]
    titles = dict(choices)
    return render_template("reviews/bank.html", exercise=exercise, forms=forms, new_form=new_form,
                           titles=titles, refusal=refusal), (422 if refusal else 200)


def _change_bank(exercise: Exercise, form: BankEntryForm) -> str | None:
    """Carry out the button pressed; a message when nothing was done."""
    if not form.entry_id.data:
        if not form.save.data:
            return _("Write the comment to keep in the bank.")
        bank.add_entry(db.session, exercise=exercise, criterion_slug=form.criterion.data, body_md=form.body.data,
                       author=current_user, now=utcnow(), max_chars=_max_chars())
        flash(_("The comment was added to the bank."), "success")
        return None
    entry = bank.entry_of(db.session, exercise, _id(form.entry_id.data))
    if form.delete.data:
        bank.delete_entry(db.session, entry=entry, actor=current_user, now=utcnow())
        flash(_("The comment was deleted from the bank."), "success")
    elif form.move_up.data or form.move_down.data:
        bank.move_entry(db.session, exercise=exercise, entry=entry, step=-1 if form.move_up.data else 1)
    else:
        bank.update_entry(db.session, exercise=exercise, entry=entry, criterion_slug=form.criterion.data,
                          body_md=form.body.data, actor=current_user, now=utcnow(), max_chars=_max_chars())
        flash(_("The comment in the bank was saved."), "success")
    return None
