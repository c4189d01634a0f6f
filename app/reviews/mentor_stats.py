"""What organizers see of a cohort's mentors (issue 13): per mentor the reviews done, the median
turnaround (version submitted → final review) and the distribution of their scores per criterion; per
criterion the agreement between mentors (app/reviews/agreement.py) over the answers two or more of them
scored: moderated acceptances (both mentors' scores) and calibration references (the cohort's mentors)."""

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from app.auth.models import User
from app.cohorts.models import Cohort, Enrolment, MentorAssignment
from app.content.models import Exercise, RubricCriterion
from app.reviews.agreement import Agreement, krippendorff_alpha_interval
from app.reviews.models import CalibrationAttempt, CalibrationReference, CriterionScore, DecisionProposal, Review
from app.submissions.models import Submission, SubmissionVersion


@dataclass(frozen=True)
class MentorStats:
    mentor: User
    reviews: int
    median_turnaround: timedelta | None
    # criterion id -> Counter(points -> how many of the mentor's reviews gave them)
    distribution: dict[int, Counter]


@dataclass(frozen=True)
class CriterionAgreement:
    criterion: RubricCriterion
    agreement: Agreement


@dataclass(frozen=True)
class CohortReviewStats:
    mentors: list[MentorStats]
    criteria: list[RubricCriterion]  # every criterion of the cohort's exercises, in the module's order
    agreement: list[CriterionAgreement]


def _in_cohort(query, cohort_id: int):
    return (query.join(SubmissionVersion, SubmissionVersion.id == Review.submission_version_id)
            .join(Submission, Submission.id == SubmissionVersion.submission_id)
            .join(Enrolment, Enrolment.id == Submission.enrolment_id).where(Enrolment.cohort_id == cohort_id))


def cohort_review_stats(session: Session, cohort: Cohort) -> CohortReviewStats:
    """The cohort's mentor statistics in a fixed number of queries, whatever the number of reviews."""
    decided = session.execute(_in_cohort(select(Review.mentor_id, Review.created_at, SubmissionVersion.submitted_at),
                                         cohort.id)).all()
    scores = session.execute(_in_cohort(select(Review.mentor_id, CriterionScore.criterion_id, CriterionScore.points)
                                        .join(CriterionScore, CriterionScore.review_id == Review.id), cohort.id)).all()
    assigned = select(MentorAssignment.user_id).where(MentorAssignment.cohort_id == cohort.id)
    reviewed = {row.mentor_id for row in decided}
    mentors = list(session.scalars(select(User).where(or_(User.id.in_(assigned), User.id.in_(reviewed)))
                                   .order_by(User.display_name, User.id)))
    criteria = list(session.scalars(
        select(RubricCriterion).join(RubricCriterion.exercise)
        .where(Exercise.module_version_id == cohort.module_version_id)
        .options(selectinload(RubricCriterion.levels), selectinload(RubricCriterion.exercise))
        .order_by(Exercise.position, RubricCriterion.position)))

    turnarounds: dict[int, list[float]] = defaultdict(list)
    for row in decided:
        turnarounds[row.mentor_id].append((row.created_at - row.submitted_at).total_seconds())
    distribution: dict[int, dict[int, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for row in scores:
        distribution[row.mentor_id][row.criterion_id][row.points] += 1
    per_mentor = [MentorStats(m, len(turnarounds[m.id]),
                              timedelta(seconds=statistics.median(turnarounds[m.id])) if turnarounds[m.id] else None,
                              dict(distribution[m.id])) for m in mentors]
    return CohortReviewStats(per_mentor, criteria, _agreement(session, cohort, criteria, [m.id for m in mentors]))


def _agreement(session: Session, cohort: Cohort, criteria: list[RubricCriterion],
               mentor_ids: list[int]) -> list[CriterionAgreement]:
    """Per criterion: the units two or more mentors scored (two queries)."""
    units: dict[int, list[list[int]]] = defaultdict(list)  # criterion id -> units
    moderated = session.scalars(
        select(DecisionProposal).join(SubmissionVersion, SubmissionVersion.id == DecisionProposal.submission_version_id)
        .join(Submission, Submission.id == SubmissionVersion.submission_id)
        .join(Enrolment, Enrolment.id == Submission.enrolment_id)
        .where(Enrolment.cohort_id == cohort.id, DecisionProposal.second_points_by_criterion.is_not(None)))
    for proposal in moderated:
        first, second = proposal.points(), proposal.second_points()
        for cid in first.keys() & second.keys():
            units[cid].append([first[cid], second[cid]])
    by_reference: dict[int, list[dict[int, int]]] = defaultdict(list)
    for attempt in session.scalars(
            select(CalibrationAttempt).join(CalibrationAttempt.reference).join(CalibrationReference.exercise)
            .where(Exercise.module_version_id == cohort.module_version_id,
                   CalibrationAttempt.mentor_id.in_(mentor_ids))):
        by_reference[attempt.reference_id].append(attempt.points())
    for attempts in by_reference.values():
        for cid in set().union(*attempts):
            units[cid].append([a[cid] for a in attempts if cid in a])
    return [CriterionAgreement(c, krippendorff_alpha_interval(units[c.id])) for c in criteria]
