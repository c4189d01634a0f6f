"""What each role's home page reads: a few queries per home, however many cohorts, learners or reviews.

Lists are cut to `limit` rows and come with their full count, so a long list stays one query."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import exists, func, or_, select, true
from sqlalchemy.orm import Session, aliased, contains_eager, joinedload, selectinload

from app.auth.models import Role, User
from app.badges.models import Credential, CredentialStatus, Issuer
from app.cohorts.models import Cohort, CohortStatus, Enrolment, MentorAssignment, ScheduledExercise
from app.completions.models import CompletionRecord
from app.content.models import Exercise
from app.core.timeutil import first_to_come, next_day_starts
from app.deadlines.queries import effective_due_of_schedule
from app.reviews.history import reviews_by
from app.reviews.queries import awaiting
from app.reviews.models import Review, ReviewClaim
from app.submissions.models import Submission, SubmissionStatus


class HomeKind(StrEnum):
    LEARNER = "learner"
    MENTOR = "mentor"
    ORGANIZER = "organizer"
    ADMIN = "admin"


def available_homes(session: Session, user: User) -> list[HomeKind]:
    """The homes this person may open, in a fixed order: their role's own, the learner's when they are
    enrolled somewhere, the mentor's for mentors and administrators (the review pages are theirs: an
    assignment left over from before a change of role opens nothing), the organizer's for staff. One query."""
    is_enrolled = session.scalar(select(exists().where(Enrolment.user_id == user.id)))
    homes = []
    if user.role == Role.LEARNER or is_enrolled:
        homes.append(HomeKind.LEARNER)
    if user.role in (Role.MENTOR, Role.ADMIN):
        homes.append(HomeKind.MENTOR)
    if user.role in (Role.ORGANIZER, Role.ADMIN):
        homes.append(HomeKind.ORGANIZER)
    if user.role == Role.ADMIN:
        homes.append(HomeKind.ADMIN)
    return homes


def default_home(user: User) -> HomeKind:
    return HomeKind(user.role.value)


@dataclass(frozen=True)
class Waiting:
    """A submission waiting for review, how many whole days it has waited since it was submitted, and
    the claim on it that has not expired with its mentor's name (None when nobody holds it)."""
    submission: Submission
    days_waited: int
    claim: ReviewClaim | None = None
    claimed_by: str | None = None


@dataclass(frozen=True)
class CohortWaiting:
    cohort: Cohort
    waiting: int


@dataclass(frozen=True)
class MentorHome:
    waiting: list[Waiting]
    waiting_total: int
    cohorts: list[CohortWaiting]
    recent_reviews: list[Review]

    def changes_at(self, now: datetime) -> datetime | None:
        """The next moment the same data shows otherwise: work shown has waited a whole day more, a claim
        shown ends, or a day begins in Japan (work past the review target is flagged then)."""
        return first_to_come(now, next_day_starts(now), *_waiting_changes(self.waiting))


def _waiting_changes(waiting: list[Waiting]) -> list[datetime]:
    """When each piece of work shown has waited a whole day more, and when each claim shown ends."""
    return [*(w.submission.last_submitted_at + timedelta(days=w.days_waited + 1) for w in waiting),
            *(w.claim.expires_at for w in waiting if w.claim)]


def _days(now: datetime, since: datetime) -> int:
    return max(0, (now - since).days)


def _waiting_rows(query, now: datetime) -> tuple[list[Waiting], int]:
    rows = query.all()
    return [Waiting(submission, _days(now, submission.last_submitted_at), claim, holder)
            for submission, claim, holder, _ in rows], (rows[0][3] if rows else 0)


def _awaiting_with_people(condition, now: datetime):
    """Submissions awaiting review that meet `condition`, longest waiting first, with the learner,
    cohort, exercise and the claim not expired at `now` (with its mentor's name) in the same query and
    the full count in every row."""
    holder = aliased(User)
    return (select(Submission, ReviewClaim, holder.display_name, func.count().over())
            .join(Submission.enrolment).join(Enrolment.cohort).join(Enrolment.user).join(Submission.exercise)
            .outerjoin(ReviewClaim, (ReviewClaim.submission_id == Submission.id) & (ReviewClaim.expires_at > now))
            .outerjoin(holder, holder.id == ReviewClaim.mentor_id)
            .where(Submission.status == SubmissionStatus.AWAITING_REVIEW, condition)
            .options(contains_eager(Submission.enrolment).contains_eager(Enrolment.cohort),
                     contains_eager(Submission.enrolment).contains_eager(Enrolment.user),
                     contains_eager(Submission.exercise))
            .order_by(Submission.last_submitted_at.asc(), Submission.id.asc()))


def mentor_home(session: Session, mentor: User, now: datetime, limit: int = 10) -> MentorHome:
    """The work waiting for the mentor, by the review queue's own rule (`app.reviews.queries.awaiting`: their
    cohorts, every one for an administrator; not archived; learners not withdrawn; nothing the
    conflict-of-interest rule keeps from them), longest waiting first; the cohorts with those counts; the
    mentor's own latest reviews. Three queries."""
    mine = true() if mentor.role == Role.ADMIN else Cohort.id.in_(
        select(MentorAssignment.cohort_id).where(MentorAssignment.user_id == mentor.id))
    waiting, total = _waiting_rows(session.execute(
        awaiting(_awaiting_with_people(true(), now), mentor).limit(limit)), now)
    counts = awaiting(select(Enrolment.cohort_id, func.count().label("waiting")).select_from(Submission)
                      .join(Enrolment, Submission.enrolment_id == Enrolment.id), mentor
                      ).group_by(Enrolment.cohort_id).subquery()
    # Cohorts being prepared or running, and closed ones that still have work waiting (an archived
    # cohort takes no reviews).
    cohorts = [CohortWaiting(cohort, waiting_count or 0) for cohort, waiting_count in session.execute(
        select(Cohort, counts.c.waiting).outerjoin(counts, counts.c.cohort_id == Cohort.id)
        .where(mine, or_(Cohort.status.in_((CohortStatus.DRAFT, CohortStatus.OPEN, CohortStatus.RUNNING)),
                         (Cohort.status == CohortStatus.CLOSED) & (counts.c.waiting > 0)))
        .order_by(Cohort.starts_at.desc(), Cohort.id))]
    reviews = list(session.scalars(reviews_by(mentor).limit(5)))
    return MentorHome(waiting, total, cohorts, reviews)


@dataclass(frozen=True)
class RunningCohort:
    cohort: Cohort
    learners: int
    completed: int
    waiting: int


@dataclass(frozen=True)
class LearnerBehind:
    """A learner of a running cohort with exercises past their due date and nothing submitted, or with
    no submission for a while (since `last_submitted_at`, or since enrolling when None)."""
    enrolment: Enrolment
    overdue: int
    last_submitted_at: datetime | None


@dataclass(frozen=True)
class OrganizerHome:
    running: list[RunningCohort]
    overdue: list[LearnerBehind]
    overdue_total: int
    stalled: list[LearnerBehind]
    stalled_total: int
    stalled_days: int
    waiting_long: list[Waiting]
    waiting_long_total: int
    waiting_long_days: int
    badges_to_approve: int
    # The next moment the same data shows otherwise (see organizer_home), None for none.
    changes_at: datetime | None


def _enrolments_with_people():
    return (select(Enrolment).join(Enrolment.cohort).join(Enrolment.user)
            .options(contains_eager(Enrolment.cohort), contains_eager(Enrolment.user)))


def organizer_home(session: Session, now: datetime, stalled_days: int, waiting_days: int,
                   limit: int = 10) -> OrganizerHome:
    """Cohorts running now (their stored state, app/cohorts/lifecycle.py) with their learners, completions
    and waiting reviews; learners of running cohorts who are overdue on a required exercise or have not
    submitted for `stalled_days` (completed ones aside); submissions waiting more than `waiting_days` for
    review; credentials awaiting approval; and when the page next changes by the time alone. Six queries."""
    running_now = Cohort.status == CohortStatus.RUNNING
    learners = (select(Enrolment.cohort_id, func.count().label("n")).group_by(Enrolment.cohort_id).subquery())
    completed = (select(Enrolment.cohort_id, func.count().label("n")).join(CompletionRecord)
                 .where(CompletionRecord.revoked_at.is_(None)).group_by(Enrolment.cohort_id).subquery())
    waiting = (select(Enrolment.cohort_id, func.count().label("n")).join(Submission)
               .where(Submission.status == SubmissionStatus.AWAITING_REVIEW).group_by(Enrolment.cohort_id).subquery())
    running = [RunningCohort(cohort, n or 0, done or 0, wait or 0) for cohort, n, done, wait in session.execute(
        select(Cohort, learners.c.n, completed.c.n, waiting.c.n).where(running_now)
        .outerjoin(learners, learners.c.cohort_id == Cohort.id)
        .outerjoin(completed, completed.c.cohort_id == Cohort.id)
        .outerjoin(waiting, waiting.c.cohort_id == Cohort.id)
        .order_by(Cohort.ends_at, Cohort.id))]

    not_completed = ~exists().where(CompletionRecord.enrolment_id == Enrolment.id,
                                    CompletionRecord.revoked_at.is_(None))
    # Both aggregates only over the running cohorts' learners: over every enrolment of every year they
    # took half a second at 20,000 enrolments.
    running_ids = select(Cohort.id).where(running_now)
    last_submitted = (select(Submission.enrolment_id, func.max(Submission.last_submitted_at).label("at"))
                      .join(Enrolment, Enrolment.id == Submission.enrolment_id)
                      .where(Enrolment.cohort_id.in_(running_ids)).group_by(Submission.enrolment_id).subquery())
    last_activity = func.coalesce(last_submitted.c.at, Enrolment.enrolled_at)
    missed = (select(Enrolment.id.label("enrolment_id"), func.count().label("n"))
              .where(Enrolment.cohort_id.in_(running_ids))
              .join(ScheduledExercise, ScheduledExercise.cohort_id == Enrolment.cohort_id)
              .join(Exercise, Exercise.id == ScheduledExercise.exercise_id)
              # As in the progress table, an optional exercise is never overdue (most have no due date).
              .where(Exercise.is_required, effective_due_of_schedule() < now,
                     ~exists().where(Submission.enrolment_id == Enrolment.id,
                                     Submission.exercise_id == ScheduledExercise.exercise_id))
              .group_by(Enrolment.id).subquery())
    behind = (_enrolments_with_people()
              .add_columns(func.coalesce(missed.c.n, 0), last_submitted.c.at, func.count().over())
              .outerjoin(missed, missed.c.enrolment_id == Enrolment.id)
              .outerjoin(last_submitted, last_submitted.c.enrolment_id == Enrolment.id)
              .where(running_now, not_completed))

    def learners_behind(query) -> tuple[list[LearnerBehind], int]:
        rows = session.execute(query.limit(limit)).all()
        return [LearnerBehind(e, n, at) for e, n, at, _ in rows], (rows[0][3] if rows else 0)

    overdue, overdue_total = learners_behind(
        behind.where(missed.c.n > 0).order_by(missed.c.n.desc(), last_activity, Enrolment.id))
    stalled, stalled_total = learners_behind(
        behind.where(last_activity < now - timedelta(days=stalled_days)).order_by(last_activity, Enrolment.id))
    waiting_long, waiting_long_total = _waiting_rows(session.execute(_awaiting_with_people(
        Submission.last_submitted_at < now - timedelta(days=waiting_days), now).limit(limit)), now)
    to_approve = session.scalar(select(func.count()).select_from(Credential)
                                .where(Credential.status == CredentialStatus.AWAITING_APPROVAL))
    # With the same data, the page shows otherwise when the next due date passes for a learner who has not
    # submitted (overdue), when a learner's last activity becomes `stalled_days` old, when a submission has
    # waited `waiting_days` or a day more, when a claim shown ends, and when a day begins in Japan (work
    # past the review target). Each first moment is read over a little more than the lists show, so it can
    # only come early.
    stalled_since, waiting_since = now - timedelta(days=stalled_days), now - timedelta(days=waiting_days)
    next_due, next_stalled_from, next_waiting_from = session.execute(select(
        select(func.min(effective_due_of_schedule())).select_from(Enrolment)
        .join(ScheduledExercise, ScheduledExercise.cohort_id == Enrolment.cohort_id)
        .join(Exercise, Exercise.id == ScheduledExercise.exercise_id)
        .where(Enrolment.cohort_id.in_(running_ids), Exercise.is_required, effective_due_of_schedule() >= now,
               ~exists().where(Submission.enrolment_id == Enrolment.id,
                               Submission.exercise_id == ScheduledExercise.exercise_id)).scalar_subquery(),
        select(func.min(last_activity)).select_from(Enrolment)
        .outerjoin(last_submitted, last_submitted.c.enrolment_id == Enrolment.id)
        .where(Enrolment.cohort_id.in_(running_ids), last_activity >= stalled_since).scalar_subquery(),
        select(func.min(Submission.last_submitted_at))
        .where(Submission.status == SubmissionStatus.AWAITING_REVIEW,
               Submission.last_submitted_at >= waiting_since).scalar_subquery())).one()
    changes_at = first_to_come(
        now, next_day_starts(now), next_due,
        next_stalled_from and next_stalled_from + timedelta(days=stalled_days),
        next_waiting_from and next_waiting_from + timedelta(days=waiting_days), *_waiting_changes(waiting_long))
    return OrganizerHome(running, overdue, overdue_total, stalled, stalled_total, stalled_days,
                         waiting_long, waiting_long_total, waiting_days, to_approve, changes_at)


@dataclass(frozen=True)
class AdminHome:
    accounts_by_role: dict[str, int]
    deactivated: int
    invited: list[User]
    invited_total: int
    recent: list[User]
    issuers: list[Issuer]


def admin_home(session: Session, limit: int = 10) -> AdminHome:
    """Active accounts per role, the invitations not yet accepted (oldest first), the newest accounts,
    and every issuer with its keys. Five queries."""
    by_role = {role: 0 for role in Role}
    deactivated = 0
    for role, is_active, count in session.execute(
            select(User.role, User.is_active_account, func.count()).group_by(User.role, User.is_active_account)):
        if is_active:
            by_role[role] = count
        else:
            deactivated += count
    rows = session.execute(
        select(User, func.count().over()).where(User.password_hash.is_(None), User.is_active_account)
        .options(joinedload(User.organization)).order_by(User.created_at, User.id).limit(limit)).all()
    recent = list(session.scalars(select(User).options(joinedload(User.organization))
                                  .order_by(User.created_at.desc(), User.id.desc()).limit(5)))
    issuers = list(session.scalars(select(Issuer).options(selectinload(Issuer.keys)).order_by(Issuer.id)))
    return AdminHome(by_role, deactivated, [user for user, _ in rows], rows[0][1] if rows else 0, recent, issuers)
