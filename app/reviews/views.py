from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.models import Role
from app.cohorts.services import is_mentor_of
from app.core import authz
from app.core.inputs import positive_int
from app.core.templating import current_locale
from app.core.textdiff import line_diff
from app.core.timeutil import utcnow
from app.extensions import db
from app.reviews import queries, services
from app.reviews.forms import review_form_for
from app.reviews.models import Decision

bp = Blueprint("reviews", __name__, url_prefix="/review", template_folder="templates")

MENTORS = (Role.MENTOR, Role.ADMIN)


QUEUE_PAGE_SIZE = 50


@bp.route("/")
@authz.roles(*MENTORS)
def queue():
    cohort_id = request.args.get("cohort", type=positive_int)
    exercise_slug = request.args.get("exercise") or None
    withdrawn = 1 if request.args.get("withdrawn") == "1" else None
    page = queries.review_queue(db.session, current_user, current_locale(), cohort_id, exercise_slug,
                                page=request.args.get("page", 1, type=positive_int), per_page=QUEUE_PAGE_SIZE,
                                include_withdrawn=bool(withdrawn))
    return render_template("reviews/queue.html", page=page, cohort_id=cohort_id, exercise_slug=exercise_slug,
                           withdrawn=withdrawn, now=utcnow())


_REFUSALS = {
    services.NotLatestVersion: lambda e: _("The learner has submitted a newer version since you opened this page. "
                                         "Your review was not saved; please review the newest version."),
    services.AlreadyReviewed: lambda e: _("Another mentor has already decided on this version. "
                                        "Your review was not saved."),
    services.InvalidScores: lambda e: _("Choose a level for every criterion."),
    services.FeedbackRequired: lambda e: _("Write feedback so the learner knows what to do next."),
    services.BelowPassThreshold: lambda e: _(
        "To accept, the score must reach at least %(needed)d of %(max)d points (the pass threshold). "
        "Return the work for revision instead, or check the scores.", needed=e.needed, max=e.maximum),
}


@bp.route("/submissions/<int:submission_id>", methods=["GET", "POST"])
@authz.roles(*MENTORS)
def review(submission_id: int):
    submission = queries.submission_for_review(db.session, submission_id)
    authz.ensure(submission is not None and (current_user.role == Role.ADMIN or is_mentor_of(
        db.session, current_user, submission.enrolment.cohort_id)))
    history = queries.submission_history(db.session, submission)
    latest = history[0].version
    form = review_form_for(submission.exercise, current_locale())
    if request.method == "GET":
        form.version_id.data = str(latest.id)
    refusal = None
    if form.validate_on_submit():
        version = next((h.version for h in history if str(h.version.id) == form.version_id.data), None)
        authz.ensure(version is not None)
        decision = Decision.ACCEPTED if form.accept.data else Decision.RETURNED
        points = {cid: int(getattr(form, name).data) for cid, name in form.criterion_fields}
        try:
            services.review_version(db.session, version=version, mentor=current_user, decision=decision,
                                    points_by_criterion=points, feedback_md=form.feedback.data, now=utcnow())
        except services.ReviewRefused as e:
            db.session.rollback()
            refusal = _REFUSALS[type(e)](e)
        else:
            flash(_("Accepted.") if decision == Decision.ACCEPTED else _("Returned to the learner for revision."),
                  "success")
            return redirect(url_for("reviews.queue"))
    previous = history[1].version if len(history) > 1 else None
    diff = line_diff(previous.body_md, latest.body_md) if previous else None
    status = 409 if refusal else (422 if form.errors else 200)
    exercise = submission.exercise
    return render_template("reviews/review.html", submission=submission, history=history, latest=latest,
                           previous=previous, diff=diff, form=form, refusal=refusal,
                           points_to_pass=services.points_needed_to_pass(exercise.pass_threshold, exercise.max_points),
                           ), status
