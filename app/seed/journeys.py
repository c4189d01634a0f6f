"""One learner's way through one cohort, simulated by the app's rules: exercises in their unlock order,
each submitted version judged once (returned or accepted, only the latest awaiting review), questions
answered, and the completion when every required exercise is accepted. Pure: no database."""

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.content.models import UnlockWhen
from app.reviews.models import Decision
from app.submissions.models import SubmissionStatus

DAY = timedelta(days=1)


@dataclass(frozen=True)
class CriterionSpec:
    id: int
    levels: tuple[int, ...]   # the allowed points, ascending


@dataclass(frozen=True)
class QuestionSpec:
    """A question with a right and a wrong response as its kind's handler parses and grades them."""
    id: int
    points: int
    right: dict
    wrong: dict
    is_wrong_correct: bool


@dataclass(frozen=True)
class ExerciseSpec:
    id: int
    slug: str
    title_ja: str
    title_en: str
    is_required: bool
    weight: float
    pass_threshold: float
    unlock_after_slug: str | None
    unlock_when: str | None
    unlock_days_after_start: int | None
    criteria: tuple[CriterionSpec, ...]
    questions: tuple[QuestionSpec, ...]

    @property
    def max_points(self) -> int:
        return sum(c.levels[-1] for c in self.criteria)

    @property
    def points_needed(self) -> int:  # as reviews.services.points_needed_to_pass
        return math.ceil(self.pass_threshold * self.max_points - 1e-9)


@dataclass
class ReviewPlan:
    decision: Decision
    points: dict[int, int]
    mentor_id: int
    at: datetime

    @property
    def total(self) -> int:
        return sum(self.points.values())


@dataclass
class VersionPlan:
    number: int
    at: datetime
    review: ReviewPlan | None = None


@dataclass
class AttemptPlan:
    question_id: int
    response: dict
    is_correct: bool
    at: datetime


@dataclass
class SubmissionPlan:
    exercise: ExerciseSpec
    versions: list[VersionPlan] = field(default_factory=list)

    @property
    def status(self) -> SubmissionStatus:
        review = self.versions[-1].review
        return SubmissionStatus.AWAITING_REVIEW if review is None else SubmissionStatus(review.decision)


@dataclass
class CompletionPlan:
    at: datetime
    accepted: list[SubmissionPlan]   # the accepted submissions when the last required one was accepted
    total_points: int
    max_points: int
    score_percent: float


@dataclass
class Journey:
    submissions: list[SubmissionPlan]
    attempts: list[AttemptPlan]
    completion: CompletionPlan | None


@dataclass(frozen=True)
class CohortFrame:
    starts_at: datetime
    ends_at: datetime
    mentor_ids: tuple[int, ...]
    is_current: bool


def _review_points(rng: random.Random, exercise: ExerciseSpec, accepted: bool) -> dict[int, int]:
    if accepted:
        points = {c.id: rng.choice(c.levels[-2:]) for c in exercise.criteria}
        if sum(points.values()) < exercise.points_needed:
            points = {c.id: c.levels[-1] for c in exercise.criteria}
        return points
    return {c.id: rng.choice(c.levels[:-1] or c.levels) for c in exercise.criteria}


def _attempts(rng: random.Random, exercise: ExerciseSpec, at: datetime) -> list[AttemptPlan]:
    """One right answer per question at `at`, after a wrong one now and then (the latest attempt counts)."""
    attempts = []
    for q in exercise.questions:
        if rng.random() < 0.15:
            # A minute before the right one: still after the exercise opened (an hour at least).
            attempts.append(AttemptPlan(q.id, q.wrong, q.is_wrong_correct, at - timedelta(minutes=1)))
        attempts.append(AttemptPlan(q.id, q.right, True, at))
    return attempts


def _is_unlocked(exercise: ExerciseSpec, frame: CohortFrame, statuses: dict[str, SubmissionStatus], at: datetime) -> bool:
    if exercise.unlock_days_after_start is not None and at < frame.starts_at + exercise.unlock_days_after_start * DAY:
        return False
    if exercise.unlock_after_slug is None:
        return True
    status = statuses.get(exercise.unlock_after_slug)
    return status == SubmissionStatus.ACCEPTED or (exercise.unlock_when == UnlockWhen.SUBMITTED and status is not None)


def _score_percent(accepted: list[SubmissionPlan], correct_points: dict[int, int]) -> float:
    """As completions.services._weighted_score: rubric plus right answers, weighted by exercise."""
    weighted = weights = 0.0
    for submission in accepted:
        exercise, review = submission.exercise, submission.versions[-1].review
        earned = review.total + correct_points.get(exercise.id, 0)
        possible = exercise.max_points + sum(q.points for q in exercise.questions)
        if possible:
            weighted += exercise.weight * earned / possible
            weights += exercise.weight
    return round(100 * weighted / weights, 1) if weights else 0.0


def simulate(rng: random.Random, exercises: list[ExerciseSpec], frame: CohortFrame, now: datetime) -> Journey:
    """The work of one enrolment up to `now` (or to the cohort's end)."""
    limit = min(now, frame.ends_at)
    # Most learners of a closed cohort completed it; the others stopped somewhere.
    stop_at = len(exercises) if frame.is_current or rng.random() < 0.9 else rng.randrange(len(exercises))
    if frame.is_current and rng.random() < 0.05:
        stop_at = 0   # enrolled, never started
    # Half of the learners keep a brisk pace, the others fall behind (the organizer's progress table).
    days_per_exercise = rng.uniform(3.0, 10.0) if rng.random() < 0.5 else rng.uniform(10.0, 30.0)
    t = frame.starts_at + rng.uniform(0.2, 3.0) * DAY
    submissions, attempts, statuses, correct_points = [], [], {}, {}
    completion = None
    for index, exercise in enumerate(exercises):
        if index >= stop_at or (not exercise.is_required and rng.random() > 0.15):
            break
        if exercise.unlock_days_after_start is not None:
            t = max(t, frame.starts_at + exercise.unlock_days_after_start * DAY + rng.uniform(0.05, 2) * DAY)
        if t >= limit or not _is_unlocked(exercise, frame, statuses, t):
            break
        submission = SubmissionPlan(exercise)
        submissions.append(submission)
        tried = _attempts(rng, exercise, t)
        attempts.extend(tried)
        correct_points[exercise.id] = sum(q.points for q in exercise.questions)
        returns = 2 if rng.random() < 0.02 else (1 if rng.random() < 0.1 else 0)
        gives_up = not frame.is_current and index == stop_at - 1 and stop_at < len(exercises)
        while True:
            version = VersionPlan(len(submission.versions) + 1, t)
            submission.versions.append(version)
            review_at = t + rng.uniform(0.5, 14.0) * DAY
            if review_at > now:
                break   # still awaiting review
            accept = returns == 0 and not gives_up
            version.review = ReviewPlan(Decision.ACCEPTED if accept else Decision.RETURNED,
                                        _review_points(rng, exercise, accept), rng.choice(frame.mentor_ids), review_at)
            t = review_at + rng.uniform(0.5, 4.0) * DAY
            if accept or gives_up or t >= limit:
                break
            returns -= 1
        statuses[exercise.slug] = submission.status
        if submission.status != SubmissionStatus.ACCEPTED:
            break
        t = t + rng.uniform(0.3, 1.0) * days_per_exercise * DAY
        if completion is None and all(statuses.get(e.slug) == SubmissionStatus.ACCEPTED for e in exercises if e.is_required):
            accepted = [s for s in submissions if s.status == SubmissionStatus.ACCEPTED]
            reviews = [s.versions[-1].review for s in accepted]
            completion = CompletionPlan(submission.versions[-1].review.at, accepted,
                                        sum(r.total for r in reviews), sum(s.exercise.max_points for s in accepted),
                                        _score_percent(accepted, correct_points))
    return Journey(submissions, attempts, completion)
