"""Mentor decisions on submission versions."""

import math
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.auth.models import User
from app.cohorts.lifecycle import reviews_allowed
from app.core.db import dialect_insert
from app.core.markdown import render_markdown
from app.submissions.models import Submission, SubmissionStatus, SubmissionVersion
from app.reviews import fairness
from app.reviews.models import CriterionScore, Decision, Review, ReviewAuditAction, ReviewDraft
from app.reviews.signals import review_decided, submission_accepted


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


class NotAwaitingReview(ReviewRefused):
    """The submission has been decided since the page was opened: there is nothing to draft for."""


class UnknownLevel(ReviewRefused):
    """A draft's score is not one of the criterion's levels (or names a criterion of another exercise)."""


class LastRoundMustDecide(ReviewRefused):
    """The cohort's revision rounds are used up: the work is accepted or closed as not passed, not returned."""


class NotLastRound(ReviewRefused):
    """"Not passed" closes the exercise for good: only after the cohort's last revision round."""


class FeedbackTooLong(ReviewRefused):
    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit


def points_needed_to_pass(pass_threshold: float, max_points: int) -> int:
    return math.ceil(pass_threshold * max_points - 1e-9)


def scores_fit_rubric(criteria, points_by_criterion: dict[int, int]) -> bool:
    """One of its levels for every criterion of the rubric, and nothing else."""
    return set(points_by_criterion) == {c.id for c in criteria} and all(
        points_by_criterion[c.id] in {level.points for level in c.levels} for c in criteria)


def check_decision(version: SubmissionVersion, *, decision: Decision | str, points_by_criterion: dict[int, int],
                   feedback_md: str) -> tuple[Decision, str, int]:
    """The decision, the cleaned feedback and the maximum points, if a mentor may decide so on `version`
    now; raises what `review_version` refuses for (writing nothing). Proposals (app/reviews/gate.py) are
    checked the same way."""
    submission: Submission = version.submission
    if not reviews_allowed(submission.enrolment.cohort):
        raise CohortArchived()
    if version.number != submission.latest_version_number:
        raise NotLatestVersion()
    if submission.status != SubmissionStatus.AWAITING_REVIEW:
        raise AlreadyReviewed()
    criteria = submission.exercise.criteria
    if not scores_fit_rubric(criteria, points_by_criterion):
        raise InvalidScores()
    feedback_md = (feedback_md or "").replace("\r\n", "\n").strip()
    if not feedback_md:
        raise FeedbackRequired()

    decision = Decision(decision)
    last_round = fairness.is_last_round(submission)
    if decision == Decision.RETURNED and last_round:
        raise LastRoundMustDecide()
    if decision == Decision.NOT_PASSED and not last_round:
        raise NotLastRound()
    max_points = sum(c.max_points for c in criteria)
    needed = points_needed_to_pass(submission.exercise.pass_threshold, max_points)
    if decision == Decision.ACCEPTED and sum(points_by_criterion.values()) < needed:
        raise BelowPassThreshold(needed, max_points)
    return decision, feedback_md, max_points


def review_version(session: Session, *, version: SubmissionVersion, mentor: User, decision: Decision | str,
                   points_by_criterion: dict[int, int], feedback_md: str, now: datetime) -> Review:
    """Record a mentor's scores, feedback and decision on `version`.

    Refuses (writing nothing) when the version is not the latest, when it was already decided,
    when a score is missing or outside the criterion's range, or when the cohort is archived; in the
    cohort's last revision round a return (LastRoundMustDecide), otherwise "not passed" (NotLastRound).
    Writes the scores and decision to the review audit trail. Sends `review_decided` (and, accepting,
    `submission_accepted`) inside the same transaction."""
    submission: Submission = version.submission
    decision, feedback_md, max_points = check_decision(version, decision=decision,
                                                       points_by_criterion=points_by_criterion,
                                                       feedback_md=feedback_md)
    new_status = {Decision.ACCEPTED: SubmissionStatus.ACCEPTED, Decision.RETURNED: SubmissionStatus.RETURNED,
                  Decision.NOT_PASSED: SubmissionStatus.NOT_PASSED}[decision]
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
    previous = session.scalar(select(Review).join(Review.submission_version).where(
        SubmissionVersion.submission_id == submission.id, Review.id != review.id)
        .order_by(SubmissionVersion.number.desc()).limit(1))
    fairness.record(session, submission=submission, action=ReviewAuditAction.DECISION, actor=mentor,
                    mentor_id=mentor.id, now=now, before=audited_review(previous), after=audited_review(review))
    # Decided: every mentor's draft for it has nothing left to decide.
    session.execute(delete(ReviewDraft).where(ReviewDraft.submission_id == submission.id))
    if decision == Decision.ACCEPTED:
        submission_accepted.send(session, submission=submission, now=now)
    review_decided.send(session, review=review, now=now)
    return review


def audited_review(review: Review | None) -> dict | None:
    """A review as the audit trail keeps it: the version, decision, total and each criterion's points
    (with its titles, as the rubric named it then)."""
    if review is None:
        return None
    titles = {c.id: c for c in review.submission_version.submission.exercise.criteria}
    return {"version": review.submission_version.number, "decision": review.decision.value,
            "total_points": review.total_points, "max_points": review.max_points,
            "scores": [{"criterion_id": s.criterion_id, "title_ja": titles[s.criterion_id].title_ja,
                        "title_en": titles[s.criterion_id].title_en, "points": s.points}
                       for s in sorted(review.scores, key=lambda s: titles[s.criterion_id].position)]}


def save_review_draft(session: Session, *, submission: Submission, mentor: User, points_by_criterion: dict[int, int],
                      feedback_md: str, now: datetime, max_feedback_chars: int) -> ReviewDraft:
    """Keep the levels chosen so far (any subset of the criteria) and the feedback typed so far, exactly,
    as the mentor's one draft for the submission, replacing the previous one. Raises NotAwaitingReview
    once the submission is decided, UnknownLevel for a score that is not a level of the exercise's
    rubric, FeedbackTooLong; writes nothing then."""
    if submission.status != SubmissionStatus.AWAITING_REVIEW:
        raise NotAwaitingReview()
    levels = {c.id: {level.points for level in c.levels} for c in submission.exercise.criteria}
    if any(points not in levels.get(cid, ()) for cid, points in points_by_criterion.items()):
        raise UnknownLevel()
    feedback_md = (feedback_md or "").replace("\r\n", "\n")
    if len(feedback_md) > max_feedback_chars:
        raise FeedbackTooLong(max_feedback_chars)
    stored = {str(cid): points for cid, points in sorted(points_by_criterion.items())}
    # One statement, so that two tabs saving at once both succeed (the later one wins).
    table = ReviewDraft.__table__
    statement = dialect_insert(session)(table).values(
        submission_id=submission.id, mentor_id=mentor.id, points_by_criterion=stored, feedback_md=feedback_md,
        saved_at=now)
    session.execute(statement.on_conflict_do_update(
        index_elements=["submission_id", "mentor_id"],
        set_={"points_by_criterion": statement.excluded.points_by_criterion, "feedback_md": feedback_md,
              "saved_at": now}))
    return session.scalars(select(ReviewDraft).where(ReviewDraft.submission_id == submission.id,
                                                     ReviewDraft.mentor_id == mentor.id)
                           .execution_options(populate_existing=True)).one()
