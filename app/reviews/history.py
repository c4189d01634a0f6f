"""What a mentor has reviewed, and one learner's work across exercises as the mentor may see it."""

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from app.auth.models import Role, User
from app.cohorts.models import Cohort, Enrolment, MentorAssignment
from app.content.models import Exercise
from app.reviews import fairness
from app.reviews.models import Decision, Review
from app.reviews.queries import Paged, QueueOption
from app.submissions.models import Submission, SubmissionVersion


@dataclass(frozen=True)
class ReviewHistoryPage(Paged):
    cohorts: list[QueueOption]
    exercises: list[QueueOption]
    decisions: list[QueueOption]
    # Cohorts the mentor is assigned to now: only their learners' histories open.
    current_cohort_ids: frozenset[int]


def _assigned_cohort_ids(session: Session, mentor: User):
    return select(MentorAssignment.cohort_id).where(MentorAssignment.user_id == mentor.id)


def reviews_by(mentor: User) -> Select:
    """The mentor's reviews, newest first, each with its submission, learner, cohort and exercise."""
    return (select(Review).join(Review.submission_version).join(SubmissionVersion.submission)
            .join(Submission.enrolment).join(Enrolment.cohort).join(Enrolment.user).join(Submission.exercise)
            .where(Review.mentor_id == mentor.id)
            .options(contains_eager(Review.submission_version).contains_eager(SubmissionVersion.submission)
                     .contains_eager(Submission.enrolment).contains_eager(Enrolment.cohort),
                     contains_eager(Review.submission_version).contains_eager(SubmissionVersion.submission)
                     .contains_eager(Submission.enrolment).contains_eager(Enrolment.user),
                     contains_eager(Review.submission_version).contains_eager(SubmissionVersion.submission)
                     .contains_eager(Submission.exercise))
            .order_by(Review.created_at.desc(), Review.id.desc()))


def mentor_reviews(session: Session, mentor: User, locale: str, *, cohort_id: int | None = None,
                   exercise_slug: str | None = None, decision: str | None = None, page: int = 1,
                   per_page: int = 50) -> ReviewHistoryPage:
    """One page of the reviews `mentor` wrote, newest first, filtered by cohort, exercise and decision;
    each filter's choices counted within the other filters. Three queries, whatever the number of reviews."""
    # One grouped query gives every choice's count (cohorts × exercises × 2 decisions rows at most).
    rows = session.execute(
        select(Cohort.id, Cohort.name, Exercise.slug, Exercise.title_ja, Exercise.title_en, Review.decision,
               func.count())
        .select_from(Review).join(SubmissionVersion, Review.submission_version_id == SubmissionVersion.id)
        .join(Submission, SubmissionVersion.submission_id == Submission.id)
        .join(Enrolment, Submission.enrolment_id == Enrolment.id).join(Cohort, Enrolment.cohort_id == Cohort.id)
        .join(Exercise, Submission.exercise_id == Exercise.id)
        .where(Review.mentor_id == mentor.id)
        .group_by(Cohort.id, Cohort.name, Exercise.id, Exercise.slug, Exercise.title_ja, Exercise.title_en,
                  Review.decision)
        .order_by(Cohort.name, Exercise.slug, Exercise.id)).all()
    by_cohort: dict[int, list] = {}
    by_exercise: dict[str, list] = {}
    by_decision: dict[str, int] = {}
    total = 0
    for cid, name, slug, title_ja, title_en, row_decision, count in rows:
        in_cohort, in_exercise = cohort_id in (None, cid), exercise_slug in (None, slug)
        in_decision = decision in (None, row_decision)
        if in_exercise and in_decision:
            by_cohort.setdefault(cid, [0, name])[0] += count
        if in_cohort and in_decision:
            entry = by_exercise.setdefault(slug, [0, ""])
            entry[0] += count
            entry[1] = title_en if locale == "en" else title_ja
        if in_cohort and in_exercise:
            by_decision[row_decision] = by_decision.get(row_decision, 0) + count
            if in_decision:
                total += count
    cohorts = [QueueOption(cid, name, count) for cid, (count, name) in sorted(
        by_cohort.items(), key=lambda item: item[1][1])]
    exercises = [QueueOption(slug, title, count) for slug, (count, title) in sorted(
        by_exercise.items(), key=lambda item: item[1][1])]
    # "Not passed" exists only in cohorts with a revision cap: a choice only once the mentor has used it.
    decisions = [QueueOption(d.value, d.value, by_decision.get(d, 0)) for d in Decision
                 if d != Decision.NOT_PASSED or by_decision.get(d) or decision == d]

    pages = max(1, -(-total // per_page))
    number = min(page, pages)
    query = reviews_by(mentor).offset((number - 1) * per_page).limit(per_page)
    if cohort_id:
        query = query.where(Enrolment.cohort_id == cohort_id)
    if exercise_slug:
        query = query.where(Exercise.slug == exercise_slug)
    if decision:
        query = query.where(Review.decision == decision)
    items = list(session.scalars(query))
    current = frozenset(session.scalars(_assigned_cohort_ids(session, mentor)))
    return ReviewHistoryPage(items, number, per_page, total, cohorts, exercises, decisions, current)


@dataclass(frozen=True)
class SubmissionRecord:
    submission: Submission
    reviews: list[Review]  # newest first


@dataclass(frozen=True)
class LearnerHistory:
    learner: User
    # Per cohort (newest first), the learner's submissions in it.
    cohorts: list[tuple[Cohort, list[SubmissionRecord]]]


def learner_history(session: Session, mentor: User, learner_id: int) -> LearnerHistory | None:
    """A learner's submissions and every review of them, in the cohorts `mentor` is assigned to (all
    cohorts for an administrator), except work still under blind review. None when the learner is in
    none of them: a mentor never sees the work of a learner outside their cohorts. Three queries."""
    enrolments = select(Enrolment).join(Enrolment.cohort).join(Enrolment.user).where(
        Enrolment.user_id == learner_id).options(contains_eager(Enrolment.cohort), contains_eager(Enrolment.user))
    if mentor.role != Role.ADMIN:
        enrolments = enrolments.where(Enrolment.cohort_id.in_(_assigned_cohort_ids(session, mentor)))
    enrolments = list(session.scalars(enrolments.order_by(Cohort.starts_at.desc(), Cohort.id.desc())))
    if not enrolments:
        return None
    # Work still under blind review is left out: the page names the learner (fairness.py).
    submissions = list(session.scalars(
        select(Submission).join(Submission.exercise).join(Submission.enrolment).join(Enrolment.cohort)
        .where(Submission.enrolment_id.in_([e.id for e in enrolments]), ~fairness.is_open_blind())
        .options(contains_eager(Submission.exercise)).order_by(Exercise.position, Exercise.id)))
    reviews: dict[int, list[Review]] = {}
    for review in session.scalars(
            select(Review).join(Review.submission_version)
            .where(SubmissionVersion.submission_id.in_([s.id for s in submissions]))
            .options(contains_eager(Review.submission_version), joinedload(Review.mentor))
            .order_by(Review.created_at.desc(), Review.id.desc())):
        reviews.setdefault(review.submission_version.submission_id, []).append(review)
    by_enrolment: dict[int, list[SubmissionRecord]] = {}
    for submission in submissions:
        by_enrolment.setdefault(submission.enrolment_id, []).append(
            SubmissionRecord(submission, reviews.get(submission.id, [])))
    return LearnerHistory(enrolments[0].user, [(e.cohort, by_enrolment.get(e.id, [])) for e in enrolments])
