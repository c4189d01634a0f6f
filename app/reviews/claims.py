"""Claims: a mentor holds a submission awaiting review for a while so that no other mentor reviews it
at the same time. Claiming is one upsert that the database serialises: of two mentors claiming at once,
one gets the row and the other is told who has it. Organizers release claims and give them to another
mentor of the cohort."""

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, contains_eager, joinedload

from app.auth import audit
from app.auth.models import Role, User
from app.cohorts.models import Enrolment, EnrolmentStatus, MentorAssignment
from app.cohorts.services import NotAMentor, is_mentor_of
from app.reviews import fairness
from app.reviews.models import Review, ReviewAuditAction, ReviewClaim
from app.reviews.services import ReviewRefused, review_version
from app.submissions.models import Submission, SubmissionStatus, SubmissionVersion


class ClaimRefused(ReviewRefused):
    pass


class ClaimHeld(ClaimRefused):
    """Another mentor holds the submission."""

    def __init__(self, claim: ReviewClaim):
        super().__init__(claim.mentor_id)
        self.claim = claim


class NotAwaitingReview(ClaimRefused):
    """The submission was decided (or returned) since the page was opened: there is nothing to claim."""


class ConflictOfInterest(ClaimRefused):
    """The learner is from the mentor's own organization and the cohort keeps such work from them."""


def _upsert(session: Session):
    return postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def active_claim(session: Session, submission_id: int, now: datetime) -> ReviewClaim | None:
    claim = session.scalar(select(ReviewClaim).where(ReviewClaim.submission_id == submission_id)
                           .execution_options(populate_existing=True))
    return claim if claim is not None and claim.is_active(now) else None


def claim_submission(session: Session, *, submission: Submission, mentor: User, now: datetime,
                     minutes: int) -> ReviewClaim:
    """Hold `submission` for `mentor` until `minutes` from `now` (renewing the mentor's own claim).

    Raises NotAwaitingReview when the submission no longer waits for review, ConflictOfInterest when
    the cohort's rule keeps the learner's work from this mentor (unless an organizer gave it to them),
    and ClaimHeld when another mentor's claim has not expired, except when the work has waited past the
    cohort's review target: then it is offered to every mentor of the pool, and taking it over goes to
    the review audit trail. Two mentors claiming at once: the database orders the two upserts (row
    lock on PostgreSQL, write lock on SQLite), the second finds the first's claim."""
    if submission.status != SubmissionStatus.AWAITING_REVIEW:
        raise NotAwaitingReview()
    held = active_claim(session, submission.id, now)
    enrolment = submission.enrolment
    already_holds = held is not None and held.mentor_id == mentor.id
    if fairness.is_conflicted(mentor, enrolment.user, enrolment.cohort) and not already_holds:
        raise ConflictOfInterest()
    overdue = fairness.is_overdue(submission, now)
    # Read now: the row is overwritten below, and `held` with it.
    held_before = fairness.claim_state(held, now) if held is not None and held.mentor_id != mentor.id else None
    table = ReviewClaim.__table__
    values = dict(submission_id=submission.id, mentor_id=mentor.id, claimed_at=now,
                  expires_at=now + timedelta(minutes=minutes), assigned_by_id=None)
    statement = _upsert(session)(table).values(**values)
    won = session.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.submission_id],
            set_={k: statement.excluded[k] for k in ("mentor_id", "claimed_at", "expires_at", "assigned_by_id")},
            # Only a claim that is the mentor's own or has run out is taken over (any, once the work is overdue).
            where=None if overdue else (table.c.mentor_id == mentor.id) | (table.c.expires_at <= now))
        .returning(table.c.submission_id)).scalar()
    claim = session.scalar(select(ReviewClaim).where(ReviewClaim.submission_id == submission.id)
                           .execution_options(populate_existing=True))
    if won is None:
        raise ClaimHeld(claim)
    if overdue and held_before is not None:
        fairness.record(session, submission=submission, action=ReviewAuditAction.CLAIM_ASSIGN, actor=mentor,
                        mentor_id=mentor.id, now=now, before=held_before, after=fairness.claim_state(claim, now))
    return claim


def release_claim(session: Session, *, submission: Submission, actor: User, now: datetime) -> bool:
    """End the claim on `submission`. A mentor ends only their own; organizers and administrators end
    anyone's (written to the audit log). False when there was no claim to end."""
    claim = session.get(ReviewClaim, submission.id, populate_existing=True)
    if claim is None or not claim.is_active(now):
        return False
    if actor.role == Role.MENTOR and claim.mentor_id != actor.id:
        raise ClaimHeld(claim)
    if claim.mentor_id != actor.id:
        audit.record(session, actor, "review_claim.release", "submission", submission.id,
                     before={"mentor_id": claim.mentor_id, "expires_at": claim.expires_at.isoformat()})
        fairness.record(session, submission=submission, action=ReviewAuditAction.CLAIM_RELEASE, actor=actor,
                        mentor_id=claim.mentor_id, now=now, before=fairness.claim_state(claim, now))
    session.delete(claim)
    session.flush()
    return True


def assign_claim(session: Session, *, submission: Submission, mentor: User, actor: User | None, now: datetime,
                 minutes: int) -> ReviewClaim:
    """An organizer (None: the load balancer, on arrival of the work) gives the claim on `submission` to
    `mentor`, whoever held it (audit-logged).

    Raises NotAMentor when `mentor` is not assigned to the submission's cohort, NotAwaitingReview
    when there is nothing left to review."""
    if submission.status != SubmissionStatus.AWAITING_REVIEW:
        raise NotAwaitingReview()
    if mentor.role != Role.MENTOR or not is_mentor_of(session, mentor, submission.enrolment.cohort_id):
        raise NotAMentor()
    claim = session.get(ReviewClaim, submission.id, populate_existing=True)
    before = ({"mentor_id": claim.mentor_id, "expires_at": claim.expires_at.isoformat()}
              if claim is not None and claim.is_active(now) else None)
    if claim is None:
        claim = ReviewClaim(submission_id=submission.id)
    claim.mentor_id, claim.claimed_at = mentor.id, now
    claim.expires_at, claim.assigned_by_id = now + timedelta(minutes=minutes), actor.id if actor else None
    # Added once complete: reading `actor.id` may load it, and that flushes the session.
    session.add(claim)
    audit.record(session, actor, "review_claim.assign", "submission", submission.id, before=before,
                 after={"mentor_id": mentor.id, "expires_at": claim.expires_at.isoformat()})
    fairness.record(session, submission=submission, action=ReviewAuditAction.CLAIM_ASSIGN, actor=actor,
                    mentor_id=mentor.id, now=now, before=before, after=fairness.claim_state(claim, now))
    session.flush()
    return claim


def distribute_by_load(session: Session, *, cohort_id: int, actor: User, now: datetime, minutes: int) -> int:
    """Give every submission of the cohort that waits for review and that nobody holds to the mentor of
    the pool with the least open load (`fairness.least_loaded_mentor`), oldest work first; each
    assignment goes to the audit trails. Work no mentor may take (conflicts of interest) stays
    unclaimed, as does the work of withdrawn learners (left out of the queue too unless asked for).
    Returns how many were given out."""
    waiting = session.scalars(
        select(Submission).join(Submission.enrolment)
        .outerjoin(ReviewClaim, (ReviewClaim.submission_id == Submission.id) & (ReviewClaim.expires_at > now))
        .where(Enrolment.cohort_id == cohort_id, Enrolment.status == EnrolmentStatus.ACTIVE,
               Submission.status == SubmissionStatus.AWAITING_REVIEW, ReviewClaim.submission_id.is_(None))
        .options(contains_eager(Submission.enrolment).joinedload(Enrolment.user))
        .order_by(Submission.last_submitted_at, Submission.id)).all()
    given = 0
    for submission in waiting:
        # Each assignment is flushed, so the next choice counts it in the mentor's load.
        mentor = fairness.least_loaded_mentor(session, submission, now)
        if mentor is not None:
            assign_claim(session, submission=submission, mentor=mentor, actor=actor, now=now, minutes=minutes)
            given += 1
    return given


def assign_on_arrival(session: Session, *, submission: Submission, now: datetime) -> ReviewClaim | None:
    """Newly submitted work of a cohort that assigns automatically goes to the mentor of its pool with the
    least open load, by `distribute_by_load`'s rules (`fairness.least_loaded_mentor`), for the cohort's
    review target in days; then, unreviewed, it is anyone's again. Nothing when the cohort does not assign,
    the learner is withdrawn, someone holds the work already, or no mentor may take it."""
    cohort = submission.enrolment.cohort
    if (not cohort.auto_assign or submission.status != SubmissionStatus.AWAITING_REVIEW
            or submission.enrolment.status != EnrolmentStatus.ACTIVE or active_claim(session, submission.id, now)):
        return None
    mentor = fairness.least_loaded_mentor(session, submission, now)
    if mentor is None:
        return None
    return assign_claim(session, submission=submission, mentor=mentor, actor=None, now=now,
                        minutes=cohort.review_target_working_days * 24 * 60)


def decide_claimed(session: Session, *, version: SubmissionVersion, mentor: User, now: datetime,
                   claim_minutes: int, **decision) -> Review:
    """`review_version` by a mentor who holds the claim, or takes it now if nobody does; the decision
    ends the claim. Raises ClaimHeld when another mentor's claim has not expired (e.g. the mentor's own
    ran out and someone else took it over), and everything `review_version` raises."""
    submission = version.submission
    if submission.status == SubmissionStatus.AWAITING_REVIEW:
        claim_submission(session, submission=submission, mentor=mentor, now=now, minutes=claim_minutes)
    review = review_version(session, version=version, mentor=mentor, now=now, **decision)
    session.execute(delete(ReviewClaim).where(ReviewClaim.submission_id == submission.id))
    return review


def cohort_claims(session: Session, cohort_id: int, now: datetime) -> list[ReviewClaim]:
    """The claims in a cohort that have not expired, those running out first; with the submission,
    its learner and exercise, and the mentor. One query."""
    return list(session.scalars(
        select(ReviewClaim).join(ReviewClaim.submission).join(Submission.enrolment)
        .where(Enrolment.cohort_id == cohort_id, ReviewClaim.expires_at > now)
        .options(joinedload(ReviewClaim.mentor),
                 contains_eager(ReviewClaim.submission).contains_eager(Submission.enrolment)
                 .joinedload(Enrolment.user),
                 contains_eager(ReviewClaim.submission).joinedload(Submission.exercise))
        .order_by(ReviewClaim.expires_at, ReviewClaim.submission_id)))


def cohort_mentors(session: Session, cohort_id: int) -> list[User]:
    return list(session.scalars(select(User).join(MentorAssignment, MentorAssignment.user_id == User.id)
                                .where(MentorAssignment.cohort_id == cohort_id, User.role == Role.MENTOR,
                                       User.is_active_account.is_(True))
                                .order_by(User.display_name, User.id)))
