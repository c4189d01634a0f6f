"""Checks and suggestions for a cohort's dates: pure functions, no database."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from app.content.models import Exercise
from app.core.japanese_holidays import holiday_name, is_public_holiday


class Problem(StrEnum):
    END_BEFORE_START = "end_before_start"
    DUE_MISSING = "due_missing"  # a required exercise needs a due date
    DUE_OUTSIDE = "due_outside"  # a due date lies before the start or after the end


@dataclass(frozen=True)
class DateProblem:
    problem: Problem
    exercise_id: int | None = None  # None: the cohort's end date


def date_problems(starts_at: datetime, ends_at: datetime, exercises: list[Exercise],
                  due_dates: dict[int, datetime | None]) -> list[DateProblem]:
    """Every problem with a cohort's dates at once, in the order of the form: the end, then each
    exercise. An optional exercise may have no due date; every due date lies within start..end."""
    problems = []
    if ends_at <= starts_at:
        problems.append(DateProblem(Problem.END_BEFORE_START))
    for exercise in exercises:
        due_at = due_dates.get(exercise.id)
        if due_at is None:
            if exercise.is_required:
                problems.append(DateProblem(Problem.DUE_MISSING, exercise.id))
        elif not starts_at < due_at <= ends_at:
            problems.append(DateProblem(Problem.DUE_OUTSIDE, exercise.id))
    return problems


def suggested_due_days(exercises: list[Exercise], starts_on: date) -> dict[int, date]:
    """The due day the module suggests for each exercise that has an offset, counted from the
    cohort's first day (in Tokyo)."""
    return {e.id: starts_on + timedelta(days=e.suggested_offset_days)
            for e in exercises if e.suggested_offset_days is not None}


@dataclass(frozen=True)
class DayWarning:
    day: date
    holiday: str | None  # the public holiday's name; None for a plain Saturday or Sunday


def day_warning(day: date | None, locale: str) -> DayWarning | None:
    """A warning (never a refusal) when a date falls on a weekend or a Japanese public holiday, whose
    name comes in the user's language."""
    if day is None:
        return None
    name = holiday_name(day, locale)
    if name is not None or day.weekday() >= 5:
        return DayWarning(day, name)
    return None


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a Japanese public holiday."""
    return day.weekday() < 5 and not is_public_holiday(day)


def working_days_between(start: date, end: date) -> int:
    """The working days after `start` up to and including `end` (0 when `end` is not after `start`):
    work handed in on a Friday has waited one working day on Monday."""
    return sum(1 for n in range(1, (end - start).days + 1) if is_working_day(start + timedelta(days=n)))
