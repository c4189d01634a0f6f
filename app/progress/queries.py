"""The organizer's progress table: learner × exercise status, one page of learners at a time, in a fixed
number of queries whatever the cohort's size; the totals are counted by the database."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session, joinedload

from app.auth.models import Organization, User
from app.cohorts.models import Cohort, Enrolment, EnrolmentStatus, ScheduledExercise
from app.completions.models import CompletionRecord
from app.submissions.models import Submission, SubmissionStatus

PAGE_SIZE = 100
NOT_STARTED = "not_started"


@dataclass(frozen=True)
class ProgressRow:
    display_name: str
    municipality: str | None
    statuses: list[str]
    completed_at: datetime | None
    is_withdrawn: bool = False


@dataclass(frozen=True)
class ProgressTable:
    cohort: Cohort
    schedule: list[ScheduledExercise]
    rows: list[ProgressRow]
    # Over the whole cohort (every page, no search): learners, completions, accepted work per exercise.
    learners: int
    completed: int
    accepted: list[int]
    # The learners the search matches, over every page.
    matching: int
    page: int
    page_size: int = PAGE_SIZE

    @property
    def has_next(self) -> bool:
        return self.page * self.page_size < self.matching


def cohort_progress(session: Session, cohort: Cohort, *, locale: str, search: str = "", page: int = 1,
                    page_size: int = PAGE_SIZE, include_withdrawn: bool = False) -> ProgressTable:
    """One page of the cohort's learners (by name, optionally only those whose name or municipality
    contains `search`; withdrawn learners only with `include_withdrawn`), each with the status of their
    work on every scheduled exercise."""
    schedule = sorted(session.scalars(select(ScheduledExercise).where(ScheduledExercise.cohort_id == cohort.id)
                                      .options(joinedload(ScheduledExercise.exercise))),
                      key=lambda s: s.exercise.position)
    municipality = Organization.name_en if locale == "en" else Organization.name_ja
    learners = (select(Enrolment.id, User.display_name, municipality, CompletionRecord.completed_at,
                       Enrolment.status)
                .join(User, Enrolment.user_id == User.id)
                .outerjoin(Organization, User.organization_id == Organization.id)
                .outerjoin(CompletionRecord, CompletionRecord.enrolment_id == Enrolment.id)
                .where(Enrolment.cohort_id == cohort.id))
    if not include_withdrawn:
        learners = learners.where(Enrolment.status == EnrolmentStatus.ACTIVE)
    if search:
        learners = learners.where(or_(User.display_name.icontains(search, autoescape=True),
                                      Organization.name_ja.icontains(search, autoescape=True),
                                      Organization.name_en.icontains(search, autoescape=True)))
    matching = session.scalar(select(func.count()).select_from(learners.subquery()))
    found = session.execute(learners.order_by(User.display_name, Enrolment.id)
                            .offset((page - 1) * page_size).limit(page_size)).all()
    statuses = {(enrolment_id, exercise_id): status for enrolment_id, exercise_id, status in session.execute(
        select(Submission.enrolment_id, Submission.exercise_id, Submission.status)
        .where(Submission.enrolment_id.in_([row.id for row in found])))}
    rows = [ProgressRow(name, place, [statuses.get((enrolment_id, s.exercise_id), NOT_STARTED) for s in schedule],
                        completed_at, status == EnrolmentStatus.WITHDRAWN)
            for enrolment_id, name, place, completed_at, status in found]
    total, completed = _cohort_totals(session, cohort, include_withdrawn)
    accepted = _accepted_per_exercise(session, cohort, include_withdrawn)
    return ProgressTable(cohort, schedule, rows, learners=total, completed=completed,
                         accepted=[accepted.get(s.exercise_id, 0) for s in schedule], matching=matching, page=page,
                         page_size=page_size)


def _only_active(query, include_withdrawn: bool):
    return query if include_withdrawn else query.where(Enrolment.status == EnrolmentStatus.ACTIVE)


def _cohort_totals(session: Session, cohort: Cohort, include_withdrawn: bool) -> tuple[int, int]:
    """How many learners the cohort has and how many of them have completed its module."""
    total, completed = session.execute(_only_active(
        select(func.count(Enrolment.id), func.count(CompletionRecord.id))
        .outerjoin(CompletionRecord, CompletionRecord.enrolment_id == Enrolment.id)
        .where(Enrolment.cohort_id == cohort.id), include_withdrawn)).one()
    return total, completed


def _accepted_per_exercise(session: Session, cohort: Cohort, include_withdrawn: bool) -> dict[int, int]:
    # Counted over the cohort's submissions rather than filtered by status: a status filter lets the
    # planner walk every accepted submission of every cohort through the status index.
    accepted = func.sum(case((Submission.status == SubmissionStatus.ACCEPTED, 1), else_=0))
    return dict(session.execute(_only_active(
        select(Submission.exercise_id, accepted)
        .join(Enrolment, Submission.enrolment_id == Enrolment.id)
        .where(Enrolment.cohort_id == cohort.id), include_withdrawn)
        .group_by(Submission.exercise_id)).all())
