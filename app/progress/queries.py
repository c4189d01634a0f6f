"""The organizer's progress table: learner × exercise status, in four queries whatever its size."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app.cohorts.models import Cohort, Enrolment, ScheduledExercise
from app.completions.models import CompletionRecord
from app.completions.queries import records_by_enrolment
from app.submissions.models import Submission


@dataclass
class ProgressRow:
    enrolment: Enrolment
    statuses: list[str]
    completion: CompletionRecord | None


@dataclass
class ProgressTable:
    cohort: Cohort
    schedule: list[ScheduledExercise]
    rows: list[ProgressRow]

    def count(self, column: int, status: str) -> int:
        return sum(1 for row in self.rows if row.statuses[column] == status)


def cohort_progress(session: Session, cohort: Cohort) -> ProgressTable:
    schedule = sorted(session.scalars(select(ScheduledExercise).where(ScheduledExercise.cohort_id == cohort.id)
                                      .options(joinedload(ScheduledExercise.exercise))),
                      key=lambda s: s.exercise.position)
    enrolments = session.scalars(select(Enrolment).where(Enrolment.cohort_id == cohort.id)
                                 .options(joinedload(Enrolment.user))).all()
    statuses = {(s.enrolment_id, s.exercise_id): s.status for s in session.scalars(
        select(Submission).join(Enrolment).where(Enrolment.cohort_id == cohort.id))}
    completions = records_by_enrolment(session, [e.id for e in enrolments])
    rows = [ProgressRow(e, [statuses.get((e.id, s.exercise_id), "not_started") for s in schedule],
                        completions.get(e.id))
            for e in sorted(enrolments, key=lambda e: e.user.display_name)]
    return ProgressTable(cohort, schedule, rows)
