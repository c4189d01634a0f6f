"""Reads about groups that the features above need."""

from dataclasses import dataclass

from sqlalchemy import literal, select, union_all
from sqlalchemy.orm import Session, joinedload, selectinload

from app.auth.models import User
from app.cohorts.models import Cohort, Enrolment, EnrolmentStatus, MentorAssignment
from app.groups.models import CohortGroup, GroupMembership, GroupMentor


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


@dataclass(frozen=True)
class Learner:
    enrolment_id: int
    name: str
    email: str
    group_id: int | None
    is_withdrawn: bool


@dataclass(frozen=True)
class GroupsPage:
    groups: list[CohortGroup]
    learners: list[Learner]
    mentors: list[User]

    def members(self, group_id: int) -> list[Learner]:
        return [learner for learner in self.learners if learner.group_id == group_id]

    @property
    def without_group(self) -> list[Learner]:
        return [learner for learner in self.learners if learner.group_id is None and not learner.is_withdrawn]


def groups_page(session: Session, cohort: Cohort) -> GroupsPage:
    """The cohort's groups with their mentors, every learner with their group, and the cohort's mentors:
    four queries, however many groups or learners."""
    groups = list(session.scalars(
        select(CohortGroup).where(CohortGroup.cohort_id == cohort.id).order_by(CohortGroup.name)
        .options(selectinload(CohortGroup.mentors).joinedload(GroupMentor.mentor_assignment)
                 .joinedload(MentorAssignment.user))))
    learners = [Learner(*row) for row in session.execute(
        select(Enrolment.id, User.display_name, User.email, GroupMembership.group_id,
               Enrolment.status == EnrolmentStatus.WITHDRAWN)
        .join(User, User.id == Enrolment.user_id)
        .outerjoin(GroupMembership, GroupMembership.enrolment_id == Enrolment.id)
        .where(Enrolment.cohort_id == cohort.id).order_by(User.display_name, Enrolment.id))]
    mentors = list(session.scalars(select(User).join(MentorAssignment, MentorAssignment.user_id == User.id)
                                   .where(MentorAssignment.cohort_id == cohort.id).order_by(User.display_name)))
    return GroupsPage(groups, learners, mentors)


@dataclass(frozen=True)
class LearnerGroup:
    group_id: int
    name: str
    members: list[str]
    mentors: list[str]


def learner_group(session: Session, enrolment_id: int) -> LearnerGroup | None:
    """The learner's group with its members' and mentors' names (one query), or None."""
    mine = select(GroupMembership.group_id).where(GroupMembership.enrolment_id == enrolment_id).scalar_subquery()
    members = (select(CohortGroup.id, CohortGroup.name, literal("member").label("kind"), User.display_name)
               .join(GroupMembership, GroupMembership.group_id == CohortGroup.id)
               .join(Enrolment, Enrolment.id == GroupMembership.enrolment_id).join(User, User.id == Enrolment.user_id)
               .where(CohortGroup.id == mine))
    mentors = (select(CohortGroup.id, CohortGroup.name, literal("mentor").label("kind"), User.display_name)
               .join(GroupMentor, GroupMentor.group_id == CohortGroup.id)
               .join(MentorAssignment, MentorAssignment.id == GroupMentor.mentor_assignment_id)
               .join(User, User.id == MentorAssignment.user_id)
               .where(CohortGroup.id == mine))
    rows = session.execute(union_all(members, mentors).order_by("kind", "display_name")).all()
    if not rows:  # in no group (a group always holds the learner asking)
        return None
    names: dict[str, list[str]] = {"member": [], "mentor": []}
    for _, _, kind, name in rows:
        names[kind].append(name)
    return LearnerGroup(rows[0][0], rows[0][1], names["member"], names["mentor"])


def cohort_groups(session: Session, cohort_ids) -> list[CohortGroup]:
    """The groups of these cohorts (a list or a subquery of ids), by cohort and name: for filters."""
    return list(session.scalars(select(CohortGroup).where(CohortGroup.cohort_id.in_(cohort_ids))
                                .order_by(CohortGroup.cohort_id, CohortGroup.name)))


def mentored_group_ids(session: Session, user_id: int, cohort_ids=None) -> list[int]:
    """The groups the user looks after as a group mentor (in these cohorts, if given)."""
    query = (select(GroupMentor.group_id).join(MentorAssignment, MentorAssignment.id == GroupMentor.mentor_assignment_id)
             .where(MentorAssignment.user_id == user_id))
    if cohort_ids is not None:
        query = query.where(MentorAssignment.cohort_id.in_(cohort_ids))
    return list(session.scalars(query.order_by(GroupMentor.group_id)))
