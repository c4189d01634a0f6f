"""Fairness in review (issue 13): the rules a cohort sets for how its work is reviewed.

- Conflict of interest (cohort option, on by default): a mentor is not offered work of a learner from
  their own organization (municipality, or prefectural section): it is left out of their queue and of
  "next", and they cannot claim it. Organizers can still give it to them explicitly.
- Load balancing: work goes to the mentor of the cohort's pool with the fewest open claims (across all
  cohorts: the pool is shared between municipalities and cohorts), ties to the one who has waited
  longest since their last claim, then the lowest id.
- Blind review (cohort option): until the work is finally decided (accepted or closed as not passed)
  the reviewing pages show no learner name or municipality and attachments get neutral names with the
  images' metadata stripped.
- Revision cap (cohort option): after `max_revision_rounds` returns, the next version must be decided:
  accepted, or closed as not passed.
- Review target: work that has waited more working days than the cohort's target is flagged and may be
  claimed by another mentor even while someone holds it.
"""

from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, not_, select, true
from sqlalchemy.orm import Session

from app.auth.models import Role, User
from app.cohorts.models import Cohort, Enrolment, MentorAssignment
from app.cohorts.schedule import working_days_between
from app.core.timeutil import tokyo_date
from app.reviews.models import ReviewAudit, ReviewAuditAction, ReviewClaim
from app.submissions.models import Submission, SubmissionStatus

# Once work is finally decided, blind review has nothing left to protect.
FINAL_STATUSES = (SubmissionStatus.ACCEPTED, SubmissionStatus.NOT_PASSED)


# --- conflict of interest ---------------------------------------------------------------------------------

def is_conflicted(mentor: User, learner: User, cohort: Cohort) -> bool:
    """Whether the cohort's conflict-of-interest rule keeps `mentor` from reviewing `learner`'s work."""
    return (cohort.conflict_of_interest and mentor.role == Role.MENTOR and mentor.organization_id is not None
            and mentor.organization_id == learner.organization_id)


def not_conflicted(mentor: User) -> ColumnElement[bool]:
    """A condition on a query that joins Enrolment: the work `mentor` may be offered under the rule."""
    if mentor.role != Role.MENTOR or mentor.organization_id is None:
        return true()
    same_organization = select(User.id).where(User.organization_id == mentor.organization_id)
    ruled_cohorts = select(Cohort.id).where(Cohort.conflict_of_interest.is_(True))
    return not_(and_(Enrolment.cohort_id.in_(ruled_cohorts), Enrolment.user_id.in_(same_organization)))


# --- load balancing ---------------------------------------------------------------------------------------

def mentor_loads(session: Session, mentor_ids: list[int], now: datetime) -> dict[int, int]:
    """How many claims each mentor holds now, in every cohort. One query."""
    rows = session.execute(select(ReviewClaim.mentor_id, func.count()).where(
        ReviewClaim.mentor_id.in_(mentor_ids), ReviewClaim.expires_at > now).group_by(ReviewClaim.mentor_id))
    return {mentor_id: count for mentor_id, count in rows}


def least_loaded_mentor(session: Session, submission: Submission, now: datetime) -> User | None:
    """The mentor of the submission's cohort to give it to: active, not conflicted, with the fewest
    claims held now in any cohort; ties to the one whose last claim is oldest (never claimed: first),
    then the lowest id. None when nobody is eligible. Three queries."""
    enrolment = submission.enrolment
    pool = [m for m in session.scalars(
        select(User).join(MentorAssignment, MentorAssignment.user_id == User.id)
        .where(MentorAssignment.cohort_id == enrolment.cohort_id, User.role == Role.MENTOR,
               User.is_active_account.is_(True)))
        if not is_conflicted(m, enrolment.user, enrolment.cohort)]
    if not pool:
        return None
    ids = [m.id for m in pool]
    loads = mentor_loads(session, ids, now)
    last_claimed = dict(session.execute(select(ReviewClaim.mentor_id, func.max(ReviewClaim.claimed_at))
                                        .where(ReviewClaim.mentor_id.in_(ids)).group_by(ReviewClaim.mentor_id)).all())
    return min(pool, key=lambda m: (loads.get(m.id, 0),
                                    last_claimed.get(m.id) is not None, last_claimed.get(m.id) or now, m.id))


# --- blind review -----------------------------------------------------------------------------------------

def is_blind(submission: Submission) -> bool:
    """Whether reviewers must not learn whose work this is yet."""
    return submission.enrolment.cohort.blind_review and submission.status not in FINAL_STATUSES


def is_open_blind() -> ColumnElement[bool]:
    """The SQL form of `is_blind`, for a query that joins Submission and Cohort."""
    return and_(Cohort.blind_review.is_(True), Submission.status.not_in(FINAL_STATUSES))


# --- revision cap -----------------------------------------------------------------------------------------

def returns_so_far(submission: Submission) -> int:
    """How many times the work came back for revision: every version before the latest was returned."""
    return submission.latest_version_number - 1


def is_last_round(submission: Submission) -> bool:
    """Whether the latest version must be decided for good (accepted or not passed), not returned."""
    cap = submission.enrolment.cohort.max_revision_rounds
    return cap is not None and returns_so_far(submission) >= cap


# --- review target ----------------------------------------------------------------------------------------

def working_days_waiting(submission: Submission, now: datetime) -> int:
    return working_days_between(tokyo_date(submission.last_submitted_at), tokyo_date(now))


def is_overdue(submission: Submission, now: datetime) -> bool:
    """Awaiting review for more working days (Japanese holidays excluded) than the cohort's target."""
    return (submission.status == SubmissionStatus.AWAITING_REVIEW
            and working_days_waiting(submission, now) > submission.enrolment.cohort.review_target_working_days)


# --- audit trail ------------------------------------------------------------------------------------------

def record(session: Session, *, submission: Submission, action: ReviewAuditAction, actor: User | None,
           mentor_id: int | None, now: datetime, before: dict | None = None,
           after: dict | None = None) -> ReviewAudit:
    entry = ReviewAudit(cohort_id=submission.enrolment.cohort_id, submission_id=submission.id,
                        actor_id=actor.id if actor else None, mentor_id=mentor_id, action=action,
                        before=before, after=after, created_at=now)
    session.add(entry)
    return entry


def claim_state(claim: ReviewClaim | None, now: datetime) -> dict | None:
    """A claim as the audit trail keeps it; None when nobody holds the submission."""
    if claim is None or not claim.is_active(now):
        return None
    return {"mentor_id": claim.mentor_id, "expires_at": claim.expires_at.isoformat()}
