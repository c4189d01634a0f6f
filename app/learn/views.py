"""The learner's pages: dashboard, module overview, exercise page with submitting, downloads."""

from datetime import datetime

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from app.autocheck import services as autocheck
from app.cohorts.models import Enrolment
from app.cohorts.services import is_mentor_of
from app.content import levels as content_levels
from app.content.models import Exercise, Material
from app.core import authz, transaction
from app.core.downloads import send_file_data, send_stored_file
from app.core.file_metadata import strip_metadata
from app.core.inputs import positive_int
from app.core.markdown import render_markdown
from app.core.page_memory import remembered_form_page, remembered_page
from app.core.storage import FileStorage
from app.core.templating import ActionForm, draft_label
from app.core.timeutil import first_to_come, next_day_starts, utcnow
from app.deadlines.forms import ExtensionRequestForm
from app.deadlines.services import submissions_open_for
from app.extensions import db
from app.groups import queries as group_queries
from app.learn import queries
from app.learn.forms import AnswerForm
from app.reviews import annotations, blind, discussion
from app.reviews import queries as review_queries
from app.reviews.forms import MessageForm
from app.reviews.services import points_needed_to_pass
from app.submissions import queries as submission_queries
from app.submissions.queries import is_overdue
from app.submissions import services as submissions
from app.submissions.models import Attachment, SubmissionStatus

bp = Blueprint("learn", __name__, template_folder="templates")


def _storage() -> FileStorage:
    return FileStorage(current_app.config["STORAGE_DIR"])


@bp.route("/learning/")
@authz.signed_in
def dashboard():
    now = utcnow()

    def render():
        learning = queries.learner_dashboard(db.session, current_user, now)
        return render_template("learn/dashboard.html", dashboard=learning), learning.changes_at(now)
    return remembered_page(db.session, now, render)


def _own_enrolment(cohort_id: int) -> Enrolment:
    enrolment = queries.enrolment_with_cohort(db.session, current_user, cohort_id)
    authz.ensure(enrolment is not None)
    return enrolment


@bp.route("/cohorts/<int:cohort_id>/")
@authz.signed_in
def module_overview(cohort_id: int):
    now = utcnow()

    def render():
        dashboard = queries.learner_dashboard(db.session, current_user, now, cohort_id=cohort_id)
        authz.ensure(len(dashboard.cohorts) == 1)
        progress = dashboard.cohorts[0]
        return render_template("learn/module.html", progress=progress, cohort=progress.cohort,
                               group=group_queries.learner_group(db.session, progress.enrolment.id)
                               ), dashboard.changes_at(now)
    return remembered_page(db.session, now, render)


_REFUSAL_MESSAGES = {
    submissions.CohortClosed: lambda e: _("This cohort is closed, so new answers can no longer be submitted."),
    submissions.LearnerWithdrawn: lambda e: _(
        "You were withdrawn from this cohort, so you cannot submit. Your earlier work is kept; ask the "
        "programme office if you should take part again."),
    submissions.AlreadyAccepted: lambda e: _("This exercise has already been accepted; no new version is needed."),
    submissions.ClosedNotPassed: lambda e: _("This exercise was closed as not passed after the last revision round; "
                                             "no new version can be submitted."),
    submissions.EmptyAnswer: lambda e: _("Write your answer before submitting."),
    submissions.AnswerTooLong: lambda e: _("The answer is too long; the limit is %(limit)d characters.", limit=e.limit),
    submissions.AttachmentTooLarge: lambda e: _("%(name)s is larger than %(mb)d MB.", name=e.filename,
                                                mb=e.limit // (1024 * 1024)),
    submissions.DisallowedFileType: lambda e: _(
        "%(name)s is not a file type we accept. Use PDF, Word, Excel, PowerPoint, CSV, text, PNG or JPEG.",
        name=e.filename),
    submissions.AttachmentNameTooLong: lambda e: _(
        "The file name %(name)s is longer than %(limit)d characters; rename the file and attach it again.",
        name=e.filename[:40] + "…", limit=e.limit),
    submissions.TooManyAttachments: lambda e: _("A version may have at most %(n)d attachments.",
                                                n=submissions.MAX_ATTACHMENTS_PER_VERSION),
    submissions.NoRoomForAttachment: lambda e: _("%(name)s was not kept: a version may have at most %(n)d "
                                                 "attachments.", name=e.filename, n=e.limit),
    submissions.ExerciseNotInCohort: lambda e: _("This exercise is not part of your cohort."),
    submissions.ExerciseLocked: lambda e: _("This exercise is not open yet."),
    submissions.NotInGroup: lambda e: _(
        "This exercise is submitted by a group, and you are not in a group yet. Ask the programme office to "
        "put you in one."),
}


def _check_answers(enrolment, exercise, now):
    """Grade the auto-checked questions sent with the form. Returns (results, invalid ids, message)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    responses = {q.id: request.form.getlist(f"q_{q.id}") for q in exercise.questions}
    try:
        results, invalid = autocheck.check_answers(db.session, enrolment=enrolment, exercise=exercise,
                                                   responses=responses, now=now)
    except autocheck.QuestionsClosed:
        db.session.rollback()
        return {}, set(), _("The questions cannot be answered now: the exercise is not open.")
    if not results and not invalid:
        return results, invalid, _("Answer at least one question, then check.")
    return results, invalid, None


@bp.route("/cohorts/<int:cohort_id>/exercises/<int:exercise_id>", methods=["GET", "POST"])
@authz.signed_in
def exercise(cohort_id: int, exercise_id: int):
    now = utcnow()
    return remembered_form_page(db.session, now, lambda: _exercise_page(cohort_id, exercise_id, now))


def _changes_at(now: datetime, cohort, state, draft) -> datetime | None:
    """The next moment at which the exercise page shows otherwise with the same data: its due date passes,
    it opens, the cohort starts or ends (submitting opens or closes), a new day begins in Japan (a draft's
    label gives its date then)."""
    return first_to_come(now, state.due_at, cohort.starts_at, cohort.ends_at, state.lock and state.lock.opens_at,
                         draft and next_day_starts(now))


def _exercise_page(cohort_id: int, exercise_id: int, now: datetime):
    """The exercise page, or where its form sends the learner, with its status and _changes_at."""
    enrolment = _own_enrolment(cohort_id)
    cohort = enrolment.cohort
    state = queries.exercise_state(db.session, enrolment, exercise_id, now)
    authz.ensure(state is not None and state.exercise.module_version_id == cohort.module_version_id)
    exercise, submission, lock = state.exercise, state.submission, state.lock
    history = review_queries.submission_history(db.session, submission)
    draft = submission_queries.answer_draft(db.session, enrolment.id, exercise.id)
    form = AnswerForm()
    preview_html = None
    check_results, check_invalid, check_message = {}, set(), None
    if request.method == "GET":
        form.body.data = _unsent_answer(draft, history)
    files_refused = []
    if request.method == "POST" and not form.submit.data:
        # Files chosen for the answer are kept with the draft: the page that comes back cannot hold them.
        draft, files_refused = _keep_chosen_files(enrolment, exercise, form, draft, history, now)
    if request.method == "POST" and "remove_draft_attachment" in request.form:
        if submissions.remove_draft_attachment(db.session, enrolment=enrolment, exercise=exercise,
                                               attachment_id=request.form.get("remove_draft_attachment",
                                                                              type=positive_int)):
            flash(_("The file was removed from your answer."), "success")
        if not files_refused:
            return redirect(url_for("learn.exercise", cohort_id=cohort.id, exercise_id=exercise.id,
                                    _anchor="answer-heading")), 302, None
        draft = submission_queries.answer_draft(db.session, enrolment.id, exercise.id)
    elif request.method == "POST" and "check_answers" in request.form:
        check_results, check_invalid, check_message = _check_answers(enrolment, exercise, now)
        # The answer box is sent along with the questions (see _questions.html) and comes back as typed.
        if "body" not in request.form:
            form.body.data = _unsent_answer(draft, history)
    elif request.method == "POST" and form.save_draft.data:
        try:
            draft = submissions.save_answer_draft(db.session, enrolment=enrolment, exercise=exercise,
                                                  body_md=form.body.data, now=now,
                                                  max_answer_chars=current_app.config["MAX_ANSWER_CHARS"])
        except submissions.SubmissionRefused as refusal:
            db.session.rollback()
            form.body.errors = list(form.body.errors) + [_REFUSAL_MESSAGES[type(refusal)](refusal)]
        else:
            # The draft is saved; a chosen file that could not be kept is named on the page it returns to.
            for message in files_refused:
                flash(message, "error")
            return redirect(url_for("learn.exercise", cohort_id=cohort.id, exercise_id=exercise.id,
                                    _anchor="answer-heading")), 302, None
    elif form.validate_on_submit():
        if form.preview.data:
            preview_html = render_markdown(form.body.data)
        else:
            uploads = [submissions.Upload(f.filename, f.stream) for f in form.attachments.data
                       if f and f.filename]
            keep = set(request.form.getlist("keep_attachment", type=positive_int))
            try:
                version = submissions.submit_version(
                    db.session, enrolment=enrolment, exercise=exercise, body_md=form.body.data, uploads=uploads,
                    keep_attachment_ids=keep, storage=_storage(), now=now,
                    max_answer_chars=current_app.config["MAX_ANSWER_CHARS"],
                    max_attachment_bytes=current_app.config["MAX_ATTACHMENT_BYTES"])
            except submissions.SubmissionRefused as refusal:
                db.session.rollback()
                about_files = isinstance(refusal, (submissions.AttachmentRefused, submissions.TooManyAttachments))
                if isinstance(refusal, _KEEPS_CHOSEN_FILES):
                    draft, files_refused = _keep_chosen_files(enrolment, exercise, form, draft, history, now,
                                                              submit_refused=True)
                # The files not kept are named one by one below; the submit's own refusal names only the first.
                if not (about_files and files_refused):
                    field = form.attachments if about_files else form.body
                    field.errors = list(field.errors) + [_REFUSAL_MESSAGES[type(refusal)](refusal)]
            else:
                flash(_("Version %(n)d was submitted. Your mentor will review it.", n=version.number), "success")
                return redirect(url_for("learn.exercise", cohort_id=cohort.id, exercise_id=exercise.id)), 302, None
    elif form.submit.data:
        # The form refused the answer (empty, too long): the files chosen with it are kept all the same.
        draft, files_refused = _keep_chosen_files(enrolment, exercise, form, draft, history, now, submit_refused=True)
    states = autocheck.question_states(db.session, [enrolment.id], [q.id for q in exercise.questions])
    is_open = submissions_open_for(db.session, cohort, enrolment_id=enrolment.id, exercise_id=exercise.id, now=now)
    group = group_queries.learner_group(db.session, enrolment.id) if exercise.is_group_deliverable else None
    if files_refused:
        form.attachments.errors = list(form.attachments.errors) + files_refused
    # Answers that could be graded are kept (and shown) even when others in the same check could not.
    has_errors = bool(form.errors or check_message or (check_invalid and not check_results))
    return render_template(
        "learn/exercise.html", cohort=cohort, exercise=exercise, submission=submission, form=form, lock=lock,
        preview_html=preview_html, history=history, due_at=state.due_at, is_open=is_open,
        is_withdrawn=enrolment.is_withdrawn, status=state.status, next_exercise=state.next_exercise,
        is_overdue=is_overdue(due_at=state.due_at, now=now, is_required=exercise.is_required, state=state.status,
                              first_submitted_at=history[-1].version.submitted_at if history else None),
        latest_review=next((item for item in history if item.review), None),
        pass_mark=points_needed_to_pass(exercise.pass_threshold, exercise.max_points),
        # A new version only where one is wanted: not while one waits for review, nor after acceptance.
        can_submit=not enrolment.is_withdrawn and is_open and lock is None and state.status not in (
            SubmissionStatus.ACCEPTED, SubmissionStatus.AWAITING_REVIEW, SubmissionStatus.NOT_PASSED) and not (
            exercise.is_group_deliverable and group is None),
        group=group, extensions=state.extensions,
        extension_form=ExtensionRequestForm(formdata=None),
        max_mb=current_app.config["MAX_ATTACHMENT_BYTES"] // (1024 * 1024),
        question_states={qid: state for (_, qid), state in states.items()}, check_results=check_results,
        check_invalid=check_invalid, check_message=check_message, draft=draft, now=now,
        # Comments on passages, released with each decision, and the discussion with the mentors (issue 13).
        annotated=_annotated_versions(history), messages=discussion.thread(db.session, submission and submission.id),
        message_form=MessageForm(),
    ), (422 if has_errors else 200), _changes_at(now, cohort, state, draft)


def _annotated_versions(history) -> dict:
    """Each decided version's answer with its mentors' comments in place (only versions that have some):
    the comments come with the review, so none is shown before the decision."""
    return {item.version.id: annotations.annotated(item.version, item.review.comments, _("Comment %(n)s"))
            for item in history if item.review and item.review.comments}


# A submit refused for these still has files worth keeping; the others (a closed cohort, a locked or accepted
# exercise…) refuse a draft as well.
_KEEPS_CHOSEN_FILES = (submissions.EmptyAnswer, submissions.AnswerTooLong, submissions.AttachmentRefused,
                       submissions.TooManyAttachments)


def _keep_chosen_files(enrolment, exercise, form, draft, history, now, *, submit_refused=False):
    """(the draft, []) with the files chosen in the answer form kept on it (and what was typed), or with the
    acceptable ones kept and why each other one was not; or (the draft as it was, [why none was kept]).
    After a refused submit, the files are kept even though the page refuses: its answer is kept as typed,
    unless that is too long to keep (the box shows it, and why), and then the draft keeps its text."""
    uploads = [submissions.Upload(f.filename, f.stream) for f in (form.attachments.data or []) if f and f.filename]
    if not uploads:
        return draft, []
    for upload in uploads:
        upload.stream.seek(0)  # the refused submit may have read them already
    body = request.form.get("body")
    if body is None or (submit_refused and len(body) > current_app.config["MAX_ANSWER_CHARS"]):
        body = _unsent_answer(draft, history) or ""
    try:
        draft, refused = submissions.add_draft_attachments(
            db.session, enrolment=enrolment, exercise=exercise, body_md=body, uploads=uploads, storage=_storage(),
            now=now, max_answer_chars=current_app.config["MAX_ANSWER_CHARS"],
            max_attachment_bytes=current_app.config["MAX_ATTACHMENT_BYTES"])
    except submissions.SubmissionRefused as refusal:
        db.session.rollback()
        return submission_queries.answer_draft(db.session, enrolment.id, exercise.id), \
            [_REFUSAL_MESSAGES[type(refusal)](refusal)]
    messages = [_REFUSAL_MESSAGES[type(refusal)](refusal) for refusal in refused]
    if len(refused) == len(uploads):
        # Not one file could be kept: the refusal changes nothing (the box still shows what was typed).
        db.session.rollback()
        return submission_queries.answer_draft(db.session, enrolment.id, exercise.id), messages
    # Kept, whatever else the page refuses (a refused submit was rolled back before).
    transaction.keep_despite_refusal()
    return draft, messages


def _unsent_answer(draft, history) -> str | None:
    """What the answer box opens with: the draft, else the latest version to revise."""
    if draft is not None:
        return draft.body_md
    return history[0].version.body_md if history else None


@bp.route("/cohorts/<int:cohort_id>/exercises/<int:exercise_id>/draft", methods=["POST"])
@authz.signed_in
def save_draft(cohort_id: int, exercise_id: int):
    """Autosave of the answer box (the page's script): the draft's note, or why it was not saved, as JSON."""
    enrolment = _own_enrolment(cohort_id)
    exercise = db.session.get(Exercise, exercise_id)
    authz.ensure(exercise is not None and exercise.module_version_id == enrolment.cohort.module_version_id)
    if "body" not in request.form:
        return jsonify(error=_("Nothing was saved: the answer was missing from the request.")), 422
    now = utcnow()
    try:
        draft = submissions.save_answer_draft(db.session, enrolment=enrolment, exercise=exercise,
                                              body_md=request.form["body"], now=now,
                                              max_answer_chars=current_app.config["MAX_ANSWER_CHARS"])
    except submissions.SubmissionRefused as refusal:
        db.session.rollback()
        status = 422 if isinstance(refusal, submissions.AnswerTooLong) else 409
        return jsonify(error=_REFUSAL_MESSAGES[type(refusal)](refusal)), status
    return jsonify(note=draft_label(draft.saved_at, now))


@bp.route("/levels")
@authz.public
def talent_levels():
    """What the talent level (人材レベル) of a module or badge means: open to everyone, as badges are."""
    return render_template("learn/levels.html", levels=content_levels.talent_levels())


@bp.route("/preview", methods=["POST"])
@authz.signed_in
def preview():
    """Rendered, sanitised Markdown for the editor's live preview (JavaScript only)."""
    text = request.form.get("body", "")
    if len(text) > current_app.config["MAX_ANSWER_CHARS"]:
        abort(413)
    return Markup(render_markdown(text))


@bp.route("/materials/<int:material_id>")
@authz.signed_in
def material(material_id: int):
    material = db.session.get(Material, material_id)
    authz.ensure(material is not None and queries.may_open_material(db.session, current_user, material, utcnow()))
    download_name = material.filename
    if material.is_simulated:
        # Simulated data is labelled as such wherever it goes, including the saved file name.
        download_name = f"模擬データ_{material.filename}"
    return send_stored_file(_storage(), material.content_hash, download_name, material.media_type)


@bp.route("/attachments/<int:attachment_id>")
@authz.signed_in
def attachment(attachment_id: int):
    attachment = db.session.get(Attachment, attachment_id)
    authz.ensure(attachment is not None)
    submission = attachment.submission_version.submission
    is_member = submission.group_id is not None and group_queries.is_member(db.session, current_user.id,
                                                                            submission.group_id)
    authz.ensure(submissions.can_view_submission(
        current_user, submission, is_mentor_of(db.session, current_user, submission.enrolment.cohort_id), is_member))
    if blind.hides_learner(current_user, submission):
        # Blind review: a neutral name, and no metadata in images or Office files (app/core/file_metadata.py).
        data = strip_metadata(_storage().read(attachment.content_hash), attachment.media_type)
        return send_file_data(data, blind.neutral_name(attachment, blind.position_in_version(attachment)),
                              attachment.media_type)
    return send_stored_file(_storage(), attachment.content_hash, attachment.filename, attachment.media_type)
