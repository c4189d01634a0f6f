"""Groups listen to cohorts: a learner who moves to another cohort leaves their group in the old one."""

from sqlalchemy import delete

from app.cohorts.signals import enrolment_moving
from app.groups.models import GroupMembership


@enrolment_moving.connect
def _leave_group(session, enrolment, target, **extra):
    session.execute(delete(GroupMembership).where(GroupMembership.enrolment_id == enrolment.id))
