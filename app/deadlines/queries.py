"""The effective due date: the one rule of every deadline a person sees (pages, lists, reminders, the
calendar) and of whether they may still hand work in.

    effective = the latest of (the schedule's due date + the learner's accommodation days)
                and the dates of their approved extensions for that exercise;
    an exercise without a due date stays without one.

`effective_due_at` is the rule in Python; `effective_due_sql` is the same rule as an SQL expression, so
that a list (mentor queue, progress table, overdue counts, reminders) stays one query whatever its size;
`effective_due_dates` reads the learner's dates with it."""

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, bindparam, case, func, literal, select, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.sql.expression import FunctionElement

from app.auth.models import User
from app.cohorts.models import Cohort, CohortStatus, Enrolment, EnrolmentStatus, ScheduledExercise
from app.content.models import Exercise
from app.core.db import UTCDateTime
from app.deadlines.models import Accommodation, CalendarFeed, Extension, ExtensionStatus


def effective_due_at(due_at: datetime | None, extra_days: int, extended_to: Iterable[datetime]) -> datetime | None:
    """The rule of the module docstring, for one learner and one exercise."""
    if due_at is None:
        return None
    return max([due_at + timedelta(days=extra_days), *extended_to])


class _PlusDays(FunctionElement):
    """A UTC datetime column plus a whole number of days, on both engines."""
    inherit_cache = True
    type = UTCDateTime()


@compiles(_PlusDays, "postgresql")
def _plus_days_postgresql(element, compiler, **kw):
    when, days = list(element.clauses)
    return f"({compiler.process(when, **kw)} + make_interval(days => {compiler.process(days, **kw)}))"


@compiles(_PlusDays, "sqlite")
def _plus_days_sqlite(element, compiler, **kw):
    when, days = (compiler.process(c, **kw) for c in element.clauses)
    # SQLite keeps datetimes as text 'YYYY-MM-DD HH:MM:SS.ffffff': shift the seconds part, keep the fraction,
    # so that the result compares as text with stored datetimes.
    return f"(strftime('%Y-%m-%d %H:%M:%S', {when}, '+' || {days} || ' days') || substr({when}, 20))"


class _Latest(FunctionElement):
    """The later of two datetimes, the second possibly NULL (then the first)."""
    inherit_cache = True
    type = UTCDateTime()


@compiles(_Latest, "postgresql")
def _latest_postgresql(element, compiler, **kw):
    first, second = (compiler.process(c, **kw) for c in element.clauses)
    return f"GREATEST({first}, {second})"  # GREATEST leaves NULLs out


@compiles(_Latest, "sqlite")
def _latest_sqlite(element, compiler, **kw):
    first, second = (compiler.process(c, **kw) for c in element.clauses)
    return f"max({first}, coalesce({second}, {first}))"


def _value(v):
    """A plain value as a bound literal; a column (or expression) as it is."""
    return literal(v) if isinstance(v, (int, datetime)) else v


def extra_days_sql(user_id) -> ColumnElement:
    """The learner's accommodation days (0 without one), for a user id column or value."""
    return func.coalesce(select(Accommodation.extra_days).where(Accommodation.user_id == _value(user_id))
                         .correlate_except(Accommodation).scalar_subquery(), 0)


def effective_due_sql(due_at, enrolment_id, exercise_id, user_id) -> ColumnElement:
    """The effective due date as an SQL expression of the scheduled due date and the learner's
    enrolment, exercise and user (columns of the enclosing query, or plain values)."""
    due_at = type_coerce(_value(due_at), UTCDateTime())
    extended = (select(func.max(Extension.due_at))
                .where(Extension.enrolment_id == _value(enrolment_id), Extension.exercise_id == _value(exercise_id),
                       Extension.status == ExtensionStatus.APPROVED)
                # Its own rows, even inside a query that reads extensions too.
                .correlate_except(Extension).scalar_subquery())
    shifted = _PlusDays(due_at, extra_days_sql(user_id))
    return type_coerce(case((due_at.is_(None), None), else_=_Latest(shifted, extended)), UTCDateTime())


def effective_due_of_schedule() -> ColumnElement:
    """`effective_due_sql` for a query that joins Enrolment and ScheduledExercise."""
    return effective_due_sql(ScheduledExercise.due_at, Enrolment.id, ScheduledExercise.exercise_id, Enrolment.user_id)


@functools.cache
def _due_dates_statement(of_one_exercise: bool) -> Select:
    # Built once (issue 10): building this statement and its cache key anew cost 2 ms a page.
    query = (select(Enrolment.id, ScheduledExercise.exercise_id, effective_due_of_schedule())
             .join(ScheduledExercise, ScheduledExercise.cohort_id == Enrolment.cohort_id)
             .where(Enrolment.id.in_(bindparam("enrolment_ids", expanding=True))))
    return query.where(ScheduledExercise.exercise_id == bindparam("exercise_id")) if of_one_exercise else query


def effective_due_dates(session: Session, enrolment_ids: list[int],
                        exercise_id: int | None = None) -> dict[tuple[int, int], datetime | None]:
    """The effective due date of every scheduled exercise (or only `exercise_id`) of these enrolments,
    by (enrolment id, exercise id): one query."""
    if not enrolment_ids:
        return {}
    values = {"enrolment_ids": list(enrolment_ids)} | ({"exercise_id": exercise_id} if exercise_id is not None else {})
    rows = session.execute(_due_dates_statement(exercise_id is not None), values)
    return {(enrolment_id, exercise): due for enrolment_id, exercise, due in rows}


def cohort_extensions(session: Session, cohort_id: int) -> list[Extension]:
    """Every extension request and extension of the cohort's learners (waiting requests first, then the
    newest), with learner and exercise: one query."""
    return list(session.scalars(
        select(Extension).join(Enrolment, Extension.enrolment_id == Enrolment.id)
        .where(Enrolment.cohort_id == cohort_id)
        .options(joinedload(Extension.enrolment).joinedload(Enrolment.user), joinedload(Extension.exercise),
                 joinedload(Extension.decided_by))
        .order_by((Extension.status == ExtensionStatus.REQUESTED).desc(), Extension.requested_at.desc(),
                  Extension.id.desc())))


def extension_reason_sql(enrolment_id, exercise_id) -> ColumnElement:
    """The reason of the learner's latest approved extension of the exercise (NULL without one), for the
    mentor's lists: a column of the enclosing query."""
    return (select(Extension.reason).where(Extension.enrolment_id == enrolment_id,
                                           Extension.exercise_id == exercise_id,
                                           Extension.status == ExtensionStatus.APPROVED)
            .order_by(Extension.due_at.desc(), Extension.id.desc()).limit(1).scalar_subquery())


@dataclass(frozen=True)
class WorkDeadline:
    due_at: datetime | None  # the learner's effective due date
    extension_reason: str | None  # why it was extended (their latest approved extension), if it was


def work_deadline_columns(enrolment_id: int, exercise_id: int) -> tuple[ColumnElement, ColumnElement]:
    """A learner's effective due date of one exercise and the reason of its extension (a WorkDeadline),
    as two scalar subqueries, for a page that reads them within a query it makes anyway."""
    due_at = (select(effective_due_of_schedule()).select_from(Enrolment)
              .join(ScheduledExercise, ScheduledExercise.cohort_id == Enrolment.cohort_id)
              .where(Enrolment.id == enrolment_id, ScheduledExercise.exercise_id == exercise_id).scalar_subquery())
    return due_at, extension_reason_sql(enrolment_id, exercise_id)


def accommodation_of(session: Session, user_id: int) -> Accommodation | None:
    return session.scalar(select(Accommodation).where(Accommodation.user_id == user_id))


def calendar_feed_owner(session: Session, token: str) -> User | None:
    """The person whose secret calendar address has this token, or None (a reset token is none)."""
    return session.scalar(select(User).join(CalendarFeed, CalendarFeed.user_id == User.id)
                          .where(CalendarFeed.token == token, User.is_active_account.is_(True)))


@dataclass(frozen=True)
class DueItem:
    enrolment_id: int | None  # None: the cohort's own date, as staff and mentors see it
    cohort: Cohort
    exercise: Exercise
    due_at: datetime


def learner_due_items(session: Session, user_id: int, cohort_id: int | None = None) -> list[DueItem]:
    """The learner's effective due dates in every cohort they take part in (or only `cohort_id`), withdrawn
    ones left out: one query."""
    due = effective_due_of_schedule()
    query = (select(Enrolment.id, Cohort, Exercise, due)
             .join(Cohort, Cohort.id == Enrolment.cohort_id)
             .join(ScheduledExercise, ScheduledExercise.cohort_id == Cohort.id)
             .join(Exercise, Exercise.id == ScheduledExercise.exercise_id)
             .where(Enrolment.user_id == user_id, Enrolment.status == EnrolmentStatus.ACTIVE,
                    ScheduledExercise.due_at.is_not(None))
             .order_by(due, Exercise.position))
    if cohort_id is not None:
        query = query.where(Cohort.id == cohort_id)
    return [DueItem(*row) for row in session.execute(query)]


def cohort_due_items(session: Session, cohort: Cohort) -> list[DueItem]:
    """The cohort's own due dates (its schedule), for its staff and mentors."""
    rows = session.execute(select(Exercise, ScheduledExercise.due_at)
                           .join(ScheduledExercise, ScheduledExercise.exercise_id == Exercise.id)
                           .where(ScheduledExercise.cohort_id == cohort.id, ScheduledExercise.due_at.is_not(None))
                           .order_by(ScheduledExercise.due_at, Exercise.position))
    return [DueItem(None, cohort, exercise, due_at) for exercise, due_at in rows]


def calendar_token_of(session: Session, user_id: int) -> str | None:
    return session.scalar(select(CalendarFeed.token).where(CalendarFeed.user_id == user_id))


def active_cohorts_of(session: Session, user_id: int) -> list[Cohort]:
    """The cohorts the learner takes part in (not withdrawn), newest first."""
    return list(session.scalars(select(Cohort).join(Enrolment, Enrolment.cohort_id == Cohort.id)
                                .where(Enrolment.user_id == user_id, Enrolment.status == EnrolmentStatus.ACTIVE)
                                .order_by(Cohort.starts_at.desc(), Cohort.id.desc())))


def cohorts_for_bulk(session: Session) -> list[Cohort]:
    """The cohorts whose deadlines may still move (not archived), with their schedules, by start date."""
    return list(session.scalars(select(Cohort).where(Cohort.status != CohortStatus.ARCHIVED)
                                .options(selectinload(Cohort.schedule).joinedload(ScheduledExercise.exercise))
                                .order_by(Cohort.starts_at.desc(), Cohort.id.desc())))
