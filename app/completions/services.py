"""Completion records (修了記録)."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.autocheck.services import QuestionState, question_states
from app.cohorts.models import Enrolment
from app.completions.models import CompletionRecord
from app.completions.signals import completion_recorded
from app.submissions.models import Submission, SubmissionStatus
from app.submissions.work import work_of
from app.reviews.models import Review


def _weighted_score(session: Session, enrolment: Enrolment, exercises, accepted: dict, reviews: dict) -> float:
    """Each accepted exercise scores its rubric points plus its auto-checked questions answered right,
    as a share of the possible points; the module score is their mean weighted by exercise weight."""
    states = question_states(session, [enrolment.id], [q.id for e in exercises for q in e.questions])
    weighted, weights = 0.0, 0.0
    for exercise in exercises:
        if exercise.id not in accepted:
            continue
        review = reviews.get(accepted[exercise.id].versions[-1].id)
        earned = (review.total_points if review else 0) + sum(
            q.points for q in exercise.questions if states.get((enrolment.id, q.id), QuestionState()).is_correct)
        possible = (review.max_points if review else 0) + sum(q.points for q in exercise.questions)
        if possible:
            weighted += exercise.weight * earned / possible
            weights += exercise.weight
    return round(100 * weighted / weights, 1) if weights else 0.0


def record_completion_if_complete(session: Session, enrolment: Enrolment, now: datetime) -> CompletionRecord | None:
    """Write the completion record when every required exercise of the cohort's module version is
    accepted for this enrolment (as their own work, or their group's for a group deliverable). Does nothing if it is incomplete or already recorded
    (the unique constraint on enrolment and module version backs this up)."""
    module_version = enrolment.cohort.module_version
    # Two mentors accepting a learner's last two exercises at once would each miss the other's
    # uncommitted acceptance, and neither would record the completion. The second waits here for the
    # first to commit and then reads it (PostgreSQL; on SQLite writers are serial already).
    session.execute(select(Enrolment.id).where(Enrolment.id == enrolment.id).with_for_update())
    existing = session.scalar(select(CompletionRecord).where(
        CompletionRecord.enrolment_id == enrolment.id, CompletionRecord.module_version_id == module_version.id))
    if existing is not None:
        return None
    # Their own work and their group's.
    accepted = {s.exercise_id: s for _, s in session.execute(
        work_of([enrolment.id], Submission).where(Submission.status == SubmissionStatus.ACCEPTED)
        .execution_options(populate_existing=True))}
    required = [e for e in module_version.exercises if e.is_required]
    if not required or any(e.id not in accepted for e in required):
        return None
    accepted_versions = [accepted[e.id].versions[-1] for e in module_version.exercises if e.id in accepted]
    reviews = {r.submission_version_id: r for r in session.scalars(select(Review).where(
        Review.submission_version_id.in_([v.id for v in accepted_versions])))}
    record = CompletionRecord(enrolment=enrolment, module_version=module_version, completed_at=now,
                              total_points=sum(r.total_points for r in reviews.values()),
                              max_points=sum(r.max_points for r in reviews.values()),
                              score_percent=_weighted_score(session, enrolment, module_version.exercises, accepted,
                                                            reviews),
                              accepted_versions=accepted_versions)
    session.add(record)
    session.flush()
    completion_recorded.send(session, record=record)
    return record
