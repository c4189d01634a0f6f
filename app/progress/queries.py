"""The organizer's progress table: learner × exercise status, one page of learners at a time, in a fixed
number of queries whatever the cohort's size; the totals, the filters and the weekly activity are
counted by the database.

A cell is overdue when its exercise is required, the learner's effective due date (app/deadlines) has passed and the work is neither
accepted nor was its first version submitted by the due date: work handed in on time stays "awaiting
review" or "returned" however long the review or the revision takes, and work handed in late stays
overdue (with its own state shown beside it) until it is accepted. There are no drafts: work exists
only once a version is submitted."""

from collections.abc import Hashable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Select, and_, case, exists, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, aliased, joinedload

from app.auth.models import Organization, User
from app.cohorts.models import Cohort, Enrolment, EnrolmentStatus, ScheduledExercise
from app.completions.models import CompletionRecord
from app.content.models import Exercise
from app.core.memory import Memory
from app.core.timeutil import TOKYO
from app.deadlines.queries import effective_due_dates, effective_due_of_schedule
from app.groups.models import GroupMembership
from app.reviews.models import Review
from app.reviews.revision import Remembered
from app.submissions.models import Submission, SubmissionStatus, SubmissionVersion
from app.submissions.work import any_work, work_of, work_rows
# The one overdue rule (of the module docstring), shared with the mentor queue and the learner's pages.
from app.submissions.queries import is_overdue

PAGE_SIZE = 100
NOT_STARTED = "not_started"
OVERDUE = "overdue"
# The weekly chart shows at most this many weeks (the latest ones) of a long cohort.
MAX_WEEKS = 60


class LearnerFilter(StrEnum):
    """Which learners the table lists: those with at least one cell in a state, or by completion."""
    OVERDUE = "overdue"
    AWAITING_REVIEW = "awaiting_review"
    RETURNED = "returned"
    NOTHING_SUBMITTED = "nothing_submitted"
    COMPLETED = "completed"
    NOT_COMPLETED = "not_completed"
    REVOKED = "revoked"


@dataclass(frozen=True)
class Filters:
    search: str = ""
    place_id: int | None = None  # a municipality, or a subprefecture for all of its municipalities
    status: LearnerFilter | None = None
    include_withdrawn: bool = False  # withdrawn learners are left out unless asked for
    group_id: int | None = None  # only the members of one group (班)


@dataclass(frozen=True)
class Cell:
    """One learner's work on one exercise: its own state and what the gradebook shows of it."""
    state: str  # NOT_STARTED or the submission's status
    is_overdue: bool = False
    submission_id: int | None = None
    versions: int = 0
    first_submitted_at: datetime | None = None
    last_submitted_at: datetime | None = None
    points: int | None = None  # of the latest review
    max_points: int | None = None
    reviewed_at: datetime | None = None
    reviewer: str | None = None
    due_at: datetime | None = None  # the learner's effective due date

    @property
    def status(self) -> str:
        return OVERDUE if self.is_overdue else self.state


@dataclass(frozen=True)
class ProgressRow:
    enrolment_id: int
    display_name: str
    email: str
    municipality: str | None
    cells: list[Cell]
    completed_at: datetime | None
    revoked_at: datetime | None
    accepted_required: int
    is_withdrawn: bool = False

    @property
    def statuses(self) -> list[str]:
        return [cell.status for cell in self.cells]


@dataclass(frozen=True)
class ColumnCounts:
    """Over the whole cohort, for one exercise."""
    accepted: int
    waiting: int
    overdue: int


@dataclass(frozen=True)
class ProgressTable:
    cohort: Cohort
    schedule: list[ScheduledExercise]
    rows: list[ProgressRow]
    # Over the whole cohort (every page, no filter): learners, valid and revoked completions, per exercise.
    learners: int
    completed: int
    revoked: int
    columns: list[ColumnCounts]
    # The learners the filters match, over every page.
    matching: int
    page: int
    page_size: int = PAGE_SIZE
    # Names the rows as remembered (the work's revision, the page and when they were worked out), so that what
    # is made of them (the rendered table) can be remembered under it; None when they were not remembered.
    rows_key: Hashable | None = None

    @property
    def required(self) -> int:
        return sum(1 for s in self.schedule if s.exercise.is_required)

    @property
    def has_next(self) -> bool:
        return self.page * self.page_size < self.matching


def cohort_schedule(session: Session, cohort: Cohort) -> list[ScheduledExercise]:
    return sorted(session.scalars(select(ScheduledExercise).where(ScheduledExercise.cohort_id == cohort.id)
                                  .options(joinedload(ScheduledExercise.exercise))),
                  key=lambda s: s.exercise.position)


@dataclass(frozen=True)
class _RowsPage:
    """A page of rows worked out at `as_of`, right until `until` (the cohort's next due date, None for none
    to come) unless the work changes."""
    as_of: datetime
    until: datetime | None
    rows: list[ProgressRow]
    matching: int


def cohort_progress(session: Session, cohort: Cohort, *, locale: str, now: datetime, filters: Filters = Filters(),
                    page: int = 1, page_size: int = PAGE_SIZE, tallies: Remembered | None = None,
                    pages: Memory | None = None) -> ProgressTable:
    """One page of the cohort's learners that match `filters` (by name), each with the status of their
    work on every scheduled exercise, and the cohort's totals (withdrawn learners only when the filters
    include them). With `tallies`, the per-exercise counts are remembered until the work changes or a due
    date passes (app/reviews/revision.py); with `pages` too, so are the page's rows, in that memory (they
    are far bigger than the counts, so fewer are kept)."""
    schedule = cohort_schedule(session, cohort)
    tallies = tallies or Remembered(session, None)
    total, completed, revoked = _cohort_totals(session, tallies, cohort, filters.include_withdrawn)
    columns, next_due = _column_counts(session, tallies, cohort, schedule, now, filters.include_withdrawn)

    def work_out() -> _RowsPage:
        learners = _learners(cohort, locale, filters, now)
        # How many match comes with the page's rows (a window count); only a page past the end counts apart.
        rows, matching = _rows(session, learners.add_columns(func.count().over())
                               .offset((page - 1) * page_size).limit(page_size), schedule, now)
        if matching is None:
            matching = session.scalar(select(func.count()).select_from(learners.subquery()))
        return _RowsPage(now, next_due, rows, matching)

    # No row changes before a due date passes (a cell turns overdue) unless the work does.
    remembered = tallies.keeping_in(pages)
    question = ("progress rows", cohort.id, filters, page, page_size, locale)
    found = remembered.answer(question, work_out, holds=lambda answer: _right_at(now, answer.as_of, answer.until))
    revision = remembered.revision()
    return ProgressTable(cohort, schedule, found.rows, learners=total, completed=completed, revoked=revoked,
                         columns=columns, matching=found.matching, page=page, page_size=page_size,
                         rows_key=(question, revision, found.as_of) if revision is not None else None)


def every_row(session: Session, cohort: Cohort, schedule: list[ScheduledExercise], *, locale: str, now: datetime,
              filters: Filters = Filters(), chunk: int = 500) -> Iterator[ProgressRow]:
    """Every learner that matches `filters`, by name, `chunk` learners per pair of queries (exports)."""
    learners = _learners(cohort, locale, filters, now)
    offset = 0
    while True:
        rows, _ = _rows(session, learners.add_columns(func.count().over()).offset(offset).limit(chunk), schedule,
                        now)
        yield from rows
        if len(rows) < chunk:
            return
        offset += chunk


def _first_version():
    return aliased(SubmissionVersion, name="first_version")


def _learners(cohort: Cohort, locale: str, filters: Filters, now: datetime) -> Select:
    municipality = Organization.name_en if locale == "en" else Organization.name_ja
    query = (select(Enrolment.id, User.display_name, User.email, municipality, CompletionRecord.completed_at,
                    CompletionRecord.revoked_at, Enrolment.status)
             .join(User, Enrolment.user_id == User.id)
             .outerjoin(Organization, User.organization_id == Organization.id)
             .outerjoin(CompletionRecord, (CompletionRecord.enrolment_id == Enrolment.id)
                        & (CompletionRecord.module_version_id == cohort.module_version_id))
             .where(Enrolment.cohort_id == cohort.id))
    query = _only_active(query, filters.include_withdrawn)
    if filters.search:
        query = query.where(or_(User.display_name.icontains(filters.search, autoescape=True),
                                Organization.name_ja.icontains(filters.search, autoescape=True),
                                Organization.name_en.icontains(filters.search, autoescape=True)))
    if filters.place_id:
        query = query.where(or_(Organization.id == filters.place_id, Organization.parent_id == filters.place_id))
    if filters.status:
        query = query.where(_status_condition(cohort, filters.status, now))
    if filters.group_id:
        query = query.where(Enrolment.id.in_(select(GroupMembership.enrolment_id)
                                             .where(GroupMembership.group_id == filters.group_id)))
    return query.order_by(User.display_name, Enrolment.id)


def _is_overdue_sql(now: datetime):
    """The overdue rule (is_overdue) for a query that joins Enrolment, ScheduledExercise and Exercise:
    required, the learner's effective due date passed, and nothing accepted or first submitted by then."""
    first = _first_version()
    due = effective_due_of_schedule()
    done_in_time = any_work(Enrolment.id, select(Submission.id)
                            .join(first, (first.submission_id == Submission.id) & (first.number == 1))
                            .where(Submission.exercise_id == ScheduledExercise.exercise_id,
                                   or_(Submission.status == SubmissionStatus.ACCEPTED, first.submitted_at <= due))
                            # Two levels down: only the enclosing level is correlated unless told.
                            .correlate(Enrolment, ScheduledExercise))
    return and_(Exercise.is_required, due < now, ~done_in_time)


def _status_condition(cohort: Cohort, status: LearnerFilter, now: datetime):
    # A group deliverable counts for every member of the group.
    submissions = select(Submission.id)
    if status == LearnerFilter.OVERDUE:
        return exists(select(ScheduledExercise.id)
                      .join(Exercise, ScheduledExercise.exercise_id == Exercise.id)
                      .where(ScheduledExercise.cohort_id == cohort.id, _is_overdue_sql(now)))
    if status in (LearnerFilter.AWAITING_REVIEW, LearnerFilter.RETURNED):
        return any_work(Enrolment.id, submissions.where(Submission.status == SubmissionStatus(status.value)))
    if status == LearnerFilter.NOTHING_SUBMITTED:
        return ~any_work(Enrolment.id, submissions)
    if status == LearnerFilter.COMPLETED:
        return and_(CompletionRecord.id.is_not(None), CompletionRecord.revoked_at.is_(None))
    if status == LearnerFilter.REVOKED:
        return CompletionRecord.revoked_at.is_not(None)
    return or_(CompletionRecord.id.is_(None), CompletionRecord.revoked_at.is_not(None))


def _rows(session: Session, learners: Select, schedule: list[ScheduledExercise],
          now: datetime) -> tuple[list[ProgressRow], int | None]:
    """The rows of `learners` (which ends in a window count of all it matches) and that count (None
    when no row came)."""
    found = session.execute(learners).all()
    cells = _cells(session, [row.id for row in found])
    due_dates = effective_due_dates(session, [row.id for row in found])
    rows = []
    for enrolment_id, name, email, place, completed_at, revoked_at, status, _ in found:
        row_cells = []
        for s in schedule:
            cell = cells.get((enrolment_id, s.exercise_id), Cell(NOT_STARTED))
            due_at = due_dates.get((enrolment_id, s.exercise_id))
            late = is_overdue(due_at=due_at, now=now, is_required=s.exercise.is_required, state=cell.state,
                              first_submitted_at=cell.first_submitted_at)
            row_cells.append(replace(cell, is_overdue=late, due_at=due_at))
        accepted = sum(1 for s, cell in zip(schedule, row_cells)
                       if s.exercise.is_required and cell.state == SubmissionStatus.ACCEPTED)
        rows.append(ProgressRow(enrolment_id, name, email, place, row_cells, completed_at, revoked_at, accepted,
                                status == EnrolmentStatus.WITHDRAWN))
    return rows, (found[0][-1] if found else None)


def _cells(session: Session, enrolment_ids: list[int]) -> dict[tuple[int, int], Cell]:
    """The work of these enrolments, with the first version's time and the latest review: one query."""
    if not enrolment_ids:
        return {}
    first = _first_version()
    reviewed = aliased(SubmissionVersion)
    # Each learner's own work and their group's (a group deliverable shows in every member's row).
    latest_review = (select(reviewed.submission_id, func.max(Review.id).label("review_id"))
                     .join(Review, Review.submission_version_id == reviewed.id)
                     .where(reviewed.submission_id.in_(work_of(enrolment_ids, Submission.id)
                                                       .with_only_columns(Submission.id)))
                     .group_by(reviewed.submission_id).subquery())
    rows = session.execute(
        work_of(enrolment_ids, Submission.exercise_id, Submission.id, Submission.status,
                Submission.latest_version_number, first.submitted_at, Submission.last_submitted_at,
                Review.total_points, Review.max_points, Review.created_at, User.display_name)
        .join(first, (first.submission_id == Submission.id) & (first.number == 1))
        .outerjoin(latest_review, latest_review.c.submission_id == Submission.id)
        .outerjoin(Review, Review.id == latest_review.c.review_id)
        .outerjoin(User, Review.mentor_id == User.id))
    return {(enrolment_id, exercise_id): Cell(str(status), False, submission_id, versions, first_at, last_at,
                                              points, max_points, reviewed_at, reviewer)
            for (enrolment_id, exercise_id, submission_id, status, versions, first_at, last_at, points, max_points,
                 reviewed_at, reviewer) in rows}


def _only_active(query: Select, include_withdrawn: bool) -> Select:
    """Leave out withdrawn learners (of a query that joins Enrolment) unless they are asked for."""
    return query if include_withdrawn else query.where(Enrolment.status == EnrolmentStatus.ACTIVE)


def _cohort_totals(session: Session, remembered: Remembered, cohort: Cohort,
                   include_withdrawn: bool) -> tuple[int, int, int]:
    """How many learners the cohort has, how many hold a valid completion and how many a revoked one; with the
    work's revision for `remembered` (one query for both)."""
    row = session.execute(_only_active(
        select(func.count(Enrolment.id),
               func.count(CompletionRecord.id) - func.count(CompletionRecord.revoked_at),
               func.count(CompletionRecord.revoked_at), *remembered.columns())
        .outerjoin(CompletionRecord, (CompletionRecord.enrolment_id == Enrolment.id)
                   & (CompletionRecord.module_version_id == cohort.module_version_id))
        .where(Enrolment.cohort_id == cohort.id), include_withdrawn)).one()
    remembered.read(row[3:])
    return tuple(row[:3])


def _right_at(now: datetime, as_of: datetime, next_due: datetime | None) -> bool:
    """Whether an answer worked out at `as_of`, when the next due date to come was `next_due` (None: none),
    is still right at `now`: no due date has passed in between (a pair is overdue only once past its date)."""
    return as_of <= now and (next_due is None or now <= next_due)


def _column_counts(session: Session, remembered: Remembered, cohort: Cohort, schedule: list[ScheduledExercise],
                   now: datetime, include_withdrawn: bool) -> tuple[list[ColumnCounts], datetime | None]:
    """The counts and the next effective due date from `now` on, before which no pair can become overdue
    without a change to the work (app/reviews/revision.py): they are remembered that long, and the date is
    returned with them."""
    due = effective_due_of_schedule()

    def count() -> tuple[datetime, datetime | None, dict[int, tuple[int, int, int]]]:
        # Every (learner, exercise) pair of the cohort with the learner's work on it, if any: each learner has
        # their own due dates (accommodations, extensions), so overdue is counted pair by pair.
        learners = _only_active(select(Enrolment.id).where(Enrolment.cohort_id == cohort.id), include_withdrawn)
        work = work_rows(learners)
        rows = session.execute(_only_active(
            select(ScheduledExercise.exercise_id,
                   func.sum(case((Submission.status == SubmissionStatus.ACCEPTED, 1), else_=0)),
                   func.sum(case((Submission.status == SubmissionStatus.AWAITING_REVIEW, 1), else_=0)),
                   func.sum(case((_is_overdue_sql(now), 1), else_=0)),
                   func.min(case((due >= now, due))))
            .join(Enrolment, Enrolment.cohort_id == ScheduledExercise.cohort_id)
            .join(Exercise, ScheduledExercise.exercise_id == Exercise.id)
            .outerjoin(work, (work.c.owner_enrolment_id == Enrolment.id)
                       & (work.c.exercise_id == ScheduledExercise.exercise_id))
            .outerjoin(Submission, Submission.id == work.c.submission_id)
            .where(ScheduledExercise.cohort_id == cohort.id), include_withdrawn)
            .group_by(ScheduledExercise.exercise_id)).all()
        coming = [next_due for *_, next_due in rows if next_due is not None]
        return now, min(coming, default=None), {exercise_id: (accepted, waiting, overdue)
                                                for exercise_id, accepted, waiting, overdue, _ in rows}

    _, next_due, counts = remembered.answer(("column counts", cohort.id, include_withdrawn), count,
                                            holds=lambda answer: _right_at(now, answer[0], answer[1]))
    return [ColumnCounts(*counts.get(s.exercise_id, (0, 0, 0))) for s in schedule], next_due


@dataclass(frozen=True)
class Place:
    id: int
    name: str
    learners: int


@dataclass(frozen=True)
class PlaceGroup:
    """A subprefecture (or None for municipalities without one) and its municipalities in the cohort."""
    subprefecture: Place | None
    municipalities: list[Place]


def place_choices(session: Session, cohort: Cohort, locale: str, include_withdrawn: bool = False,
                  tallies: Remembered | None = None) -> list[PlaceGroup]:
    """The organizations of the cohort's learners, grouped by subprefecture, each with its number of
    learners: one grouped query. With `tallies`, remembered until the work changes (enrolments and a
    learner's organization are staff actions)."""
    return (tallies or Remembered(session, None)).answer(
        ("places", cohort.id, locale, include_withdrawn),
        lambda: _place_groups(session, cohort, locale, include_withdrawn))


def _place_groups(session: Session, cohort: Cohort, locale: str, include_withdrawn: bool) -> list[PlaceGroup]:
    parent = aliased(Organization)
    name = Organization.name_en if locale == "en" else Organization.name_ja
    parent_name = parent.name_en if locale == "en" else parent.name_ja
    rows = session.execute(_only_active(
        select(Organization.id, name, parent.id, parent_name, func.count(Enrolment.id))
        .select_from(Enrolment).join(User, Enrolment.user_id == User.id)
        .join(Organization, User.organization_id == Organization.id)
        .outerjoin(parent, Organization.parent_id == parent.id)
        .where(Enrolment.cohort_id == cohort.id), include_withdrawn)
        .group_by(Organization.id, name, Organization.code, parent.id, parent_name, parent.code)
        .order_by(parent.code, parent.id, Organization.code, Organization.id)).all()
    groups: dict[int | None, list] = {}
    for place_id, place_name, parent_id, parent_label, count in rows:
        entry = groups.setdefault(parent_id, [parent_label, []])
        entry[1].append(Place(place_id, place_name, count))
    return [PlaceGroup(Place(parent_id, label, sum(p.learners for p in places)) if parent_id else None, places)
            for parent_id, (label, places) in groups.items()]


@dataclass(frozen=True)
class WeekActivity:
    starts_at: datetime  # Monday 0:00 in Tokyo
    submissions: int
    reviews: int


def tokyo_weeks(first: datetime, last: datetime) -> list[datetime]:
    """The Mondays (0:00 in Tokyo, as aware datetimes) of every week from the one holding `first` to the
    one holding `last`, at most MAX_WEEKS (the latest)."""
    day = first.astimezone(TOKYO).replace(hour=0, minute=0, second=0, microsecond=0)
    monday = day - timedelta(days=day.weekday())
    weeks = []
    while monday <= last:
        weeks.append(monday)
        monday += timedelta(days=7)  # Tokyo keeps no daylight saving time: every week is 7 × 24 hours
    return weeks[-MAX_WEEKS:]


def activity_weeks(cohort: Cohort, now: datetime) -> list[datetime]:
    """The weeks weekly_activity counts at `now`: none before the cohort starts."""
    if now < cohort.starts_at:
        return []
    return tokyo_weeks(cohort.starts_at, min(now, cohort.ends_at + timedelta(days=28)))


def weekly_activity(session: Session, cohort: Cohort, now: datetime,
                    tallies: Remembered | None = None) -> list[WeekActivity]:
    """Versions submitted and reviews written per week (Monday to Sunday in Tokyo) in the cohort, from
    its first week to this week (or the end of the cohort and the month after, for late reviews): one
    grouped query, the weeks told apart by comparisons that read the same on every engine. With `tallies`,
    remembered until the work changes (app/reviews/revision.py) or a new week begins."""
    weeks = activity_weeks(cohort, now)
    if not weeks:
        return []
    return (tallies or Remembered(session, None)).answer(("weekly activity", cohort.id, weeks[0], weeks[-1]),
                                               lambda: _weekly_counts(session, cohort, weeks))


def _weekly_counts(session: Session, cohort: Cohort, weeks: list[datetime]) -> list[WeekActivity]:
    end = weeks[-1] + timedelta(days=7)
    events = union_all(
        select(literal("s").label("kind"), SubmissionVersion.submitted_at.label("at"))
        .join(Submission, SubmissionVersion.submission_id == Submission.id)
        .join(Enrolment, Submission.enrolment_id == Enrolment.id)
        .where(Enrolment.cohort_id == cohort.id),
        select(literal("r").label("kind"), Review.created_at.label("at"))
        .join(SubmissionVersion, Review.submission_version_id == SubmissionVersion.id)
        .join(Submission, SubmissionVersion.submission_id == Submission.id)
        .join(Enrolment, Submission.enrolment_id == Enrolment.id)
        .where(Enrolment.cohort_id == cohort.id)).subquery()
    week = case(*((events.c.at < monday + timedelta(days=7), n) for n, monday in enumerate(weeks)))
    bucketed = (select(week.label("week"), events.c.kind)
                .where(events.c.at >= weeks[0], events.c.at < end).subquery())
    counts = {(n, kind): count for n, kind, count in session.execute(
        select(bucketed.c.week, bucketed.c.kind, func.count()).group_by(bucketed.c.week, bucketed.c.kind))}
    return [WeekActivity(monday, counts.get((n, "s"), 0), counts.get((n, "r"), 0)) for n, monday in enumerate(weeks)]


def next_due(session: Session, cohort_id: int, now: datetime) -> datetime | None:
    """The first effective due date still to come of any learner of the cohort (accommodations and extensions
    counted), or None: before it, nothing of the cohort turns overdue without a change to the work. One query."""
    due = effective_due_of_schedule()
    return session.scalar(select(func.min(due)).select_from(Enrolment)
                          .join(ScheduledExercise, ScheduledExercise.cohort_id == Enrolment.cohort_id)
                          .where(Enrolment.cohort_id == cohort_id, due >= now))
