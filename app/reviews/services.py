"""Mentor decisions on submission versions."""

import math
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.auth.models import User
from app.cohorts.lifecycle import reviews_allowed
from app.core.markdown import render_markdown
from app.submissions.models import Submission, SubmissionStatus, SubmissionVersion
from app.reviews.models import CriterionScore, Decision, Review
from app.reviews.signals import submission_accepted


class ReviewRefused(Exception):
    pass


class NotLatestVersion(ReviewRefused):
    """The learner submitted a newer version after the mentor opened this one."""


class AlreadyReviewed(ReviewRefused):
    """Another mentor decided on this version first."""


class InvalidScores(ReviewRefused):
    pass


class CohortArchived(ReviewRefused):
    """The submission's cohort is archived: read-only for everyone."""


class FeedbackRequired(ReviewRefused):
    pass


class BelowPassThreshold(ReviewRefused):
    def __init__(self, needed: int, maximum: int):
        super().__init__(needed)
        self.needed, self.maximum = needed, maximum


def points_needed_to_pass(pass_threshold: float, max_points: int) -> int:
    return math.ceil(pass_threshold * max_points - 1e-9)


def review_version(session: Session, *, version: SubmissionVersion, mentor: User, decision: Decision | str,
                   points_by_criterion: dict[int, int], feedback_md: str, now: datetime) -> Review:
    """Record a mentor's scores, feedback and decision on `version`.

    Refuses (writing nothing) when the version is not the latest, when it was already decided,
    when a score is missing or outside the criterion's range, or when the cohort is archived.
    Accepting sends `submission_accepted` inside the same transaction."""
    submission: Submission = version.submission
    if not reviews_allowed(submission.enrolment.cohort):
        raise CohortArchived()
    if version.number != submission.latest_version_number:
        raise NotLatestVersion()
    if submission.status != SubmissionStatus.AWAITING_REVIEW:
        raise AlreadyReviewed()
    criteria = submission.exercise.criteria
    if set(points_by_criterion) != {c.id for c in criteria}:
        raise InvalidScores()
    for criterion in criteria:
        allowed = {level.points for level in criterion.levels}
        if points_by_criterion[criterion.id] not in allowed:
            raise InvalidScores()
    feedback_md = (feedback_md or "").replace("\r\n", "\n").strip()
    if not feedback_md:
        raise FeedbackRequired()

    decision = Decision(decision)
    max_points = sum(c.max_points for c in criteria)
    needed = points_needed_to_pass(submission.exercise.pass_threshold, max_points)
    if decision == Decision.ACCEPTED and sum(points_by_criterion.values()) < needed:
        raise BelowPassThreshold(needed, max_points)
    new_status = SubmissionStatus.ACCEPTED if decision == Decision.ACCEPTED else SubmissionStatus.RETURNED
    # Compare-and-set: only the first decision on the latest version wins; a second mentor gets
    # AlreadyReviewed instead of silently overwriting it.
    changed = session.execute(
        update(Submission)
        .where(Submission.id == submission.id, Submission.status == SubmissionStatus.AWAITING_REVIEW,
               Submission.latest_version_number == version.number)
        .values(status=new_status)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(submission, ["status", "latest_version_number"])
    if changed != 1:
        raise NotLatestVersion() if submission.latest_version_number != version.number else AlreadyReviewed()
    review = Review(submission_version=version, mentor=mentor, decision=decision, feedback_md=feedback_md,
                    feedback_html=str(render_markdown(feedback_md)),
                    total_points=sum(points_by_criterion.values()),
                    max_points=max_points, created_at=now,
                    scores=[CriterionScore(criterion_id=cid, points=p) for cid, p in points_by_criterion.items()])
    session.add(review)
    try:
        session.flush()
    except IntegrityError as e:  # the caller rolls back, as on every refusal
        raise AlreadyReviewed() from e
    if decision == Decision.ACCEPTED:
        submission_accepted.send(session, submission=submission, now=now)
    return review
