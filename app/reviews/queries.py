"""What the mentor's pages read, and the history of versions and reviews the learner's exercise page shows."""

from array import array
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Select, String, func, literal, select, type_coerce
from sqlalchemy.orm import Session, aliased, contains_eager, joinedload

from app.auth.models import Role, User
from app.cohorts.models import Cohort, CohortStatus, Enrolment, EnrolmentStatus, MentorAssignment, ScheduledExercise
from app.content.models import Exercise, ModuleVersion, RubricCriterion
from app.core.db import UTCDateTime, utcnow
from app.deadlines.queries import effective_due_of_schedule, effective_due_sql, extension_reason_sql
from app.groups.models import GroupMembership
from app.groups.queries import cohort_groups
from app.reviews import fairness
from app.reviews.revision import Remembered
from app.reviews.models import (OPEN_PROPOSAL_STATES, AnchoredComment, CommentBankAudit, CriterionScore,
                                DecisionProposal, Review, ReviewAudit, ReviewClaim, ReviewDraft)
from app.submissions.models import Submission, SubmissionStatus, SubmissionVersion
from app.submissions.queries import first_submitted_at, is_overdue


@dataclass(frozen=True)
class QueueItem:
    submission: Submission
    due_at: datetime | None
    claim: ReviewClaim | None = None  # only a claim that has not expired
    claimed_by: str | None = None
    # By when the work first came, not by today (app.submissions.queries.is_overdue).
    is_overdue: bool = False
    # Why the learner has more time on this exercise (their latest approved extension), if they do.
    extension_reason: str | None = None
    # Where a decision on the latest version stands when one waits (app/reviews/gate.py), else None.
    proposal_state: str | None = None


@dataclass(frozen=True)
class QueueOption:
    """A filter choice with how many submissions it would show."""
    value: int | str
    label: str
    count: int


@dataclass(frozen=True)
class Paged:
    """One page of a longer list: `number` counts from 1."""
    items: list
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0


@dataclass(frozen=True)
class QueuePage(Paged):
    cohorts: list[QueueOption]
    exercises: list[QueueOption]
    groups: list[QueueOption] = ()
    # Needs a decision, or a decision waits (release, second review, an organizer): QUEUE_STATES.
    states: list[QueueOption] = ()


# The group (班) a submission is counted under: a group's work its group's, a learner's own work the
# group they are in (None: in no group). Queries that use it outer-join `_membership` on the submitter.
_membership = aliased(GroupMembership, name="submitter_membership")
_group_key = func.coalesce(Submission.group_id, _membership.group_id)


def _with_group_key(query: Select) -> Select:
    return query.outerjoin(_membership, _membership.enrolment_id == Submission.enrolment_id)


# Where work in the queue stands: no decision yet (TO_DECIDE), or a mentor's decision on its latest version
# that waits (the open proposal's state; at most one per version, a partial unique index).
TO_DECIDE = "to_decide"
QUEUE_STATES = (TO_DECIDE, *(state.value for state in OPEN_PROPOSAL_STATES))
_latest_version = aliased(SubmissionVersion, name="latest_version")
_open_proposal = aliased(DecisionProposal, name="open_proposal")
# Read as text: TO_DECIDE is no proposal state.
_state_key = func.coalesce(type_coerce(_open_proposal.state, String), TO_DECIDE)


def _with_state_key(query: Select) -> Select:
    """Outer-join the open proposal on the latest version, so that `_state_key` (and the proposal) can be read."""
    return (query.outerjoin(_latest_version, (_latest_version.submission_id == Submission.id)
                            & (_latest_version.number == Submission.latest_version_number))
            .outerjoin(_open_proposal, (_open_proposal.submission_version_id == _latest_version.id)
                       & _open_proposal.state.in_(OPEN_PROPOSAL_STATES)))


def _filtered(query: Select, cohort_id: int | None, exercise_slug: str | None, group_id: int | None,
              state: str | None) -> Select:
    """The queue's filters on a query that joins Submission and Enrolment (`_awaiting`)."""
    if cohort_id:
        query = query.where(Enrolment.cohort_id == cohort_id)
    if exercise_slug:
        query = query.join(Exercise, Submission.exercise_id == Exercise.id).where(Exercise.slug == exercise_slug)
    if group_id:
        query = _with_group_key(query).where(_group_key == group_id)
    if state:
        query = _with_state_key(query).where(_state_key == state)
    return query


def reviewable_cohorts(session: Session, mentor: User) -> list[Cohort]:
    """The mentor's cohorts that still take reviews (an archived cohort is read-only)."""
    query = select(Cohort).where(Cohort.status != CohortStatus.ARCHIVED).order_by(Cohort.starts_at.desc())
    if mentor.role != Role.ADMIN:
        query = query.join(MentorAssignment).where(MentorAssignment.user_id == mentor.id)
    return list(session.scalars(query))


def awaiting(query: Select, mentor: User, include_withdrawn: bool = False) -> Select:
    """The rule of what work awaits a mentor, for the queue and the mentor's home alike: limit a query that
    joins Submission and Enrolment to the work awaiting this mentor (of withdrawn
    learners too only when asked), in cohorts that still take reviews (not archived), leaving out what the
    conflict-of-interest rule keeps from them."""
    query = query.where(Submission.status == SubmissionStatus.AWAITING_REVIEW,
                        Enrolment.cohort_id.not_in(select(Cohort.id).where(Cohort.status == CohortStatus.ARCHIVED)))
    if not include_withdrawn:
        query = query.where(Enrolment.status == EnrolmentStatus.ACTIVE)
    if mentor.role != Role.ADMIN:
        query = query.where(Enrolment.cohort_id.in_(
            select(MentorAssignment.cohort_id).where(MentorAssignment.user_id == mentor.id)))
    # Work from the mentor's own organization is not offered when the cohort rules it out (fairness.py).
    return query.where(fairness.not_conflicted(mentor))


def _mentor_key(mentor: User) -> tuple:
    """What decides which work awaits a mentor besides the data: who they are, their role and organization."""
    return mentor.id, str(mentor.role), mentor.organization_id


def _queue_options(session: Session, remembered: Remembered, mentor: User, locale: str, cohort_id: int | None,
                   exercise_slug: str | None, include_withdrawn: bool, group_id: int | None = None,
                   state: str | None = None
                   ) -> tuple[list[QueueOption], list[QueueOption], list[QueueOption], list[QueueOption], int]:
    """The cohort, exercise, group and state choices, each counted within the other filters, and the count
    of all filters together: one grouped query (remembered until the work changes) instead of a count per
    choice, and one for the groups' names."""
    counted = awaiting(_with_state_key(_with_group_key(
        select(Enrolment.cohort_id, Exercise.slug, Exercise.title_ja, Exercise.title_en, _group_key, _state_key,
               func.count())
        .select_from(Submission).join(Enrolment, Submission.enrolment_id == Enrolment.id)
        .join(Exercise, Submission.exercise_id == Exercise.id)))
        .group_by(Enrolment.cohort_id, Exercise.id, Exercise.slug, Exercise.title_ja, Exercise.title_en, _group_key,
                  _state_key)
        .order_by(Exercise.slug, Exercise.id), mentor, include_withdrawn)
    # Every filter is counted from these rows (at most cohorts × exercises × groups × states).
    rows = remembered.answer(("queue counts", *_mentor_key(mentor), include_withdrawn),
                             lambda: [tuple(row) for row in session.execute(counted)])
    by_cohort: dict[int, int] = {}
    by_exercise: dict[str, list] = {}
    by_group: dict[int, int] = {}
    by_state: dict[str, int] = {}
    total = 0
    for cohort, slug, title_ja, title_en, group, row_state, count in rows:
        chosen = {"cohort": cohort_id in (None, cohort), "exercise": exercise_slug in (None, slug),
                  "group": group_id in (None, group), "state": state in (None, row_state)}

        def within_others(own: str) -> bool:
            return all(matches for name, matches in chosen.items() if name != own)

        if within_others("cohort"):
            by_cohort[cohort] = by_cohort.get(cohort, 0) + count
        if within_others("group") and group is not None:
            by_group[group] = by_group.get(group, 0) + count
        if within_others("state"):
            by_state[row_state] = by_state.get(row_state, 0) + count
        if within_others("exercise"):
            # Module versions may retitle an exercise; the newest version's title names the choice.
            entry = by_exercise.setdefault(slug, [0, ""])
            entry[0] += count
            entry[1] = title_en if locale == "en" else title_ja
            if chosen["exercise"]:
                total += count
    reviewable = reviewable_cohorts(session, mentor)
    cohorts = [QueueOption(c.id, c.name, by_cohort.get(c.id, 0)) for c in reviewable]
    names = {c.id: c.name for c in reviewable}
    groups = [QueueOption(g.id, f"{names[g.cohort_id]}: {g.name}", by_group.get(g.id, 0))
              for g in cohort_groups(session, [c.id for c in reviewable])
              if cohort_id in (None, g.cohort_id)]
    exercises = [QueueOption(slug, title, count) for slug, (count, title) in sorted(
        by_exercise.items(), key=lambda item: item[1][1])]
    if exercise_slug and exercise_slug not in by_exercise:
        exercises.append(QueueOption(exercise_slug, exercise_slug, 0))
    # Labelled by the page (they are words, not data).
    states = [QueueOption(value, value, by_state.get(value, 0)) for value in QUEUE_STATES]
    return cohorts, exercises, groups, states, total


def _queue_order(due_at, columns) -> tuple:
    """Nearest due first (work with no due date last on both engines), then the longest waiting."""
    return due_at.asc().nulls_last(), columns.last_submitted_at.asc(), columns.id.asc()


def review_queue(session: Session, mentor: User, locale: str, cohort_id: int | None = None,
                 exercise_slug: str | None = None, page: int = 1, per_page: int = 50,
                 now: datetime | None = None, include_withdrawn: bool = False, group_id: int | None = None,
                 state: str | None = None, tallies: Remembered | None = None) -> QueuePage:
    """One page of the submissions awaiting review in the mentor's cohorts: nearest due first (no due
    date last), then the longest waiting; with the filter choices and their counts and who holds each
    (claims that have not expired at `now`). A page past the end shows the last page. Work of withdrawn
    learners only with `include_withdrawn`; only the work of one group (班) with `group_id` (its group
    deliverables and its members' own work); only work in one of QUEUE_STATES with `state`. Each item says
    whether a decision on it waits (for release, a second mentor or an organizer). A constant number of
    queries, whatever the size of the queue. With `tallies`, the counts and the order are remembered
    until the work changes (app/reviews/revision.py)."""
    now = now or utcnow()
    remembered = tallies or Remembered(session, None)
    cohorts, exercises, groups, states, total = _queue_options(session, remembered, mentor, locale, cohort_id,
                                                               exercise_slug, include_withdrawn, group_id, state)
    pages = max(1, -(-total // per_page))
    number = min(page, pages)
    order = _queue_order_ids(session, remembered, mentor, cohort_id, exercise_slug, include_withdrawn, group_id,
                             state)
    ids = list(order[(number - 1) * per_page:number * per_page])
    holder = aliased(User)
    query = _with_state_key(
        select(Submission, effective_due_of_schedule(), ReviewClaim, holder.display_name, _open_proposal.state,
               extension_reason_sql(Submission.enrolment_id, Submission.exercise_id))
        .join(Submission.enrolment).join(Enrolment.cohort).join(Submission.exercise).join(Enrolment.user)
        .outerjoin(ScheduledExercise, (ScheduledExercise.cohort_id == Enrolment.cohort_id)
                   & (ScheduledExercise.exercise_id == Submission.exercise_id))
        .outerjoin(ReviewClaim, (ReviewClaim.submission_id == Submission.id) & (ReviewClaim.expires_at > now))
        .outerjoin(holder, holder.id == ReviewClaim.mentor_id)
        .where(Submission.id.in_(ids))
        .options(contains_eager(Submission.enrolment).contains_eager(Enrolment.cohort),
                 contains_eager(Submission.enrolment).contains_eager(Enrolment.user),
                 contains_eager(Submission.exercise), joinedload(Submission.group)))
    position = {submission_id: n for n, submission_id in enumerate(ids)}
    rows = sorted(session.execute(query).all(), key=lambda row: position[row[0].id])
    first = first_submitted_at(session, ids)
    items = [QueueItem(s, due, claim, name, is_overdue(
        due_at=due, now=now, is_required=s.exercise.is_required, state=s.status, first_submitted_at=first.get(s.id)),
        extension_reason=reason, proposal_state=proposal_state) for s, due, claim, name, proposal_state, reason in rows]
    return QueuePage(items, number, per_page, total, cohorts, exercises, groups, states)


def _queue_order_ids(session: Session, remembered: Remembered, mentor: User, cohort_id: int | None,
                     exercise_slug: str | None, include_withdrawn: bool, group_id: int | None,
                     state: str | None) -> array:
    """The ids of the whole filtered queue in its order (narrow rows; remembered until the work changes)."""
    # The learner's own effective due date (accommodation, extensions).
    due_at = effective_due_of_schedule()
    ranked = awaiting(
        select(Submission.id)
        .join(Enrolment, Submission.enrolment_id == Enrolment.id)
        .outerjoin(ScheduledExercise, (ScheduledExercise.cohort_id == Enrolment.cohort_id)
                   & (ScheduledExercise.exercise_id == Submission.exercise_id)), mentor, include_withdrawn)
    ranked = _filtered(ranked, cohort_id, exercise_slug, group_id, state).order_by(*_queue_order(due_at, Submission))
    return remembered.answer(
        ("queue order", *_mentor_key(mentor), include_withdrawn, cohort_id, exercise_slug, group_id, state),
        lambda: array("q", session.scalars(ranked)))


# Stands for "no due date" so that such work sorts last, as in the queue, with plain comparisons.
_NO_DUE_DATE = datetime(9999, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Neighbours:
    previous_id: int | None
    next_id: int | None


def queue_neighbours(session: Session, mentor: User, submission: Submission, cohort_id: int | None = None,
                     exercise_slug: str | None = None, include_withdrawn: bool = False,
                     group_id: int | None = None, state: str | None = None,
                     tallies: Remembered | None = None) -> Neighbours:
    """The submissions just before and after `submission` in the mentor's queue, with the same filter
    and order as `review_queue`. `submission` need not be waiting any more: after a decision its
    `next_id` is where the mentor goes on. One query, whatever the size of the queue; with `tallies` (as in
    `review_queue`), waiting work is found in the queue's remembered order."""
    if tallies is not None:
        order = _queue_order_ids(session, tallies, mentor, cohort_id, exercise_slug,
                                 include_withdrawn, group_id, state)
        if submission.id in order:
            n = order.index(submission.id)
            return Neighbours(order[n - 1] if n > 0 else None, order[n + 1] if n + 1 < len(order) else None)
    no_due = literal(_NO_DUE_DATE, UTCDateTime())
    due_key = func.coalesce(effective_due_of_schedule(), no_due)
    # The submission's own (effective) due date inside the statement (a subquery), so that all is one query.
    own_due = func.coalesce(select(effective_due_sql(
        ScheduledExercise.due_at, submission.enrolment_id, submission.exercise_id, submission.enrolment.user_id))
        .where(ScheduledExercise.cohort_id == submission.enrolment.cohort_id,
               ScheduledExercise.exercise_id == submission.exercise_id).scalar_subquery(), no_due)
    keyed = awaiting(
        select(Submission.id).join(Enrolment, Submission.enrolment_id == Enrolment.id)
        .outerjoin(ScheduledExercise, (ScheduledExercise.cohort_id == Enrolment.cohort_id)
                   & (ScheduledExercise.exercise_id == Submission.exercise_id)), mentor, include_withdrawn)
    keyed = _filtered(keyed, cohort_id, exercise_slug, group_id, state)
    key = (due_key, Submission.last_submitted_at, Submission.id)
    own = (own_due, submission.last_submitted_at, submission.id)

    def beyond(direction: str):
        """Rows after (or before) `own` in the queue's order, compared column by column."""
        cmp = (lambda a, b: a > b) if direction == "after" else (lambda a, b: a < b)
        return ((cmp(key[0], own[0])) | ((key[0] == own[0]) & cmp(key[1], own[1]))
                | ((key[0] == own[0]) & (key[1] == own[1]) & cmp(key[2], own[2])))

    following = (keyed.where(beyond("after"))
                 .order_by(due_key.asc(), Submission.last_submitted_at.asc(), Submission.id.asc()).limit(1))
    preceding = (keyed.where(beyond("before"))
                 .order_by(due_key.desc(), Submission.last_submitted_at.desc(), Submission.id.desc()).limit(1))
    next_id, previous_id = session.execute(select(following.scalar_subquery(), preceding.scalar_subquery())).one()
    return Neighbours(previous_id, next_id)


def submission_for_review(session: Session, submission_id: int) -> Submission | None:
    return session.scalars(select(Submission).where(Submission.id == submission_id).options(
        joinedload(Submission.enrolment).joinedload(Enrolment.cohort),
        joinedload(Submission.enrolment).joinedload(Enrolment.user), joinedload(Submission.group),
        # The review form lists every criterion with its levels: one query (levels are small rows), not one
        # per criterion.
        joinedload(Submission.exercise).selectinload(Exercise.criteria).joinedload(RubricCriterion.levels),
        # The brief and the mentor pack are on the page, and the auto-checked questions (a few rows: joined).
        joinedload(Submission.exercise).undefer_group(Exercise.TEXTS),
        joinedload(Submission.exercise).joinedload(Exercise.questions))).unique().one_or_none()


@dataclass
class VersionWithReview:
    version: SubmissionVersion
    review: Review | None


def submission_history(session: Session, submission: Submission | None) -> list[VersionWithReview]:
    """Every version of a submission, newest first, with the review of each (scores and the comments on
    passages loaded)."""
    if submission is None:
        return []
    # Joined, not selected in, eager loads: two queries for the whole history (a version has few
    # attachments, a review one score per criterion).
    versions = session.scalars(
        select(SubmissionVersion).where(SubmissionVersion.submission_id == submission.id)
        .options(joinedload(SubmissionVersion.attachments), joinedload(SubmissionVersion.submitted_by))
        .order_by(SubmissionVersion.number.desc())).unique().all()
    reviews = {r.submission_version_id: r for r in session.scalars(
        select(Review).where(Review.submission_version_id.in_([v.id for v in versions]))
        .options(joinedload(Review.mentor),
                 joinedload(Review.scores).joinedload(CriterionScore.criterion),
                 # The comments on passages, released with the review (a few small rows each).
                 joinedload(Review.comments).joinedload(AnchoredComment.mentor))).unique()}
    return [VersionWithReview(v, reviews.get(v.id)) for v in versions]


def review_draft(session: Session, submission: Submission, mentor_id: int) -> ReviewDraft | None:
    """The mentor's own undecided scores and feedback on the submission's latest version, if they saved some.
    A draft from before that version arrived belongs to an earlier round (an autosave that crossed the
    decision on the wire) and is left out."""
    return session.scalar(select(ReviewDraft).where(ReviewDraft.submission_id == submission.id,
                                                    ReviewDraft.mentor_id == mentor_id,
                                                    ReviewDraft.saved_at >= submission.last_submitted_at))


@dataclass(frozen=True)
class AuditPage(Paged):
    mentors: list[QueueOption]
    # Names of the mentors the entries' before/after name by id (a claim's holder).
    names: dict[int, str]


def review_audit_page(session: Session, cohort_id: int, mentor_id: int | None = None, page: int = 1,
                      per_page: int = 50) -> AuditPage:
    """One page of the cohort's review audit trail, newest first, optionally of one mentor; with the mentor
    choices and their counts. Three queries, whatever the length of the trail."""
    counts = session.execute(
        select(User.id, User.display_name, func.count()).join(ReviewAudit, ReviewAudit.mentor_id == User.id)
        .where(ReviewAudit.cohort_id == cohort_id).group_by(User.id, User.display_name)
        .order_by(User.display_name, User.id)).all()
    mentors = [QueueOption(uid, name, count) for uid, name, count in counts]
    total = sum(o.count for o in mentors if mentor_id in (None, o.value))
    pages = max(1, -(-total // per_page))
    number = min(page, pages)
    actor, mentor = aliased(User), aliased(User)
    query = (select(ReviewAudit).join(ReviewAudit.submission).join(Submission.enrolment).join(Enrolment.user)
             .join(Submission.exercise).outerjoin(actor, ReviewAudit.actor).outerjoin(mentor, ReviewAudit.mentor)
             .where(ReviewAudit.cohort_id == cohort_id)
             .options(contains_eager(ReviewAudit.submission).contains_eager(Submission.enrolment)
                      .contains_eager(Enrolment.user),
                      contains_eager(ReviewAudit.submission).contains_eager(Submission.exercise),
                      contains_eager(ReviewAudit.actor.of_type(actor)),
                      contains_eager(ReviewAudit.mentor.of_type(mentor)))
             .order_by(ReviewAudit.created_at.desc(), ReviewAudit.id.desc())
             .offset((number - 1) * per_page).limit(per_page))
    if mentor_id:
        query = query.where(ReviewAudit.mentor_id == mentor_id)
    items = list(session.scalars(query))
    held_by = {state["mentor_id"] for entry in items for state in (entry.before, entry.after)
               if state and "mentor_id" in state}
    names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(held_by))).all()) \
        if held_by else {}
    return AuditPage(items, number, per_page, total, mentors, names)


@dataclass(frozen=True)
class BankTrail:
    """The newest changes to the comment banks of a cohort's module, of `total`; with the titles of its
    exercises and criteria by slug ({slug: exercise}, {(exercise slug, criterion slug): criterion})."""
    items: list[CommentBankAudit]
    total: int
    exercises: dict[str, Exercise]
    criteria: dict[tuple[str, str], RubricCriterion]


def bank_trail(session: Session, cohort: Cohort, limit: int = 50) -> BankTrail:
    """The banks are the module's (across its versions); titles come from the cohort's version. Two queries."""
    module_id = select(ModuleVersion.module_id).where(ModuleVersion.id == cohort.module_version_id).scalar_subquery()
    rows = session.execute(select(CommentBankAudit, func.count().over()).where(CommentBankAudit.module_id == module_id)
                           .options(joinedload(CommentBankAudit.actor))
                           .order_by(CommentBankAudit.created_at.desc(), CommentBankAudit.id.desc()).limit(limit)).all()
    exercises, criteria = {}, {}
    for exercise, criterion in session.execute(
            select(Exercise, RubricCriterion).outerjoin(RubricCriterion, RubricCriterion.exercise_id == Exercise.id)
            .where(Exercise.module_version_id == cohort.module_version_id)):
        exercises[exercise.slug] = exercise
        if criterion is not None:
            criteria[(exercise.slug, criterion.slug)] = criterion
    return BankTrail([entry for entry, _ in rows], rows[0][1] if rows else 0, exercises, criteria)
