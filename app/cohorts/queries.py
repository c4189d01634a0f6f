from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.auth.models import Role, User
from app.cohorts.models import Cohort, CohortStatus, Enrolment, MentorAssignment, ScheduledExercise, WaitingListEntry
from app.content.models import Exercise, ModuleVersion


def cohorts_overview(session: Session, *, state: CohortStatus | None = None,
                     starts_within: tuple[datetime, datetime] | None = None, offset: int = 0,
                     limit: int | None = None) -> list[tuple[Cohort, int, int]]:
    """Cohorts with their number of learners and mentors, newest first: those in `state` and
    starting within [start, end) of `starts_within`, `limit` of them from `offset`."""
    # Correlated counts: each reads the index of one cohort's rows, never the whole table.
    learners = (select(func.count(Enrolment.id)).where(Enrolment.cohort_id == Cohort.id)
                .correlate(Cohort).scalar_subquery())
    mentors = (select(func.count(MentorAssignment.id)).where(MentorAssignment.cohort_id == Cohort.id)
               .correlate(Cohort).scalar_subquery())
    query = (select(Cohort, learners, mentors)
             # Only what the list shows: the version's JSON columns would be decoded once per cohort row.
             .options(joinedload(Cohort.module_version).load_only(ModuleVersion.number, ModuleVersion.title_ja,
                                                                  ModuleVersion.title_en))
             .order_by(Cohort.starts_at.desc(), Cohort.id.desc()).offset(offset).limit(limit))
    if state is not None:
        query = query.where(Cohort.status == state)
    if starts_within is not None:
        query = query.where(Cohort.starts_at >= starts_within[0], Cohort.starts_at < starts_within[1])
    return [(c, n_learners, n_mentors) for c, n_learners, n_mentors in session.execute(query).all()]


def cohort_start_range(session: Session) -> tuple[datetime | None, datetime | None]:
    """The earliest and the latest start of any cohort (None, None without cohorts)."""
    first, last = session.execute(select(func.min(Cohort.starts_at), func.max(Cohort.starts_at))).one()
    return first, last


def exercise_counts(session: Session, module_version_ids: list[int]) -> dict[int, int]:
    """How many exercises each module version has, in one query."""
    return dict(session.execute(select(Exercise.module_version_id, func.count(Exercise.id))
                                .where(Exercise.module_version_id.in_(module_version_ids))
                                .group_by(Exercise.module_version_id)).all())


def available_mentors(session: Session) -> list[User]:
    return list(session.scalars(select(User).where(User.role.in_([Role.MENTOR, Role.ADMIN]),
                                                   User.is_active_account.is_(True))
                                .order_by(User.display_name)))


def cohort_detail(session: Session, cohort_id: int) -> Cohort | None:
    return session.scalar(select(Cohort).where(Cohort.id == cohort_id).options(
        joinedload(Cohort.module_version),
        joinedload(Cohort.enrolments).joinedload(Enrolment.user),
        joinedload(Cohort.mentor_assignments).joinedload(MentorAssignment.user),
        # A query of its own: joined, the waiting list would multiply the learners × mentors rows again.
        selectinload(Cohort.waiting_list).joinedload(WaitingListEntry.user)))


def cohort_with_schedule(session: Session, cohort_id: int) -> Cohort | None:
    """The cohort with its schedule and exercises, for the edit, schedule and copy pages."""
    return session.scalar(select(Cohort).where(Cohort.id == cohort_id).options(
        joinedload(Cohort.module_version),
        joinedload(Cohort.schedule).joinedload(ScheduledExercise.exercise),
        joinedload(Cohort.mentor_assignments)))
