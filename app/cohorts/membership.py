"""Changing a learner's place in a cohort: withdraw, re-admit, move to another cohort. Their submissions,
question attempts and completion records hang on the enrolment, so none of this loses any work."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import audit
from app.auth.models import User
from app.cohorts.lifecycle import ENROLLING
from app.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from app.cohorts.signals import enrolment_moving
from app.cohorts.selfenrol import fill_free_seats
from app.core.reasons import ReasonError


class MoveRefused(ReasonError):
    """same_cohort, other_module_version, already_in_target, target_not_enrolling"""


def withdraw(session: Session, enrolment: Enrolment, actor: User, now: datetime) -> bool:
    """Withdraw the learner from the cohort: their work stays; they can no longer submit and staff lists
    leave them out by default. The seat goes to the first person on the waiting list, if any.
    Returns False when they were already withdrawn."""
    if enrolment.is_withdrawn:
        return False
    enrolment.status, enrolment.withdrawn_at = EnrolmentStatus.WITHDRAWN, now
    session.flush()
    audit.record(session, actor, "enrolment.withdraw", "enrolment", enrolment.id,
                 before={"status": "active"}, after={"status": "withdrawn", "user_id": enrolment.user_id})
    fill_free_seats(session, enrolment.cohort, now, actor)
    return True


def readmit(session: Session, enrolment: Enrolment, actor: User) -> bool:
    """Make a withdrawn learner active again, with all their earlier work. Returns False when they were
    not withdrawn."""
    if not enrolment.is_withdrawn:
        return False
    before = {"status": "withdrawn", "withdrawn_at": enrolment.withdrawn_at.isoformat()}
    enrolment.status, enrolment.withdrawn_at = EnrolmentStatus.ACTIVE, None
    session.flush()
    audit.record(session, actor, "enrolment.readmit", "enrolment", enrolment.id,
                 before=before, after={"status": "active", "user_id": enrolment.user_id})
    return True


def move_targets(session: Session, enrolment: Enrolment) -> list[Cohort]:
    """The cohorts the learner can move to: the same module version, still taking learners (not closed
    or archived), and not already theirs."""
    theirs = select(Enrolment.cohort_id).where(Enrolment.user_id == enrolment.user_id)
    return list(session.scalars(
        select(Cohort).where(Cohort.module_version_id == enrolment.cohort.module_version_id,
                             Cohort.status.in_(ENROLLING), Cohort.id.not_in(theirs))
        .order_by(Cohort.starts_at.desc(), Cohort.id.desc())))


def move(session: Session, enrolment: Enrolment, target: Cohort, actor: User, now: datetime) -> None:
    """Move the learner, with every submission, attempt and completion record, to `target`, a cohort of
    the same module version (so every exercise they worked on is in it too) that still takes learners.
    The seat they leave goes to the first person on the source cohort's waiting list, if any.
    Raises MoveRefused."""
    source = enrolment.cohort
    if target.id == source.id:
        raise MoveRefused("same_cohort")
    if target.module_version_id != source.module_version_id:
        raise MoveRefused("other_module_version")
    if target.status not in ENROLLING:
        raise MoveRefused("target_not_enrolling")
    if session.scalar(select(Enrolment.id).where(Enrolment.cohort_id == target.id,
                                                 Enrolment.user_id == enrolment.user_id)) is not None:
        raise MoveRefused("already_in_target")
    enrolment_moving.send(session, enrolment=enrolment, target=target)
    enrolment.cohort = target
    session.flush()
    audit.record(session, actor, "enrolment.move", "enrolment", enrolment.id,
                 before={"cohort_id": source.id}, after={"cohort_id": target.id, "user_id": enrolment.user_id})
    if not enrolment.is_withdrawn:
        fill_free_seats(session, source, now, actor)
