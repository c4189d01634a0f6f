from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from app.auth.models import Role, User
from app.cohorts.models import Cohort, Enrolment, MentorAssignment
from app.content.models import ModuleVersion


def cohorts_overview(session: Session) -> list[tuple[Cohort, int, int]]:
    """Every cohort with its number of learners and mentors, newest first."""
    learners = (select(Enrolment.cohort_id, func.count(Enrolment.id).label("n"))
                .group_by(Enrolment.cohort_id).subquery())
    mentors = (select(MentorAssignment.cohort_id, func.count(MentorAssignment.id).label("n"))
               .group_by(MentorAssignment.cohort_id).subquery())
    rows = session.execute(
        select(Cohort, func.coalesce(learners.c.n, 0), func.coalesce(mentors.c.n, 0))
        .outerjoin(learners, learners.c.cohort_id == Cohort.id)
        .outerjoin(mentors, mentors.c.cohort_id == Cohort.id)
        .options(joinedload(Cohort.module_version).joinedload(ModuleVersion.module))
        .order_by(Cohort.starts_at.desc())).all()
    return [(c, n_learners, n_mentors) for c, n_learners, n_mentors in rows]


def available_mentors(session: Session) -> list[User]:
    return list(session.scalars(select(User).where(User.role.in_([Role.MENTOR, Role.ADMIN]),
                                                   User.is_active_account.is_(True))
                                .order_by(User.display_name)))


def cohort_detail(session: Session, cohort_id: int) -> Cohort | None:
    return session.scalar(select(Cohort).where(Cohort.id == cohort_id).options(
        joinedload(Cohort.module_version),
        joinedload(Cohort.enrolments).joinedload(Enrolment.user),
        joinedload(Cohort.mentor_assignments).joinedload(MentorAssignment.user)))
