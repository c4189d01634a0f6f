"""How much each mentor has on their plate: the organizer's view of every mentor's load, in five
queries whatever the number of mentors, cohorts or submissions."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.auth.models import Role, User
from app.cohorts.models import Cohort, CohortStatus, Enrolment, EnrolmentStatus, MentorAssignment
from app.groups.models import CohortGroup, GroupMentor
from app.reviews.models import Review
from app.submissions.models import Submission, SubmissionStatus

RECENT_DAYS = 30


@dataclass
class MentorLoad:
    mentor: User
    cohorts: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)  # "cohort: group"
    waiting: int = 0  # submissions awaiting review in their cohorts
    recent_reviews: int = 0  # reviews they wrote in the last RECENT_DAYS days


def mentor_loads(session: Session, now: datetime) -> list[MentorLoad]:
    """Every mentor (by name) with the cohorts and groups they are assigned to (archived cohorts left
    out), the work waiting for review in those cohorts and how many reviews they wrote lately."""
    assigned = select(MentorAssignment.user_id)
    mentors = session.scalars(select(User).where(or_(User.role == Role.MENTOR, User.id.in_(assigned)))
                              .order_by(User.display_name, User.id)).all()
    loads = {m.id: MentorLoad(m) for m in mentors}
    live = Cohort.status != CohortStatus.ARCHIVED
    for user_id, name in session.execute(
            select(MentorAssignment.user_id, Cohort.name).join(Cohort, Cohort.id == MentorAssignment.cohort_id)
            .where(live).order_by(Cohort.starts_at.desc(), Cohort.id)):
        loads[user_id].cohorts.append(name)
    for user_id, cohort, group in session.execute(
            select(MentorAssignment.user_id, Cohort.name, CohortGroup.name)
            .join(GroupMentor, GroupMentor.mentor_assignment_id == MentorAssignment.id)
            .join(CohortGroup, CohortGroup.id == GroupMentor.group_id).join(Cohort, Cohort.id == CohortGroup.cohort_id)
            .where(live).order_by(Cohort.name, CohortGroup.name)):
        loads[user_id].groups.append(f"{cohort}: {group}")
    for user_id, count in session.execute(
            select(MentorAssignment.user_id, func.count(Submission.id))
            .join(Cohort, Cohort.id == MentorAssignment.cohort_id)
            .join(Enrolment, Enrolment.cohort_id == MentorAssignment.cohort_id)
            .join(Submission, Submission.enrolment_id == Enrolment.id)
            .where(live, Submission.status == SubmissionStatus.AWAITING_REVIEW,
                   Enrolment.status == EnrolmentStatus.ACTIVE)
            .group_by(MentorAssignment.user_id)):
        loads[user_id].waiting = count
    for user_id, count in session.execute(
            select(Review.mentor_id, func.count(Review.id))
            .where(Review.created_at >= now - timedelta(days=RECENT_DAYS), Review.mentor_id.in_(list(loads)))
            .group_by(Review.mentor_id)):
        loads[user_id].recent_reviews = count
    return list(loads.values())
