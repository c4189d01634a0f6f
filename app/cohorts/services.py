"""Cohorts: schedule, enrolment and mentor assignment. Services flush; the caller commits."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.auth import audit
from app.auth.models import Role, User
from app.auth.services import normalize_email
from app.cohorts.lifecycle import TRANSITIONS, TransitionNotAllowed, ensure_editable, ensure_enrolling
from app.cohorts.models import Cohort, CohortStatus, Enrolment, MentorAssignment, ScheduledExercise
from app.cohorts.schedule import DateProblem, Problem, date_problems
from app.cohorts.signals import due_dates_moving_earlier
from app.content.models import ModuleVersion
from app.core.timeutil import start_of_day, tokyo_date


class InvalidSchedule(Exception):
    """The dates do not fit; `problems` lists every one of them."""

    def __init__(self, problems: list[DateProblem]):
        super().__init__(problems)
        self.problems = problems


class ConfirmationNeeded(Exception):
    """Due dates would move before work already submitted for them; `affected` maps each exercise id
    to the names of the learners concerned. Nothing was changed: ask, then call again with confirmed."""

    def __init__(self, affected: dict[int, list[str]]):
        super().__init__(affected)
        self.affected = affected


class NotAMentor(Exception):
    pass


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def create_cohort(session: Session, *, name: str, module_version: ModuleVersion, starts_at: datetime,
                  ends_at: datetime, due_dates: dict[int, datetime | None], actor: User, description: str = "",
                  badges_need_approval: bool = False) -> Cohort:
    """A draft cohort pinned to `module_version`, with a due date for each of its exercises (optional
    ones may have none). Raises InvalidSchedule with every problem at once."""
    exercises = list(module_version.exercises)
    problems = date_problems(starts_at, ends_at, exercises, due_dates)
    if problems:
        raise InvalidSchedule(problems)
    cohort = Cohort(name=name.strip(), description=(description or "").strip(), module_version=module_version,
                    starts_at=starts_at, ends_at=ends_at, created_by_id=actor.id,
                    badges_need_approval=badges_need_approval, status=CohortStatus.DRAFT)
    for exercise in exercises:
        cohort.schedule.append(ScheduledExercise(exercise=exercise, due_at=due_dates.get(exercise.id)))
    session.add(cohort)
    session.flush()
    audit.record(session, actor, "cohort.create", "cohort", cohort.id,
                 after={"name": cohort.name, "module_version_id": module_version.id,
                        "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()})
    return cohort


def update_details(session: Session, cohort: Cohort, *, name: str, description: str, starts_at: datetime,
                   ends_at: datetime, actor: User) -> None:
    """Change the name, description and dates. Raises CohortArchived, or InvalidSchedule listing every
    problem (the end before the start; each due date the new dates would leave outside)."""
    ensure_editable(cohort)
    due_dates = {s.exercise_id: s.due_at for s in cohort.schedule}
    exercises = [s.exercise for s in cohort.schedule]
    # A missing due date is the schedule page's business; here only the dates that exist must fit.
    problems = [p for p in date_problems(starts_at, ends_at, exercises, due_dates) if p.problem != Problem.DUE_MISSING]
    if problems:
        raise InvalidSchedule(problems)
    before = {"name": cohort.name, "description": cohort.description, "starts_at": _iso(cohort.starts_at),
              "ends_at": _iso(cohort.ends_at)}
    cohort.name, cohort.description = name.strip(), (description or "").strip()
    cohort.starts_at, cohort.ends_at = starts_at, ends_at
    session.flush()
    after = {"name": cohort.name, "description": cohort.description, "starts_at": _iso(starts_at),
             "ends_at": _iso(ends_at)}
    if after != before:
        audit.record(session, actor, "cohort.update", "cohort", cohort.id, before=before, after=after)


def update_schedule(session: Session, cohort: Cohort, due_dates: dict[int, datetime | None], *, actor: User,
                    confirmed: bool = False) -> None:
    """Set the due date of each exercise (None: no due date, for optional exercises only).

    Raises CohortArchived; InvalidSchedule with every problem at once; ConfirmationNeeded, changing
    nothing, when a due date moves before work already submitted for it and `confirmed` is not set."""
    ensure_editable(cohort)
    items = {s.exercise_id: s for s in cohort.schedule}
    problems = date_problems(cohort.starts_at, cohort.ends_at, [s.exercise for s in items.values()], due_dates)
    if problems:
        raise InvalidSchedule(problems)
    earlier = {eid: due for eid, due in due_dates.items()
               if eid in items and due is not None and (items[eid].due_at is None or due < items[eid].due_at)}
    if earlier and not confirmed:
        affected: dict[int, list[str]] = {}
        for _listener, answer in due_dates_moving_earlier.send(session, cohort_id=cohort.id, due_dates=earlier):
            for eid, names in (answer or {}).items():
                affected.setdefault(eid, []).extend(names)
        if affected:
            raise ConfirmationNeeded(affected)
    before, after = {}, {}
    for eid, item in items.items():
        new = due_dates.get(eid)
        if new != item.due_at:
            before[str(eid)], after[str(eid)] = _iso(item.due_at), _iso(new)
            item.due_at = new
    session.flush()
    if after:
        audit.record(session, actor, "cohort.schedule", "cohort", cohort.id, before=before, after=after)


def change_status(session: Session, cohort: Cohort, *, expected: CohortStatus | None, to: CohortStatus,
                  actor: User) -> None:
    """Move the cohort from `expected` (the state the organizer saw when confirming) to `to`.
    Raises TransitionNotAllowed when the cohort is in another state or cannot go there."""
    if expected is None or to not in TRANSITIONS[expected]:
        raise TransitionNotAllowed()
    # Compare-and-set: of two organizers confirming different moves at once, the second is refused.
    changed = session.execute(
        update(Cohort).where(Cohort.id == cohort.id, Cohort.status == expected).values(status=to)
        .execution_options(synchronize_session=False)).rowcount
    session.refresh(cohort, ["status"])
    if changed != 1:
        raise TransitionNotAllowed()
    audit.record(session, actor, "cohort.status", "cohort", cohort.id,
                 before={"status": str(expected)}, after={"status": str(to)})


def copy_cohort(session: Session, source: Cohort, *, name: str, starts_on: date, actor: User) -> Cohort:
    """A new draft cohort on the same module version, starting on `starts_on` (a day in Tokyo): the
    name given, the source's description, badge setting and mentors, and its schedule shifted by whole
    days; no learners. Archived cohorts can be copied too (copying reads them only)."""
    shift = timedelta(days=(starts_on - tokyo_date(source.starts_at)).days)
    copy = Cohort(name=name.strip(), description=source.description, module_version_id=source.module_version_id,
                  starts_at=start_of_day(starts_on), ends_at=source.ends_at + shift, created_by_id=actor.id,
                  badges_need_approval=source.badges_need_approval, status=CohortStatus.DRAFT)
    for item in source.schedule:
        copy.schedule.append(ScheduledExercise(exercise_id=item.exercise_id,
                                               due_at=item.due_at + shift if item.due_at else None))
    for assignment in source.mentor_assignments:
        copy.mentor_assignments.append(MentorAssignment(user_id=assignment.user_id))
    session.add(copy)
    session.flush()
    audit.record(session, actor, "cohort.copy", "cohort", copy.id,
                 after={"from_cohort_id": source.id, "name": copy.name, "starts_at": copy.starts_at.isoformat()})
    return copy


@dataclass
class EnrolmentReport:
    enrolled: list[str] = field(default_factory=list)
    already_enrolled: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    not_learners: list[str] = field(default_factory=list)


def enrol_learners(session: Session, cohort: Cohort, emails: list[str], actor: User) -> EnrolmentReport:
    """Enrol existing learner accounts by email; report each address that could not be enrolled.
    Raises CohortArchived or EnrolmentClosed when the cohort takes no more learners."""
    ensure_enrolling(cohort)
    report = EnrolmentReport()
    wanted = list(dict.fromkeys(normalize_email(e) for e in emails if e.strip()))
    users = {u.email: u for u in session.scalars(select(User).where(User.email.in_(wanted)))}
    enrolled_ids = set(session.scalars(select(Enrolment.user_id).where(Enrolment.cohort_id == cohort.id)))
    for email in wanted:
        user = users.get(email)
        if user is None:
            report.unknown.append(email)
        elif user.role != Role.LEARNER:
            report.not_learners.append(email)
        elif user.id in enrolled_ids:
            report.already_enrolled.append(email)
        else:
            session.add(Enrolment(cohort=cohort, user=user))
            enrolled_ids.add(user.id)
            report.enrolled.append(email)
    session.flush()
    if report.enrolled:
        audit.record(session, actor, "cohort.enrol", "cohort", cohort.id, after={"enrolled": report.enrolled})
    return report


def assign_mentor(session: Session, cohort: Cohort, mentor: User, actor: User) -> bool:
    """Assign a mentor to the cohort. Returns False if already assigned. Raises NotAMentor, CohortArchived."""
    ensure_editable(cohort)
    if mentor.role not in (Role.MENTOR, Role.ADMIN):
        raise NotAMentor(mentor.email)
    exists = session.scalar(select(MentorAssignment).where(
        MentorAssignment.cohort_id == cohort.id, MentorAssignment.user_id == mentor.id))
    if exists:
        return False
    session.add(MentorAssignment(cohort=cohort, user=mentor))
    session.flush()
    audit.record(session, actor, "cohort.assign_mentor", "cohort", cohort.id, after={"mentor": mentor.email})
    return True


def unassign_mentor(session: Session, cohort: Cohort, mentor_id: int, actor: User) -> None:
    """Raises CohortArchived."""
    ensure_editable(cohort)
    assignment = session.scalar(select(MentorAssignment).where(
        MentorAssignment.cohort_id == cohort.id, MentorAssignment.user_id == mentor_id))
    if assignment is not None:
        session.delete(assignment)
        session.flush()
        audit.record(session, actor, "cohort.unassign_mentor", "cohort", cohort.id,
                     before={"mentor_id": mentor_id})


def is_mentor_of(session: Session, user: User, cohort_id: int) -> bool:
    return session.scalar(select(MentorAssignment.id).where(
        MentorAssignment.cohort_id == cohort_id, MentorAssignment.user_id == user.id)) is not None


def enrolment_of(session: Session, user: User, cohort_id: int) -> Enrolment | None:
    return session.scalar(select(Enrolment).where(Enrolment.cohort_id == cohort_id, Enrolment.user_id == user.id))


def update_review_rules(session: Session, cohort: Cohort, *, conflict_of_interest: bool, blind_review: bool,
                        max_revision_rounds: int | None, review_target_working_days: int, actor: User,
                        auto_assign: bool = False) -> None:
    """Change how the cohort's work is reviewed (app/reviews/fairness.py applies the rules), written to
    the audit log. Raises CohortArchived. A new cap applies to the next decision: work already past it
    must then be decided (accepted or not passed)."""
    ensure_editable(cohort)
    names = ("conflict_of_interest", "blind_review", "max_revision_rounds", "review_target_working_days",
             "auto_assign")
    before = {name: getattr(cohort, name) for name in names}
    cohort.conflict_of_interest, cohort.blind_review = conflict_of_interest, blind_review
    cohort.max_revision_rounds, cohort.review_target_working_days = max_revision_rounds, review_target_working_days
    cohort.auto_assign = auto_assign
    after = {name: getattr(cohort, name) for name in names}
    if after != before:
        audit.record(session, actor, "cohort.review_rules", "cohort", cohort.id, before=before, after=after)
    session.flush()
