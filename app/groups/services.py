"""Changing a cohort's groups (班): create, rename, delete, who is in which, which mentors look after them."""

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.auth import audit
from app.auth.models import User
from app.cohorts.lifecycle import ensure_editable
from app.cohorts.models import Cohort, Enrolment, MentorAssignment
from app.core.db import column_length
from app.core.reasons import ReasonError
from app.groups.models import CohortGroup, GroupMembership, GroupMentor
from app.groups.signals import group_work_count


class GroupRefused(ReasonError):
    """empty_name, name_too_long, duplicate_name, has_work, unknown_group, unknown_learner, unknown_mentor"""


def _clean_name(session: Session, cohort: Cohort, name: str, group_id: int | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise GroupRefused("empty_name")
    if len(name) > column_length(CohortGroup.name):
        raise GroupRefused("name_too_long")
    clash = select(CohortGroup.id).where(CohortGroup.cohort_id == cohort.id, CohortGroup.name == name)
    if group_id is not None:
        clash = clash.where(CohortGroup.id != group_id)
    if session.scalar(clash) is not None:
        raise GroupRefused("duplicate_name")
    return name


def create_group(session: Session, cohort: Cohort, name: str, actor: User) -> CohortGroup:
    """A new, empty group in the cohort. Raises GroupRefused (empty_name, name_too_long, duplicate_name)
    or CohortArchived."""
    ensure_editable(cohort)
    group = CohortGroup(cohort=cohort, name=_clean_name(session, cohort, name))
    session.add(group)
    session.flush()
    audit.record(session, actor, "group.create", "cohort_group", group.id, after={"name": group.name,
                                                                                  "cohort_id": cohort.id})
    return group


def rename_group(session: Session, group: CohortGroup, name: str, actor: User) -> None:
    """Raises GroupRefused (empty_name, name_too_long, duplicate_name) or CohortArchived."""
    ensure_editable(group.cohort)
    before = group.name
    group.name = _clean_name(session, group.cohort, name, group.id)
    session.flush()
    audit.record(session, actor, "group.rename", "cohort_group", group.id, before={"name": before},
                 after={"name": group.name})


def delete_group(session: Session, group: CohortGroup, actor: User) -> None:
    """Delete a group that holds no work; its learners are then in no group. Raises GroupRefused
    (has_work) or CohortArchived."""
    ensure_editable(group.cohort)
    if any(count for _, count in group_work_count.send(session, group_id=group.id)):
        raise GroupRefused("has_work")
    audit.record(session, actor, "group.delete", "cohort_group", group.id,
                 before={"name": group.name, "cohort_id": group.cohort_id})
    session.delete(group)
    session.flush()


def place_learners(session: Session, cohort: Cohort, placements: dict[int, int | None], actor: User) -> int:
    """Put each enrolment of `placements` ({enrolment_id: group_id, or None for no group}) in that group of
    the cohort. Returns how many learners changed group. Raises GroupRefused (unknown_learner,
    unknown_group) or CohortArchived, and changes nothing then."""
    ensure_editable(cohort)
    groups = set(session.scalars(select(CohortGroup.id).where(CohortGroup.cohort_id == cohort.id)))
    enrolments = set(session.scalars(select(Enrolment.id).where(Enrolment.cohort_id == cohort.id,
                                                                Enrolment.id.in_(list(placements)))))
    if set(placements) - enrolments:
        raise GroupRefused("unknown_learner")
    if {g for g in placements.values() if g is not None} - groups:
        raise GroupRefused("unknown_group")
    current = dict(session.execute(select(GroupMembership.enrolment_id, GroupMembership.group_id)
                                   .where(GroupMembership.enrolment_id.in_(list(placements)))).all())
    changed = {e: g for e, g in placements.items() if current.get(e) != g}
    if not changed:
        return 0
    session.execute(delete(GroupMembership).where(GroupMembership.enrolment_id.in_(list(changed))))
    session.add_all(GroupMembership(group_id=g, enrolment_id=e) for e, g in changed.items() if g is not None)
    session.flush()
    audit.record(session, actor, "group.place_learners", "cohort", cohort.id,
                 before={str(e): current.get(e) for e in changed}, after={str(e): g for e, g in changed.items()})
    return len(changed)


def set_group_mentors(session: Session, group: CohortGroup, mentor_ids: set[int], actor: User) -> None:
    """Make exactly these users (mentors of the group's cohort) the group's mentors. Raises GroupRefused
    (unknown_mentor) or CohortArchived, and changes nothing then."""
    ensure_editable(group.cohort)
    assignments = {a.user_id: a for a in session.scalars(
        select(MentorAssignment).where(MentorAssignment.cohort_id == group.cohort_id))}
    if mentor_ids - set(assignments):
        raise GroupRefused("unknown_mentor")
    before = sorted(m.mentor_assignment.user_id for m in group.mentors)
    wanted = {assignments[user_id].id for user_id in mentor_ids}
    group.mentors = ([m for m in group.mentors if m.mentor_assignment_id in wanted]
                     + [GroupMentor(mentor_assignment_id=a) for a in sorted(
                         wanted - {m.mentor_assignment_id for m in group.mentors})])
    session.flush()
    audit.record(session, actor, "group.set_mentors", "cohort_group", group.id, before={"mentor_ids": before},
                 after={"mentor_ids": sorted(mentor_ids)})
