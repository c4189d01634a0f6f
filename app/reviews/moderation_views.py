"""Pages of the review checks (issue 13): a cohort's settings, decisions awaiting release or settlement,
second reviews, calibration, and the mentors' statistics."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth.models import Role
from app.cohorts.models import Cohort, MentorAssignment
from app.cohorts.services import is_mentor_of
from app.content.models import Exercise
from app.core import authz
from app.core.forms import select_choices
from app.core.inputs import positive_int
from app.core.markdown import render_markdown
from app.core.templating import current_locale
from app.core.timeutil import utcnow
from app.extensions import db
from app.reviews import agreement, calibration, claims, gate, mentor_stats, queries, services
from app.reviews.forms import (CalibrationForm, ExemplarReferenceForm, ReleaseDecisionForm, ReviewChecksForm,
                               SecondReviewForm, SettleForm, SubmissionReferenceForm, chosen_points,
                               scores_form_for)
from app.reviews.models import CalibrationReference, DecisionProposal, ProposalState
from app.submissions.models import Submission, SubmissionStatus

bp = Blueprint("moderation", __name__, url_prefix="/review", template_folder="templates")

MENTORS = (Role.MENTOR, Role.ADMIN)
STAFF = (Role.ORGANIZER, Role.ADMIN)


def _cohort_or_404(cohort_id: int) -> Cohort:
    cohort = db.session.get(Cohort, cohort_id)
    authz.ensure(cohort is not None)
    return cohort


def _refusal_messages() -> dict:
    return {
        gate.ProposalPending: _("A decision on this version is already waiting for release or for a second "
                                "mentor."),
        gate.NotOpen: _("This decision was released, settled or sent back since you opened the page. "
                        "Nothing was changed."),
        gate.SameMentor: _("The second review has to come from another mentor than the one who proposed "
                           "the acceptance."),
        services.NotLatestVersion: _("The learner has submitted a newer version since this decision was made, "
                                     "so it cannot reach them. Send it back to the mentor instead."),
        services.AlreadyReviewed: _("This submission has been decided already. Nothing was changed."),
        services.CohortArchived: _("This cohort is archived: its work can no longer be reviewed."),
        services.InvalidScores: _("Choose a level for every criterion."),
        services.FeedbackRequired: _("Write feedback so the learner knows what to do next."),
        calibration.NoExemplar: _("The mentor pack of this exercise has no such exemplar answer."),
        calibration.ConsentRequired: _("Confirm that the learner has agreed: their answer is used only with "
                                       "their consent."),
        calibration.AlreadyScored: _("You have scored this reference already; your first scores count."),
    }


def _refusal(e: services.ReviewRefused) -> str:
    if isinstance(e, services.BelowPassThreshold):
        return _("To agree with the acceptance, your scores must reach at least %(needed)d of %(max)d points. "
                 "If the work is not good enough, choose “Disagree” and write feedback.",
                 needed=e.needed, max=e.maximum)
    return _refusal_messages()[type(e)]


# --- a cohort's review checks --------------------------------------------------------------------------

@bp.route("/cohorts/<int:cohort_id>/checks", methods=["GET", "POST"])
@authz.roles(*STAFF)
def checks(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    links = list(db.session.scalars(select(MentorAssignment).where(MentorAssignment.cohort_id == cohort.id)
                                    .join(MentorAssignment.user).order_by(MentorAssignment.id)))
    form = ReviewChecksForm(obj=None if request.method == "POST" else cohort)
    form.lead_ids.choices = form.trusted_ids.choices = select_choices((a.user_id, a.user.display_name) for a in links)
    if request.method == "GET":
        form.lead_ids.data = [a.user_id for a in links if a.is_lead]
        form.trusted_ids.data = [a.user_id for a in links if a.is_trusted]
    if form.validate_on_submit():
        gate.update_checks(db.session, cohort=cohort, actor=current_user, release_gate=form.release_gate.data,
                           release_gate_decisions=form.release_gate_decisions.data,
                           moderation=form.moderation.data, lead_ids=set(form.lead_ids.data or ()),
                           trusted_ids=set(form.trusted_ids.data or ()))
        flash(_("The review checks of this cohort are saved."), "success")
        return redirect(url_for("moderation.checks", cohort_id=cohort.id))
    return render_template("reviews/checks.html", cohort=cohort, form=form), 422 if form.errors else 200


# --- decisions awaiting release or settlement ---------------------------------------------------------

@bp.route("/cohorts/<int:cohort_id>/decisions")
@authz.roles(Role.MENTOR, *STAFF)
def decisions(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    authz.ensure(gate.may_release(db.session, current_user, cohort.id))
    proposals = gate.cohort_open_proposals(db.session, cohort.id)
    feedback = {p.id: (render_markdown(p.feedback_md),
                       render_markdown(p.second_feedback_md) if p.second_feedback_md else None) for p in proposals}
    return render_template("reviews/decisions.html", cohort=cohort, proposals=proposals, feedback=feedback,
                           release_form=ReleaseDecisionForm(), settle_form=SettleForm(),
                           may_settle=current_user.role in STAFF)


def _id(value: str | None) -> int | None:
    try:
        return positive_int(value or "")
    except ValueError:
        return None


def _proposal_from(form, cohort_id: int) -> DecisionProposal:
    proposal_id = _id(form.proposal_id.data)
    proposal = gate.proposal_in_cohort(db.session, proposal_id, cohort_id) if proposal_id else None
    authz.ensure(proposal is not None)
    return proposal


@bp.route("/cohorts/<int:cohort_id>/decisions/release", methods=["POST"])
@authz.roles(Role.MENTOR, *STAFF)
def release_decision(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    authz.ensure(gate.may_release(db.session, current_user, cohort.id))
    form = ReleaseDecisionForm()
    if not form.validate_on_submit():
        flash(_("Choose a decision to release or send back."), "error")
        return redirect(url_for("moderation.decisions", cohort_id=cohort.id))
    proposal = _proposal_from(form, cohort.id)
    authz.ensure(proposal.mentor_id != current_user.id)
    try:
        if form.send_back.data:
            gate.send_back(db.session, proposal=proposal, actor=current_user, now=utcnow(), note=form.note.data or "")
        else:
            gate.release(db.session, proposal=proposal, actor=current_user, now=utcnow())
    except services.ReviewRefused as e:
        db.session.rollback()
        flash(_refusal(e), "error")
    else:
        flash(_("Sent back to %(name)s, with their scores and feedback kept as their draft.",
                name=proposal.mentor.display_name) if form.send_back.data
              else _("Released: the learner now sees %(name)s's decision.", name=proposal.mentor.display_name),
              "success")
    return redirect(url_for("moderation.decisions", cohort_id=cohort.id))


@bp.route("/cohorts/<int:cohort_id>/decisions/settle", methods=["POST"])
@authz.roles(*STAFF)
def settle(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    form = SettleForm()
    if not form.validate_on_submit():
        flash(_("Choose how to settle the decision."), "error")
        return redirect(url_for("moderation.decisions", cohort_id=cohort.id))
    proposal = _proposal_from(form, cohort.id)
    try:
        review = gate.settle(db.session, proposal=proposal, actor=current_user, now=utcnow(),
                             accept=bool(form.accept.data))
    except services.ReviewRefused as e:
        db.session.rollback()
        flash(_refusal(e), "error")
    else:
        flash(_("Settled: the submission is accepted.") if review.decision == "accepted"
              else _("Settled: the submission is returned for revision with the second mentor's feedback."),
              "success")
    return redirect(url_for("moderation.decisions", cohort_id=cohort.id))


# --- second review of a moderated acceptance ----------------------------------------------------------

def _reviewable(submission_id: int) -> Submission:
    submission = queries.submission_for_review(db.session, submission_id)
    authz.ensure(submission is not None and (current_user.role == Role.ADMIN or is_mentor_of(
        db.session, current_user, submission.enrolment.cohort_id)))
    return submission


def second_review_form(submission: Submission, **kwargs) -> SecondReviewForm:
    return scores_form_for(SecondReviewForm, submission.exercise, current_locale(), **kwargs)


@bp.route("/submissions/<int:submission_id>/second-review", methods=["POST"])
@authz.roles(*MENTORS)
def second_review(submission_id: int):
    submission = _reviewable(submission_id)
    form = second_review_form(submission)
    proposal = gate.open_proposal(db.session, gate.latest_version(db.session, submission).id)
    if proposal is None or proposal.state != ProposalState.AWAITING_SECOND:
        flash(_refusal(gate.NotOpen()), "error")
    elif not form.validate_on_submit():
        flash(_("Choose a level for every criterion."), "error")
    else:
        try:
            review = gate.second_review(db.session, proposal=proposal, mentor=current_user, now=utcnow(),
                                        agree=bool(form.agree.data), points_by_criterion=chosen_points(form),
                                        feedback_md=form.feedback.data)
        except services.ReviewRefused as e:
            db.session.rollback()
            flash(_refusal(e), "error")
        else:
            flash(_("You agreed: the acceptance is final and the learner sees it.") if review is not None
                  else _("You disagreed: an organizer will settle it."), "success")
            return redirect(url_for("reviews.queue"))
    return redirect(url_for("reviews.review", submission_id=submission.id))


# --- the mentors' statistics --------------------------------------------------------------------------

@bp.route("/cohorts/<int:cohort_id>/mentors")
@authz.roles(*STAFF)
def mentor_statistics(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    stats = mentor_stats.cohort_review_stats(db.session, cohort)
    return render_template("reviews/mentor_stats.html", cohort=cohort, stats=stats, formula=agreement.FORMULA)


# --- calibration --------------------------------------------------------------------------------------

@bp.route("/exercises/<int:exercise_id>/calibration", methods=["GET", "POST"])
@authz.roles(*STAFF)
def references(exercise_id: int):
    exercise = calibration.exercise_with_rubric(db.session, exercise_id)
    authz.ensure(exercise is not None)
    form = scores_form_for(ExemplarReferenceForm, exercise, current_locale())
    refusal = None
    if form.validate_on_submit():
        try:
            calibration.add_exemplar_reference(db.session, exercise=exercise, ideal=form.exemplar.data == "ideal",
                                               locale=current_locale(), agreed_points=chosen_points(form),
                                               actor=current_user, now=utcnow())
        except services.ReviewRefused as e:
            db.session.rollback()
            refusal = _refusal(e)
        else:
            flash(_("The exemplar is now a calibration reference of this exercise."), "success")
            return redirect(url_for("moderation.references", exercise_id=exercise.id))
    accepted = list(db.session.scalars(
        select(Submission).where(Submission.exercise_id == exercise.id, Submission.status == SubmissionStatus.ACCEPTED)
        .order_by(Submission.id.desc()).limit(20)))
    return render_template("reviews/references.html", exercise=exercise,
                           references=calibration.references(db.session, exercise.id), form=form, refusal=refusal,
                           accepted=accepted), 409 if refusal else (422 if form.errors else 200)


@bp.route("/submissions/<int:submission_id>/calibration-reference", methods=["GET", "POST"])
@authz.roles(*STAFF)
def reference_from_submission(submission_id: int):
    submission = queries.submission_for_review(db.session, submission_id)
    authz.ensure(submission is not None)
    version = gate.latest_version(db.session, submission)
    form = scores_form_for(SubmissionReferenceForm, submission.exercise, current_locale())
    refusal = None
    if form.validate_on_submit():
        try:
            calibration.add_submission_reference(db.session, version=version, consent=form.consent.data,
                                                 agreed_points=chosen_points(form), actor=current_user,
                                                 now=utcnow())
        except services.ReviewRefused as e:
            db.session.rollback()
            refusal = _refusal(e)
        else:
            flash(_("The answer is now a calibration reference of this exercise, without the learner's name."),
                  "success")
            return redirect(url_for("moderation.references", exercise_id=submission.exercise_id))
    return render_template("reviews/reference_from_submission.html", submission=submission, version=version,
                           form=form, refusal=refusal), 409 if refusal else (422 if form.errors else 200)


def _mentors_exercise(exercise_id: int) -> Exercise:
    """The exercise, if a cohort the current mentor is assigned to works on it (administrators: any)."""
    exercise = calibration.exercise_with_rubric(db.session, exercise_id)
    authz.ensure(exercise is not None and (current_user.role == Role.ADMIN or db.session.scalar(
        select(MentorAssignment.id).join(MentorAssignment.cohort)
        .where(MentorAssignment.user_id == current_user.id,
               Cohort.module_version_id == exercise.module_version_id).limit(1)) is not None))
    return exercise


@bp.route("/exercises/<int:exercise_id>/calibrate", methods=["GET", "POST"])
@authz.roles(*MENTORS)
def calibrate(exercise_id: int):
    exercise = _mentors_exercise(exercise_id)
    # The review the mentor was on their way to, to continue with afterwards.
    submission_id = request.args.get("submission", type=positive_int)
    references = calibration.references(db.session, exercise.id)
    attempts = calibration.attempts_by_reference(db.session, current_user.id, exercise.id)
    pending = next((r for r in references if r.id not in attempts), None)
    form = scores_form_for(CalibrationForm, exercise, current_locale())
    refusal = None
    if form.validate_on_submit():
        reference = db.session.get(CalibrationReference, _id(form.reference_id.data) or 0)
        authz.ensure(reference is not None and reference.exercise_id == exercise.id)
        try:
            calibration.score_reference(db.session, reference=reference, mentor=current_user,
                                        points_by_criterion=chosen_points(form), now=utcnow())
        except services.ReviewRefused as e:
            db.session.rollback()
            refusal = _refusal(e)
        else:
            return redirect(url_for("moderation.calibrate", exercise_id=exercise.id, submission=submission_id,
                                    _anchor=f"result-{reference.id}"))
    if pending is not None and request.method == "GET":
        form.reference_id.data = str(pending.id)
    results = [(r, calibration.comparison(r, attempts[r.id], exercise.criteria)) for r in references if r.id in attempts]
    return render_template("reviews/calibrate.html", exercise=exercise, pending=pending, form=form, results=results,
                           refusal=refusal, submission_id=submission_id), \
        409 if refusal else (422 if form.errors else 200)


def proposal_context(submission: Submission, proposal: DecisionProposal | None, is_lead: bool) -> dict:
    """What the review page shows of a proposal on the latest version (app/reviews/templates/reviews/_proposal.html)."""
    second_form = None
    if (proposal is not None and proposal.state == ProposalState.AWAITING_SECOND
            and proposal.mentor_id != current_user.id):
        second_form = second_review_form(submission)
    return {"proposal": proposal, "second_form": second_form,
            # Administrators and the cohort's lead mentors are offered the page that releases it.
            "may_release_proposal": is_lead or current_user.role == Role.ADMIN,
            "proposal_feedback_html": render_markdown(proposal.feedback_md) if proposal else None}
