"""The progress matrix and the gradebook as tables of plain values, for app.core.spreadsheets to write as
CSV or .xlsx."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from app.cohorts.models import ScheduledExercise
from app.core.spreadsheets import Value
from app.progress.queries import NOT_STARTED, ProgressRow


@dataclass(frozen=True)
class Labels:
    """The words of the export in the organizer's language (the view translates them)."""
    headers: dict[str, str]
    status: Callable[[str], str]
    exercise: Callable[[ScheduledExercise], str]
    yes: str
    completed: str
    revoked: str


def matrix(rows: Iterable[ProgressRow], schedule: list[ScheduledExercise], labels: Labels) -> Iterator[list[Value]]:
    """One line per learner: each exercise's status (as on the page), accepted required work, completion."""
    h = labels.headers
    required = sum(1 for s in schedule if s.exercise.is_required)
    yield ([h["learner"], h["email"], h["municipality"]] + [labels.exercise(s) for s in schedule]
           + [h["accepted"] % {"n": required}, h["completion"], h["completed_at"]])
    for row in rows:
        cells = []
        for cell in row.cells:
            text = labels.status(cell.status)
            if cell.is_overdue and cell.state != NOT_STARTED:
                text = f"{text} ({labels.status(cell.state)})"
            cells.append(text)
        completion = labels.revoked if row.revoked_at else (labels.completed if row.completed_at else "")
        yield [row.display_name, row.email, row.municipality or ""] + cells + [
            row.accepted_required, completion, row.revoked_at or row.completed_at]


def gradebook(rows: Iterable[ProgressRow], schedule: list[ScheduledExercise], labels: Labels) -> Iterator[list[Value]]:
    """One line per learner and exercise: status, versions, when submitted, score, when and by whom reviewed."""
    h = labels.headers
    yield [h[key] for key in ("learner", "email", "municipality", "number", "exercise", "required", "due_at",
                              "status", "overdue", "versions", "first_submitted_at", "last_submitted_at",
                              "points", "max_points", "reviewed_at", "reviewer")]
    for row in rows:
        for s, cell in zip(schedule, row.cells):
            yield [row.display_name, row.email, row.municipality or "", s.exercise.position, labels.exercise(s),
                   labels.yes if s.exercise.is_required else "", cell.due_at, labels.status(cell.state),
                   labels.yes if cell.is_overdue else "", cell.versions or None, cell.first_submitted_at,
                   cell.last_submitted_at, cell.points, cell.max_points, cell.reviewed_at, cell.reviewer]
