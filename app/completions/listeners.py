"""Completions listen to reviews: an accepted submission may complete the module."""

from sqlalchemy import select

from app.cohorts.models import Enrolment, EnrolmentStatus
from app.completions.services import record_completion_if_complete
from app.groups.models import GroupMembership
from app.reviews.signals import submission_accepted


@submission_accepted.connect
def _on_submission_accepted(session, submission, now, **extra):
    if submission.group_id is None:
        record_completion_if_complete(session, submission.enrolment, now)
        return
    # A group's work is accepted for every member of the group who still takes part.
    for enrolment in session.scalars(select(Enrolment).join(GroupMembership)
                                     .where(GroupMembership.group_id == submission.group_id,
                                            Enrolment.status == EnrolmentStatus.ACTIVE)
                                     .order_by(Enrolment.id)):
        record_completion_if_complete(session, enrolment, now)
