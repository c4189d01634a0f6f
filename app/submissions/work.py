"""Whose work a submission is: a learner's own, or their group's (a group deliverable), which counts
for every member of the group."""

from sqlalchemy import ColumnElement, Select, and_, case, or_, select

from app.groups.models import GroupMembership
from app.submissions.models import Submission

# The enrolment a row of `work_of` counts for: the learner of their own work, each member of a group's.
owner_enrolment_id = case((Submission.group_id.is_(None), Submission.enrolment_id),
                          else_=GroupMembership.enrolment_id).label("owner_enrolment_id")


def work_of(enrolment_ids, *columns) -> Select:
    """SELECT owner_enrolment_id, *columns over the submissions that count for these enrolments (a list
    or a subquery of ids): each learner's own work, and their group's work once per member."""
    # Both sides of the OR name only submission columns, so each is looked up by its own index (an OR
    # across the joined table made SQLite read every submission: 10 ms of a learner's dashboard at L).
    return (select(owner_enrolment_id, *columns).select_from(Submission)
            .outerjoin(GroupMembership, and_(GroupMembership.group_id == Submission.group_id,
                                             GroupMembership.enrolment_id.in_(enrolment_ids)))
            .where(or_(and_(Submission.group_id.is_(None), Submission.enrolment_id.in_(enrolment_ids)),
                       Submission.group_id.in_(select(GroupMembership.group_id)
                                               .where(GroupMembership.enrolment_id.in_(enrolment_ids))))))


def counts_for(enrolment_id) -> ColumnElement[bool]:
    """Whether a Submission counts for the enrolment `enrolment_id` (a column of an enclosing query, at any
    level, or a value): the learner's own work, or their group's."""
    return or_(and_(Submission.group_id.is_(None), Submission.enrolment_id == enrolment_id),
               Submission.group_id.in_(select(GroupMembership.group_id)
                                       .where(GroupMembership.enrolment_id == enrolment_id)
                                       .correlate_except(GroupMembership)))
