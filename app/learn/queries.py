"""What the learner's pages read. A fixed number of queries, however many cohorts or versions."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Load, Session, joinedload, selectinload

from app.auth.models import User
from app.cohorts.models import Cohort, Enrolment, MentorAssignment, ScheduledExercise
from app.completions.models import CompletionRecord
from app.completions.queries import records_by_enrolment
from app.content.models import Exercise, Material, ModuleVersion, RubricCriterion
from app.core.timeutil import first_to_come
from app.deadlines.models import Extension
from app.deadlines.queries import effective_due_dates, effective_due_sql
from app.submissions.models import Submission, SubmissionStatus
from app.submissions.queries import first_submitted_at, is_overdue
from app.submissions.unlocking import Lock, exercise_lock, lock_for
from app.submissions.work import work_of


@dataclass
class ExerciseStatus:
    exercise: Exercise
    due_at: datetime | None  # None: an optional exercise without a deadline
    submission: Submission | None
    lock: Lock | None = None
    is_overdue: bool = False  # by the rule of app.submissions.queries.is_overdue

    @property
    def status(self) -> str:
        if self.submission:
            return self.submission.status
        return "locked" if self.lock else "not_started"


@dataclass
class CohortProgress:
    enrolment: Enrolment
    exercises: list[ExerciseStatus]
    completion: CompletionRecord | None

    @property
    def cohort(self) -> Cohort:
        return self.enrolment.cohort

    @property
    def accepted_count(self) -> int:
        return sum(1 for e in self.exercises if e.status == SubmissionStatus.ACCEPTED)

    @property
    def next_step(self) -> ExerciseStatus | None:
        """What the learner should do next in this cohort: revise returned work first, then start the
        first open exercise, else wait for the review of submitted work, else the first still locked.
        None when every exercise is accepted."""
        for wanted in (SubmissionStatus.RETURNED, "not_started", SubmissionStatus.AWAITING_REVIEW, "locked"):
            for item in self.exercises:
                if item.status == wanted:
                    return item
        return None


@dataclass
class Dashboard:
    cohorts: list[CohortProgress]
    due_next: list[tuple[CohortProgress, ExerciseStatus]] = field(default_factory=list)
    returned: list[tuple[CohortProgress, ExerciseStatus]] = field(default_factory=list)
    awaiting: list[tuple[CohortProgress, ExerciseStatus]] = field(default_factory=list)

    def changes_at(self, now: datetime) -> datetime | None:
        """The next moment at which the same data shows otherwise (a remembered page holds until then): a
        due date passes (overdue), an exercise opens, a cohort ends (nothing more is due next)."""
        return first_to_come(now, *(moment for progress in self.cohorts
                                    for moment in (progress.cohort.ends_at,
                                                   *(item.due_at for item in progress.exercises),
                                                   *(item.lock.opens_at for item in progress.exercises if item.lock))))


def learner_dashboard(session: Session, user: User, now: datetime, cohort_id: int | None = None) -> Dashboard:
    """The learner's cohorts with each exercise's status; only the one cohort if `cohort_id` is given."""
    query = (select(Enrolment).where(Enrolment.user_id == user.id)
             .options(joinedload(Enrolment.cohort).joinedload(Cohort.module_version).joinedload(ModuleVersion.module))
             .order_by(Enrolment.enrolled_at.desc()))
    if cohort_id is not None:
        query = query.where(Enrolment.cohort_id == cohort_id)
    enrolments = session.scalars(query).unique().all()
    cohort_ids = [e.cohort_id for e in enrolments]
    enrolment_ids = [e.id for e in enrolments]
    schedule = session.scalars(
        select(ScheduledExercise).where(ScheduledExercise.cohort_id.in_(cohort_ids))
        .options(joinedload(ScheduledExercise.exercise))).all()
    # Their own work and their groups' (group deliverables).
    submissions = {(owner, s.exercise_id): s for owner, s in session.execute(work_of(enrolment_ids, Submission))}
    completions = records_by_enrolment(session, enrolment_ids)
    first_submitted = first_submitted_at(session, [s.id for s in submissions.values()])
    due_dates = effective_due_dates(session, enrolment_ids)

    by_cohort: dict[int, list[ScheduledExercise]] = {}
    for item in schedule:
        by_cohort.setdefault(item.cohort_id, []).append(item)
    dashboard = Dashboard(cohorts=[])
    for enrolment in enrolments:
        items = sorted(by_cohort.get(enrolment.cohort_id, []), key=lambda s: s.exercise.position)
        siblings = {s.exercise.slug: s.exercise for s in items}
        own = {s.exercise_id: submissions[(enrolment.id, s.exercise_id)].status
               for s in items if (enrolment.id, s.exercise_id) in submissions}
        statuses = []
        for s in items:
            submission = submissions.get((enrolment.id, s.exercise_id))
            due_at = due_dates.get((enrolment.id, s.exercise_id))
            status = ExerciseStatus(s.exercise, due_at, submission,
                                    exercise_lock(enrolment.cohort, s.exercise, siblings, own, now))
            status.is_overdue = is_overdue(
                due_at=due_at, now=now, is_required=s.exercise.is_required, state=status.status,
                first_submitted_at=first_submitted.get(submission.id) if submission else None)
            statuses.append(status)
        progress = CohortProgress(enrolment, statuses, completions.get(enrolment.id))
        dashboard.cohorts.append(progress)
        if enrolment.is_withdrawn:
            # Nothing to do there any more: the cohort stays listed with its work, but asks for nothing.
            continue
        for status in statuses:
            if status.status == SubmissionStatus.RETURNED:
                dashboard.returned.append((progress, status))
            elif status.status == SubmissionStatus.AWAITING_REVIEW:
                dashboard.awaiting.append((progress, status))
            elif status.status == "not_started" and enrolment.cohort.ends_at > now:
                dashboard.due_next.append((progress, status))
    # Exercises without a deadline (optional ones) come after every dated one.
    dashboard.due_next.sort(key=lambda pair: (pair[1].due_at is None, pair[1].due_at or now))
    return dashboard


def enrolment_with_cohort(session: Session, user: User, cohort_id: int) -> Enrolment | None:
    """The user's enrolment in the cohort, with the cohort in the same query."""
    return session.scalar(select(Enrolment).where(Enrolment.cohort_id == cohort_id, Enrolment.user_id == user.id)
                          .options(joinedload(Enrolment.cohort)))


@dataclass(frozen=True)
class ExerciseState:
    exercise: Exercise
    due_at: datetime | None
    submission: Submission | None
    lock: Lock | None
    # The learner's extension requests and extensions of this exercise, newest first.
    extensions: tuple[Extension, ...] = ()

    @property
    def status(self) -> str:
        """The same word as the exercise's line in the learner's lists (ExerciseStatus.status)."""
        return ExerciseStatus(self.exercise, self.due_at, self.submission, self.lock).status

    @property
    def next_exercise(self) -> Exercise | None:
        """The exercise after this one in the module, the learner's way on once this one is accepted."""
        later = [e for e in self.exercise.module_version.exercises if e.position > self.exercise.position]
        return min(later, key=lambda e: e.position) if later else None


def exercise_state(session: Session, enrolment: Enrolment, exercise_id: int, now: datetime) -> ExerciseState | None:
    """The exercise page's exercise (rubric, materials, questions, its module's other exercises) with its due
    date in the enrolment's cohort (the learner's own, app/deadlines) with their extension requests, the
    learner's (or their group's) submission and what keeps it locked: five queries."""
    rows = session.execute(
        select(Exercise, effective_due_sql(ScheduledExercise.due_at, enrolment.id, Exercise.id, enrolment.user_id),
               Extension)
        .where(Exercise.id == exercise_id)
        .outerjoin(ScheduledExercise, (ScheduledExercise.exercise_id == Exercise.id)
                   & (ScheduledExercise.cohort_id == enrolment.cohort_id))
        # Their extension requests in the same statement: a row each (a handful at most).
        .outerjoin(Extension, (Extension.exercise_id == Exercise.id) & (Extension.enrolment_id == enrolment.id))
        .options(joinedload(Exercise.module_version).selectinload(ModuleVersion.exercises),
                 # A criterion has a handful of levels: joined to the criteria, one query for both.
                 selectinload(Exercise.criteria).joinedload(RubricCriterion.levels),
                 # An exercise has a few materials: joined to it, so that the page stays within 12 queries.
                 joinedload(Exercise.materials), selectinload(Exercise.questions),
                 Load(Exercise).undefer_group(Exercise.TEXTS))).unique().all()
    if not rows:
        return None
    exercise, due_at, _ = rows[0]
    extensions = sorted((e for _, _, e in rows if e is not None), key=lambda e: (e.requested_at, e.id), reverse=True)
    # Every submission of the enrolment (and its group) at once: the lock needs their statuses, the page
    # needs one of them.
    submissions = {s.exercise_id: s for _, s in session.execute(work_of([enrolment.id], Submission))}
    siblings = {e.slug: e for e in exercise.module_version.exercises}
    lock = exercise_lock(enrolment.cohort, exercise, siblings, {i: s.status for i, s in submissions.items()}, now)
    return ExerciseState(exercise, due_at, submissions.get(exercise.id), lock, tuple(extensions))


def may_open_material(session: Session, user: User, material: Material, now: datetime) -> bool:
    """Staff, mentors of a cohort working on the material's module version, and learners of such a
    cohort for whom its exercise is open (a locked exercise's materials stay closed too)."""
    if user.is_staff:
        return True
    exercise = material.exercise
    mentoring = select(MentorAssignment.id).join(Cohort).where(
        MentorAssignment.user_id == user.id, Cohort.module_version_id == exercise.module_version_id)
    if session.scalar(select(mentoring.exists())):
        return True
    enrolments = session.scalars(select(Enrolment).join(Cohort).where(
        Enrolment.user_id == user.id, Cohort.module_version_id == exercise.module_version_id))
    return any(lock_for(session, enrolment, exercise, now) is None for enrolment in enrolments)
