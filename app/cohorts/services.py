"""Cohorts: schedule, enrolment and mentor assignment. Services flush; the caller commits."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import audit
from app.auth.models import Role, User
from app.auth.services import normalize_email
from app.cohorts.models import Cohort, Enrolment, MentorAssignment, ScheduledExercise
from app.content.models import ModuleVersion


class InvalidSchedule(Exception):
    """The dates do not fit: the end is not after the start, or a due date is outside the cohort."""

    def __init__(self, field_name: str, exercise_id: int | None = None):
        super().__init__(field_name)
        self.field_name = field_name
        self.exercise_id = exercise_id


class NotAMentor(Exception):
    pass


def create_cohort(session: Session, *, name: str, module_version: ModuleVersion, starts_at: datetime,
                  ends_at: datetime, due_dates: dict[int, datetime], actor: User,
                  badges_need_approval: bool = False) -> Cohort:
    """A cohort pinned to `module_version`, with a due date for each of its exercises.
    Raises InvalidSchedule."""
    if ends_at <= starts_at:
        raise InvalidSchedule("ends_at")
    cohort = Cohort(name=name.strip(), module_version=module_version, starts_at=starts_at, ends_at=ends_at,
                    created_by_id=actor.id, badges_need_approval=badges_need_approval)
    for exercise in module_version.exercises:
        due_at = due_dates.get(exercise.id, ends_at)
        if not starts_at < due_at <= ends_at:
            raise InvalidSchedule("due", exercise.id)
        cohort.schedule.append(ScheduledExercise(exercise=exercise, due_at=due_at))
    session.add(cohort)
    session.flush()
    audit.record(session, actor, "cohort.create", "cohort", cohort.id,
                 after={"name": cohort.name, "module_version_id": module_version.id,
                        "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()})
    return cohort


@dataclass
class EnrolmentReport:
    enrolled: list[str] = field(default_factory=list)
    already_enrolled: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    not_learners: list[str] = field(default_factory=list)


def enrol_learners(session: Session, cohort: Cohort, emails: list[str], actor: User) -> EnrolmentReport:
    """Enrol existing learner accounts by email; report each address that could not be enrolled."""
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
    """Assign a mentor to the cohort. Returns False if already assigned. Raises NotAMentor."""
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
