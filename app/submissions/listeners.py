"""Answers the cohorts' question before a schedule change (whose submitted work would fall after a
due date that moves earlier), and the groups' before a group is deleted (does it hold work)."""

from sqlalchemy import func, select

from app.auth.models import User
from app.cohorts.models import Enrolment
from app.cohorts.signals import due_dates_moving_earlier
from app.groups.signals import group_work_count
from app.submissions.models import Submission, SubmissionVersion


@due_dates_moving_earlier.connect
def _learners_submitted_after(session, cohort_id, due_dates, **extra) -> dict[int, list[str]]:
    """{exercise_id: names of learners who first submitted it after its new due date}, in one query."""
    first_submitted = func.min(SubmissionVersion.submitted_at)
    rows = session.execute(
        select(Submission.exercise_id, User.display_name, first_submitted)
        .join(SubmissionVersion, SubmissionVersion.submission_id == Submission.id)
        .join(Enrolment, Enrolment.id == Submission.enrolment_id).join(User, User.id == Enrolment.user_id)
        .where(Enrolment.cohort_id == cohort_id, Submission.exercise_id.in_(list(due_dates)))
        .group_by(Submission.id, Submission.exercise_id, User.display_name)
        .order_by(User.display_name)).all()
    affected: dict[int, list[str]] = {}
    for exercise_id, name, submitted_at in rows:
        if submitted_at > due_dates[exercise_id]:
            affected.setdefault(exercise_id, []).append(name)
    return affected


@group_work_count.connect
def _group_submissions(session, group_id, **extra) -> int:
    """How many submissions belong to the group (a group holding work is not deleted)."""
    return session.scalar(select(func.count(Submission.id)).where(Submission.group_id == group_id))
