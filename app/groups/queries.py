"""Reads about groups that the features above need."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cohorts.models import Enrolment
from app.groups.models import CohortGroup, GroupMembership


def group_of(session: Session, enrolment_id: int) -> CohortGroup | None:
    """The group the enrolment's learner is in, if any."""
    return session.scalar(select(CohortGroup).join(GroupMembership)
                          .where(GroupMembership.enrolment_id == enrolment_id))


def member_enrolment_ids(session: Session, group_id: int) -> list[int]:
    return list(session.scalars(select(GroupMembership.enrolment_id).where(GroupMembership.group_id == group_id)
                                .order_by(GroupMembership.enrolment_id)))


def is_member(session: Session, user_id: int, group_id: int) -> bool:
    return session.scalar(select(GroupMembership.id).join(Enrolment, Enrolment.id == GroupMembership.enrolment_id)
                          .where(GroupMembership.group_id == group_id, Enrolment.user_id == user_id)) is not None
