from datetime import datetime

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.auth.models import Role, User
from app.autocheck.services import question_states
from app.cohorts.models import Cohort
from app.cohorts.services import NotAMentor, is_mentor_of
from app.core import authz
from app.core.inputs import positive_int, whole_number
from app.core.markdown import render_markdown
from app.core.memory import app_memory
from app.core.page_memory import remembered_form_page, remembered_page
from app.core.templating import current_locale, draft_label, tokyo_datetime
from app.core.textdiff import line_diff
from app.core.timeutil import first_to_come, next_day_starts, utcnow
from app.extensions import db
from app.groups.queries import mentored_group_ids
from app.reviews import (annotations, bank, blind, claims, discussion, fairness, gate, history as reviews_history,
                         queries, services)
from app.reviews.forms import (AssignClaimForm, ClaimForm, CommentForm, DeleteCommentForm, DistributeForm,
                               MessageForm, ReleaseClaimForm, ReviewFormBase, criterion_choices, review_form_for)
from app.reviews.models import Decision, DecisionProposal
from app.reviews.moderation_views import proposal_context
from app.reviews.revision import Remembered

bp = Blueprint("reviews", __name__, url_prefix="/review", template_folder="templates")

MENTORS = (Role.MENTOR, Role.ADMIN)
STAFF = (Role.ORGANIZER, Role.ADMIN)


QUEUE_PAGE_SIZE = 50
# Mentors' queue counts and orders remembered per worker process (issue 10), a few kB each.
QUEUE_MEMORY_SIZE = 256


def _queue_tallies(revision: tuple | None = None) -> Remembered | None:
    """Where the queue's counts and order are remembered (at `revision` of the work when it was read already);
    only a request that writes nothing (a GET) reads and fills it, so that nothing uncommitted is remembered."""
    if request.method != "GET":
        return None
    return Remembered(db.session, app_memory("review queue", QUEUE_MEMORY_SIZE), revision)


@bp.app_template_global()
def review_is_blind(submission) -> bool:
    return blind.hides_learner(current_user, submission)


@bp.app_template_global()
def blind_attachment_name(attachment, position: int) -> str:
    return blind.neutral_name(attachment, position)


@bp.app_template_global()
def review_is_overdue(submission, now) -> bool:
    return fairness.is_overdue(submission, now)


@bp.route("/")
@authz.roles(*MENTORS)
def queue():
    cohort_id = request.args.get("cohort", type=positive_int)
    exercise_slug = request.args.get("exercise") or None
    withdrawn = 1 if request.args.get("withdrawn") == "1" else None
    group_id = request.args.get("group", type=positive_int)
    state = _queue_state()
    # Read on every visit, so that the queue costs the same queries with or without a filter.
    mentored = mentored_group_ids(db.session, current_user.id)
    if not request.args:
        # A group mentor opens the queue on their (first) group's work; "All groups" shows the rest.
        group_id = next(iter(mentored), None)
    now = utcnow()

    def render():
        page = queries.review_queue(db.session, current_user, current_locale(), cohort_id, exercise_slug,
                                    page=request.args.get("page", 1, type=positive_int), per_page=QUEUE_PAGE_SIZE,
                                    now=now, include_withdrawn=bool(withdrawn), group_id=group_id, state=state,
                                    tallies=_queue_tallies())
        # Besides the data, the page changes when a claim it shows expires, and each day (how long work has
        # waited for review: "past the review target").
        return render_template("reviews/queue.html", page=page, cohort_id=cohort_id, exercise_slug=exercise_slug,
                               withdrawn=withdrawn, group_id=group_id, state=state, now=now,
                               claim_form=ClaimForm()), first_to_come(
            now, next_day_starts(now), *(item.claim.expires_at for item in page.items if item.claim))
    return remembered_page(db.session, now, render)


def _queue_state() -> str | None:
    """The queue's state filter: one of queries.QUEUE_STATES, else none (an unknown value shows everything)."""
    state = request.args.get("state")
    return state if state in queries.QUEUE_STATES else None


def _queue_filter() -> dict:
    """The queue's filter, carried from the queue through the review pages and back."""
    values = {"cohort": request.args.get("cohort", type=positive_int), "exercise": request.args.get("exercise"),
              "withdrawn": 1 if request.args.get("withdrawn") == "1" else None,
              "group": request.args.get("group", type=positive_int), "state": _queue_state()}
    return {name: value for name, value in values.items() if value}


def _neighbours(submission, queue_filter: dict, revision: tuple | None = None) -> queries.Neighbours:
    return queries.queue_neighbours(db.session, current_user, submission, queue_filter.get("cohort"),
                                    queue_filter.get("exercise"), bool(queue_filter.get("withdrawn")),
                                    queue_filter.get("group"), queue_filter.get("state"),
                                    tallies=_queue_tallies(revision))


def _claim_minutes() -> int:
    return current_app.config["REVIEW_CLAIM_MINUTES"]


def _held_message(e: claims.ClaimHeld) -> str:
    return _("%(name)s has claimed this submission until %(time)s, so that two mentors don't review the same "
             "work. Your review was not saved.", name=e.claim.mentor.display_name,
             time=tokyo_datetime(e.claim.expires_at, "HH:mm"))


_REFUSALS = {
    services.NotLatestVersion: lambda e: _("The learner has submitted a newer version since you opened this page. "
                                         "Your review was not saved; please review the newest version."),
    services.AlreadyReviewed: lambda e: _("Another mentor has already decided on this version. "
                                        "Your review was not saved."),
    services.InvalidScores: lambda e: _("Choose a level for every criterion."),
    services.CohortArchived: lambda e: _("This cohort is archived: its work can no longer be reviewed. "
                                       "Your review was not saved."),
    services.FeedbackRequired: lambda e: _("Write feedback so the learner knows what to do next."),
    services.BelowPassThreshold: lambda e: _(
        "To accept, the score must reach at least %(needed)d of %(max)d points (the pass threshold). "
        "Return the work for revision instead, or check the scores.", needed=e.needed, max=e.maximum),
    claims.ClaimHeld: _held_message,
    claims.NotAwaitingReview: lambda e: _("This submission is no longer waiting for review: it was decided "
                                          "since you opened this page."),
    claims.ConflictOfInterest: lambda e: _("This learner is from your own organization, and this cohort does not "
                                           "give mentors work from their own organization. Your review was not "
                                           "saved; the programme office can assign it to you if needed."),
    services.LastRoundMustDecide: lambda e: _("This is the learner's last revision round: accept the work or close "
                                              "it as not passed. Your review was not saved."),
    services.NotLastRound: lambda e: _("The learner still has revision rounds left: return the work for revision "
                                       "instead of closing it. Your review was not saved."),
    gate.ProposalPending: lambda e: _("A decision on this version is already waiting for release or for a "
                                      "second mentor. Your review was not saved."),
}


_DRAFT_REFUSALS = {
    services.NotAwaitingReview: lambda e: _("This submission has already been decided, so the draft was not saved."),
    services.UnknownLevel: lambda e: _("A score is not one of the rubric's levels; choose the levels again."),
    services.FeedbackTooLong: lambda e: _("The feedback is too long; the limit is %(limit)d characters.",
                                          limit=e.limit),
}


def _reviewable(submission_id: int):
    """The submission, if the current user may review it (a mentor of its cohort or an administrator),
    and it is not kept from them by the cohort's conflict-of-interest rule (unless they hold its claim:
    an organizer gave it to them)."""
    submission = queries.submission_for_review(db.session, submission_id)
    authz.ensure(submission is not None and (current_user.role == Role.ADMIN or is_mentor_of(
        db.session, current_user, submission.enrolment.cohort_id)))
    _ensure_not_conflicted(submission)
    return submission


def _ensure_not_conflicted(submission) -> None:
    """404 for work the conflict-of-interest rule keeps from the current user, unless they hold its claim."""
    if fairness.is_conflicted(current_user, submission.enrolment.user, submission.enrolment.cohort):
        held = claims.active_claim(db.session, submission.id, utcnow())
        authz.ensure(held is not None and held.mentor_id == current_user.id)


def _chosen_points(form: ReviewFormBase) -> dict[int, int]:
    """The levels chosen so far; a value that is not a number counts as no level of any criterion."""
    raw = {cid: form[name].data for cid, name in form.criterion_fields if form[name].data}
    return {cid: -1 if (points := whole_number(value)) is None else points for cid, value in raw.items()}


def _save_draft(submission, form: ReviewFormBase, now):
    return services.save_review_draft(db.session, submission=submission, mentor=current_user,
                                      points_by_criterion=_chosen_points(form), feedback_md=form.feedback.data,
                                      now=now, max_feedback_chars=current_app.config["MAX_FEEDBACK_CHARS"])


@bp.route("/submissions/<int:submission_id>", methods=["GET", "POST"])
@authz.roles(*MENTORS)
def review(submission_id: int):
    now = utcnow()
    return remembered_form_page(db.session, now, lambda: _review_page(submission_id, now))


def _review_page(submission_id: int, now: datetime):
    """The review page, or where its forms send the mentor, with its status and the next moment at which the
    page shows otherwise with the same data: its claim expires, or a day begins (how long the work has waited,
    the date of a draft's label)."""
    submission = queries.submission_for_review(db.session, submission_id)
    authz.ensure(submission is not None)
    # Issue 13: membership, calibration, the claim and a waiting decision in one query (the page's budget).
    checks = gate.review_page_state(db.session, current_user, submission, now)
    authz.ensure(current_user.role == Role.ADMIN or checks.is_mentor)
    _ensure_not_conflicted(submission)
    queue_filter = _queue_filter()
    # Issue 13 (calibration): a mentor's first real review of an exercise comes after scoring its reference.
    if request.method == "GET" and checks.needs_calibration:
        return redirect(url_for("moderation.calibrate", exercise_id=submission.exercise_id,
                                submission=submission.id)), 302, None
    history = queries.submission_history(db.session, submission)
    latest = history[0].version
    draft = queries.review_draft(db.session, submission, current_user.id)
    form = review_form_for(submission.exercise, current_locale(), current_app.config["MAX_FEEDBACK_CHARS"])
    # The exercise's comment bank (issue 13): buttons with the script, a select that appends without it.
    bank_entries = bank.entries(db.session, submission.exercise)
    form.bank_entry.choices = [("", "—")] + [(str(e.id), e.body_md[:80]) for e in bank_entries]
    if request.method == "GET":
        form.version_id.data = str(latest.id)
        if draft is not None:
            for cid, name in form.criterion_fields:
                form[name].data = str(draft.points_by_criterion.get(str(cid), "")) or None
            form.feedback.data = draft.feedback_md
    refusal = preview_html = None
    if request.method == "POST" and form.preview.data:
        preview_html = render_markdown(form.feedback.data or "")
    elif request.method == "POST" and form.insert_bank.data:
        chosen = next((e for e in bank_entries if str(e.id) == form.bank_entry.data), None)
        if chosen is not None:
            form.feedback.data = "\n\n".join(part for part in ((form.feedback.data or "").rstrip(), chosen.body_md)
                                              if part)
    elif request.method == "POST" and form.save_draft.data:
        try:
            draft = _save_draft(submission, form, now)
        except services.ReviewRefused as e:
            db.session.rollback()
            if isinstance(e, services.FeedbackTooLong):
                form.feedback.errors = list(form.feedback.errors) + [_DRAFT_REFUSALS[type(e)](e)]
            else:
                refusal = _DRAFT_REFUSALS[type(e)](e)
        else:
            return redirect(url_for("reviews.review", submission_id=submission.id, _anchor="score-heading",
                                    **queue_filter)), 302, None
    elif form.validate_on_submit():
        version = next((h.version for h in history if str(h.version.id) == form.version_id.data), None)
        authz.ensure(version is not None)
        decision = (Decision.ACCEPTED if form.accept.data
                    else Decision.NOT_PASSED if form.not_passed.data else Decision.RETURNED)
        points = {cid: int(getattr(form, name).data) for cid, name in form.criterion_fields}
        try:
            # Issue 13: through the cohort's release gate and moderation, which may hold it as a proposal.
            review = gate.decide(
                db.session, version=version, mentor=current_user, now=now, claim_minutes=_claim_minutes(),
                decision=decision, points_by_criterion=points, feedback_md=form.feedback.data)
        except services.ReviewRefused as e:
            db.session.rollback()
            refusal = _REFUSALS[type(e)](e)
        else:
            if isinstance(review, DecisionProposal):
                flash(_("Your acceptance now waits for a second mentor's review; the learner sees it once they "
                        "agree.") if review.state == "awaiting_second"
                      else _("Your decision waits for an organizer or a lead mentor of this cohort to release it; "
                             "until then the learner does not see it."), "success")
            else:
                scored = _("%(points)d of %(max)d points", points=review.total_points, max=review.max_points)
                flash({Decision.ACCEPTED: _("Accepted (%(scored)s).", scored=scored),
                       Decision.RETURNED: _("Returned to the learner for revision (%(scored)s).", scored=scored),
                       Decision.NOT_PASSED: _("Closed as not passed (%(scored)s).", scored=scored)}[decision], "success")
            # On to the next submission of the same filtered queue, without going back to it.
            following = _neighbours(submission, queue_filter).next_id
            if following:
                return redirect(url_for("reviews.review", submission_id=following, **queue_filter)), 302, None
            return redirect(url_for("reviews.queue", **queue_filter)), 302, None
    previous = history[1].version if len(history) > 1 else None
    diff = line_diff(previous.body_md, latest.body_md) if previous else None
    status = 409 if refusal else (422 if form.errors else 200)
    exercise = submission.exercise
    questions = exercise.questions
    states = question_states(db.session, [submission.enrolment_id], [q.id for q in questions])
    return render_template(
        "reviews/review.html", submission=submission, history=history, latest=latest,
        deadline=checks.deadline,
        previous=previous, diff=diff, form=form, refusal=refusal,
        points_to_pass=services.points_needed_to_pass(exercise.pass_threshold, exercise.max_points),
        # Claims, neighbours in the queue, auto-checked results and the feedback preview (issue 13).
        # A refused decision may be about a claim taken since the page's checks were read.
        claim=checks.claim if request.method == "GET" else gate.HeldClaim.of(claims.active_claim(db.session,
                                                                                                  submission.id, now)),
        claim_form=ClaimForm(),
        release_form=ReleaseClaimForm(), queue_filter=queue_filter,
        neighbours=_neighbours(submission, queue_filter, checks.revision),
        questions=questions, question_states={qid: state for (_, qid), state in states.items()},
        preview_html=preview_html, draft=draft, now=now,
        # Fairness (issue 13): the cohort's revision cap.
        last_round=fairness.is_last_round(submission),
        # Comments on passages, the comment bank and the discussion (issue 13).
        annotated=annotations.annotated(latest, annotations.comments_on(db.session, latest.id), _("Comment %(n)s")),
        comment_form=_comment_form(submission, latest), delete_comment_form=DeleteCommentForm(),
        bank_entries=bank_entries,
        messages=discussion.thread(db.session, submission.id), message_form=MessageForm(),
        # Issue 13 (review checks): a decision on the latest version held or awaiting a second mentor.
        **proposal_context(submission, checks.proposal, checks.is_lead),
    ), status, first_to_come(now, next_day_starts(now), checks.claim and checks.claim.expires_at)


def _comment_form(submission, latest) -> CommentForm:
    form = CommentForm(formdata=None, version_id=str(latest.id))
    form.bank_criterion.choices = criterion_choices(submission.exercise, current_locale())
    return form


@bp.route("/submissions/<int:submission_id>/claim", methods=["POST"])
@authz.roles(*MENTORS)
def claim(submission_id: int):
    submission = _reviewable(submission_id)
    if ClaimForm().validate_on_submit():
        try:
            held = claims.claim_submission(db.session, submission=submission, mentor=current_user, now=utcnow(),
                                           minutes=_claim_minutes())
        except claims.ClaimHeld as e:
            db.session.rollback()
            flash(_("%(name)s claimed this submission first; it is theirs until %(time)s.",
                    name=e.claim.mentor.display_name, time=tokyo_datetime(e.claim.expires_at, "HH:mm")), "error")
        except claims.NotAwaitingReview as e:
            db.session.rollback()
            flash(_REFUSALS[type(e)](e), "error")
        else:
            flash(_("You have claimed this submission until %(time)s.",
                    time=tokyo_datetime(held.expires_at, "HH:mm")), "success")
    return redirect(url_for("reviews.review", submission_id=submission_id, **_queue_filter()))


@bp.route("/submissions/<int:submission_id>/release", methods=["POST"])
@authz.roles(Role.MENTOR, *STAFF)
def release(submission_id: int):
    """The holder gives the claim up; organizers and administrators end anyone's."""
    submission = queries.submission_for_review(db.session, submission_id)
    authz.ensure(submission is not None and (current_user.role in STAFF or is_mentor_of(
        db.session, current_user, submission.enrolment.cohort_id)))
    form = ReleaseClaimForm()
    if form.validate_on_submit():
        try:
            released = claims.release_claim(db.session, submission=submission, actor=current_user, now=utcnow())
        except claims.ClaimHeld as e:
            db.session.rollback()
            flash(_("Only %(name)s or an organizer can release this claim.", name=e.claim.mentor.display_name),
                  "error")
        else:
            flash(_("The claim is released; any mentor of the cohort can review this submission now.")
                  if released else _("Nobody holds this submission any more."), "success")
    if current_user.role == Role.ORGANIZER or (current_user.role == Role.ADMIN and form.return_to.data == "claims"):
        return redirect(url_for("reviews.cohort_claims", cohort_id=submission.enrolment.cohort_id))
    return redirect(url_for("reviews.review", submission_id=submission_id, **_queue_filter()))


@bp.route("/cohorts/<int:cohort_id>/claims")
@authz.roles(*STAFF)
def cohort_claims(cohort_id: int):
    cohort = db.session.get(Cohort, cohort_id)
    authz.ensure(cohort is not None)
    mentors = claims.cohort_mentors(db.session, cohort_id)
    return render_template("reviews/claims.html", cohort=cohort, claims=claims.cohort_claims(db.session, cohort_id,
                                                                                              utcnow()),
                           mentors=mentors, release_form=ReleaseClaimForm(return_to="claims"),
                           assign_form=_assign_form(mentors), claim_minutes=_claim_minutes(),
                           distribute_form=DistributeForm())


@bp.route("/cohorts/<int:cohort_id>/distribute", methods=["POST"])
@authz.roles(*STAFF)
def distribute(cohort_id: int):
    """Give the cohort's unclaimed waiting work to the mentors with the least open load (fairness.py)."""
    cohort = db.session.get(Cohort, cohort_id)
    authz.ensure(cohort is not None)
    if DistributeForm().validate_on_submit():
        given = claims.distribute_by_load(db.session, cohort_id=cohort_id, actor=current_user, now=utcnow(),
                                          minutes=_claim_minutes())
        flash(ngettext("%(num)d submission was given to a mentor.", "%(num)d submissions were given to mentors.",
                       given) if given else _("Nothing was given out: no waiting work is unclaimed, or no mentor "
                                              "of this cohort may take it."), "success" if given else "error")
    return redirect(url_for("reviews.cohort_claims", cohort_id=cohort_id))


AUDIT_PAGE_SIZE = 50


@bp.route("/cohorts/<int:cohort_id>/audit")
@authz.roles(*STAFF)
def cohort_audit(cohort_id: int):
    """Every score, decision and claim change in the cohort: who, when, before and after (fairness)."""
    cohort = db.session.get(Cohort, cohort_id)
    authz.ensure(cohort is not None)
    mentor_id = request.args.get("mentor", type=positive_int)
    page = queries.review_audit_page(db.session, cohort_id, mentor_id,
                                     page=request.args.get("page", 1, type=positive_int), per_page=AUDIT_PAGE_SIZE)
    return render_template("reviews/audit.html", cohort=cohort, page=page, mentor_id=mentor_id,
                           bank_trail=queries.bank_trail(db.session, cohort))


def _assign_form(mentors: list[User]) -> AssignClaimForm:
    form = AssignClaimForm()
    form.mentor_id.choices = [(m.id, m.display_name) for m in mentors]
    return form


@bp.route("/submissions/<int:submission_id>/assign", methods=["POST"])
@authz.roles(*STAFF)
def assign(submission_id: int):
    """An organizer gives the claim on a submission to another mentor of its cohort."""
    submission = queries.submission_for_review(db.session, submission_id)
    authz.ensure(submission is not None)
    cohort_id = submission.enrolment.cohort_id
    form = _assign_form(claims.cohort_mentors(db.session, cohort_id))
    if form.validate_on_submit():
        mentor = db.session.get(User, form.mentor_id.data)
        try:
            claim = claims.assign_claim(db.session, submission=submission, mentor=mentor, actor=current_user,
                                        now=utcnow(), minutes=_claim_minutes())
        except (NotAMentor, claims.NotAwaitingReview):
            db.session.rollback()
            flash(_("This submission could not be given to that mentor: it is no longer waiting for review, "
                    "or they no longer mentor this cohort."), "error")
        else:
            flash(_("%(name)s now holds this submission until %(time)s.", name=mentor.display_name,
                    time=tokyo_datetime(claim.expires_at, "HH:mm")), "success")
    else:
        flash(_("Choose the mentor who should review it."), "error")
    return redirect(url_for("reviews.cohort_claims", cohort_id=cohort_id))


HISTORY_PAGE_SIZE = 50


@bp.route("/history")
@authz.roles(*MENTORS)
def history():
    decision = request.args.get("decision")
    decision = decision if decision in {d.value for d in Decision} else None
    filters = {"cohort_id": request.args.get("cohort", type=positive_int),
               "exercise_slug": request.args.get("exercise") or None, "decision": decision}
    page = reviews_history.mentor_reviews(db.session, current_user, current_locale(), **filters,
                                          page=request.args.get("page", 1, type=positive_int),
                                          per_page=HISTORY_PAGE_SIZE)
    return render_template("reviews/history.html", page=page, **filters)


@bp.route("/learners/<int:user_id>")
@authz.roles(*MENTORS)
def learner(user_id: int):
    record = reviews_history.learner_history(db.session, current_user, user_id)
    authz.ensure(record is not None)
    return render_template("reviews/learner.html", record=record)


@bp.route("/submissions/<int:submission_id>/draft", methods=["POST"])
@authz.roles(*MENTORS)
def save_draft(submission_id: int):
    """Autosave of the review form (the page's script): the draft's note, or why it was not saved, as JSON."""
    submission = _reviewable(submission_id)
    form = review_form_for(submission.exercise, current_locale(), current_app.config["MAX_FEEDBACK_CHARS"])
    now = utcnow()
    try:
        draft = _save_draft(submission, form, now)
    except services.ReviewRefused as e:
        db.session.rollback()
        return jsonify(error=_DRAFT_REFUSALS[type(e)](e)), (409 if isinstance(e, services.NotAwaitingReview) else 422)
    return jsonify(note=draft_label(draft.saved_at, now))
