"""When an exercise opens: at a day of the cohort, after another exercise is submitted or accepted."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.cohorts.models import Cohort, Enrolment
from app.content.models import Exercise, UnlockWhen
from app.submissions.models import Submission, SubmissionStatus
from app.submissions.work import work_of


@dataclass(frozen=True)
class Lock:
    """Why an exercise is still closed, to be shown to the learner."""
    opens_at: datetime | None
    after: Exercise | None
    when: str | None


def exercise_lock(cohort: Cohort, exercise: Exercise, siblings: dict[str, Exercise], statuses: dict[int, str],
                  now: datetime) -> Lock | None:
    """None when `exercise` is open for a learner whose submission statuses (by exercise id) are `statuses`.
    `siblings` are the exercises of the same module version by slug."""
    opens_at = None
    if exercise.unlock_days_after_start is not None:
        opens_at = cohort.starts_at + timedelta(days=exercise.unlock_days_after_start)
        if now >= opens_at:
            opens_at = None
    after = None
    if exercise.unlock_after_slug:
        after = siblings[exercise.unlock_after_slug]
        status = statuses.get(after.id)
        reached = status == SubmissionStatus.ACCEPTED or (
            exercise.unlock_when == UnlockWhen.SUBMITTED and status is not None)
        if reached:
            after = None
    if opens_at is None and after is None:
        return None
    return Lock(opens_at, after, exercise.unlock_when if after else None)


def lock_for(session: Session, enrolment: Enrolment, exercise: Exercise, now: datetime) -> Lock | None:
    """The lock on `exercise` for one enrolment, reading its submission statuses (one query)."""
    statuses = {exercise_id: status for _, exercise_id, status in session.execute(
        work_of([enrolment.id], Submission.exercise_id, Submission.status))}
    siblings = {e.slug: e for e in exercise.module_version.exercises}
    return exercise_lock(enrolment.cohort, exercise, siblings, statuses, now)
