"""Whose work a submission is: a learner's own, or their group's (a group deliverable), which counts
for every member of the group."""

from sqlalchemy import ColumnElement, Select, Subquery, or_, select, union_all

from app.groups.models import GroupMembership
from app.submissions.models import Submission


def work_of(enrolment_ids, *columns) -> Select:
    """SELECT owner_enrolment_id, *columns over the submissions that count for these enrolments (a list
    or a subquery of ids): each learner's own work, and their group's work once per member. Submission is
    joined, for the caller to add conditions and joins."""
    work = work_rows(enrolment_ids)
    return (select(work.c.owner_enrolment_id, *columns).select_from(work)
            .join(Submission, Submission.id == work.c.submission_id))


def work_rows(enrolment_ids) -> Subquery:
    """(owner_enrolment_id, exercise_id, submission_id) of every submission that counts for these enrolments (a
    list or a subquery of ids), to be joined pair by pair: own work and group work are two halves of a UNION ALL,
    each read by its own index. With an OR instead, SQLite read every submission of the exercise for every
    learner (4 s of the progress page's column counts at L) and PostgreSQL every submission (0.5 s of the
    progress page at XL, 27 ms of a learner's dashboard)."""
    own = (select(Submission.enrolment_id.label("owner_enrolment_id"), Submission.exercise_id,
                  Submission.id.label("submission_id"))
           .where(Submission.group_id.is_(None), Submission.enrolment_id.in_(enrolment_ids)))
    group = (select(GroupMembership.enrolment_id, Submission.exercise_id, Submission.id)
             .join(GroupMembership, GroupMembership.group_id == Submission.group_id)
             .where(GroupMembership.enrolment_id.in_(enrolment_ids)))
    return union_all(own, group).subquery()


def any_work(enrolment_id, submissions: Select) -> ColumnElement[bool]:
    """Whether `submissions` (a SELECT from Submission with its own conditions, correlated as its caller needs)
    holds one that counts for the enrolment `enrolment_id` (a column of an enclosing query, or a value): the
    learner's own work or their group's, each half looked up by its own index."""
    own = submissions.where(Submission.group_id.is_(None), Submission.enrolment_id == enrolment_id)
    group = (submissions.join(GroupMembership, GroupMembership.group_id == Submission.group_id)
             .where(GroupMembership.enrolment_id == enrolment_id))
    return or_(own.exists(), group.exists())
