"""Bulk extensions: more time for everyone of chosen cohorts, exercises and places at once (a blizzard in
Kushiro, disaster duty, the fiscal year-end), with one reason. `plan` says, learner by learner, what
confirming would do, and writes nothing; `record` writes the one BulkExtension and its per-learner
extensions for exactly that plan. Services flush; the caller commits."""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.auth import audit
from app.auth.models import Organization, User
from app.cohorts.models import Cohort, CohortStatus, Enrolment, EnrolmentStatus, ScheduledExercise
from app.content.models import Exercise
from app.deadlines.models import BulkExtension, Extension, ExtensionStatus
from app.deadlines.queries import effective_due_of_schedule
from app.deadlines.services import ExtensionRefused
from app.deadlines.signals import extensions_decided


@dataclass(frozen=True)
class Choice:
    """What the organizer chose: cohorts; exercises (none: all); places, a subprefecture standing for its
    municipalities (none: everyone); and either a new date or a number of days to add."""
    cohort_ids: tuple[int, ...]
    exercise_ids: tuple[int, ...] = ()
    place_ids: tuple[int, ...] = ()
    new_due_at: datetime | None = None
    extra_days: int | None = None


@dataclass(frozen=True)
class PlanLine:
    enrolment_id: int
    exercise_id: int
    learner: str
    place: str | None
    cohort: str
    exercise: Exercise
    current_due_at: datetime
    new_due_at: datetime

    @property
    def is_change(self) -> bool:
        """False when the learner already has this date or a later one: they keep theirs."""
        return self.new_due_at > self.current_due_at


@dataclass(frozen=True)
class Plan:
    lines: list[PlanLine]

    @property
    def changes(self) -> list[PlanLine]:
        return [line for line in self.lines if line.is_change]

    @property
    def learners(self) -> int:
        return len({line.enrolment_id for line in self.changes})

    @property
    def digest(self) -> str:
        """A fingerprint of what confirming would write: the preview's promise, checked again on confirm."""
        data = [(line.enrolment_id, line.exercise_id, line.new_due_at.isoformat()) for line in self.changes]
        return hashlib.sha256(json.dumps(data).encode()).hexdigest()


def plan(session: Session, choice: Choice, locale: str) -> Plan:
    """Every active learner of the chosen (not archived) cohorts from the chosen places, with each chosen
    exercise that has a due date: their current effective due date and the new one. One query; writes
    nothing. Raises ExtensionRefused: no_cohort, no_date (neither or both of a date and days)."""
    if not choice.cohort_ids:
        raise ExtensionRefused("no_cohort")
    if (choice.new_due_at is None) == (choice.extra_days is None):
        raise ExtensionRefused("no_date")
    due = effective_due_of_schedule()
    place = Organization.name_en if locale == "en" else Organization.name_ja
    query = (select(Enrolment.id, ScheduledExercise.exercise_id, User.display_name, place, Cohort.name, Exercise, due)
             .join(User, User.id == Enrolment.user_id)
             .outerjoin(Organization, Organization.id == User.organization_id)
             .join(Cohort, Cohort.id == Enrolment.cohort_id)
             .join(ScheduledExercise, ScheduledExercise.cohort_id == Cohort.id)
             .join(Exercise, Exercise.id == ScheduledExercise.exercise_id)
             .where(Cohort.id.in_(choice.cohort_ids), Cohort.status != CohortStatus.ARCHIVED,
                    Enrolment.status == EnrolmentStatus.ACTIVE, ScheduledExercise.due_at.is_not(None))
             .order_by(Cohort.name, Cohort.id, User.display_name, Enrolment.id, Exercise.position))
    if choice.exercise_ids:
        query = query.where(ScheduledExercise.exercise_id.in_(choice.exercise_ids))
    if choice.place_ids:
        query = query.where(or_(Organization.id.in_(choice.place_ids), Organization.parent_id.in_(choice.place_ids)))
    lines = []
    for enrolment_id, exercise_id, learner, place_name, cohort, exercise, current in session.execute(query):
        new = choice.new_due_at or current + timedelta(days=choice.extra_days)
        lines.append(PlanLine(enrolment_id, exercise_id, learner, place_name, cohort, exercise, current, new))
    return Plan(lines)


def record(session: Session, the_plan: Plan, actor: User, *, reason: str, summary: str,
           now: datetime) -> BulkExtension:
    """Write the plan: one BulkExtension with its reason, and an approved extension for each learner and
    exercise whose date it moves later; each of those learners hears of it through `extensions_decided`.
    Raises ExtensionRefused: reason_missing, nothing_to_extend."""
    reason = (reason or "").strip()
    if not reason:
        raise ExtensionRefused("reason_missing")
    if not the_plan.changes:
        raise ExtensionRefused("nothing_to_extend")
    bulk = BulkExtension(reason=reason, summary=summary, created_by_id=actor.id, created_at=now)
    session.add(bulk)
    for line in the_plan.changes:
        bulk.extensions.append(Extension(
            enrolment_id=line.enrolment_id, exercise_id=line.exercise_id, status=ExtensionStatus.APPROVED,
            reason=reason, requested_by_id=actor.id, requested_at=now, due_at=line.new_due_at,
            decided_by_id=actor.id, decided_at=now))
    session.flush()
    audit.record(session, actor, "extension.bulk", "bulk_extension", bulk.id,
                 after={"extensions": len(the_plan.changes), "learners": the_plan.learners, "summary": summary})
    extensions_decided.send(session, extensions=list(bulk.extensions), now=now)
    return bulk
