"""What each state of a cohort allows, and the organizer's moves between states.

draft     the organizer prepares it: details, schedule, enrolment and mentors; no submissions
open      open for enrolment: learners can be enrolled and can read the exercises; no submissions yet
running   learners submit between the start and end dates; enrolment continues; mentors review
closed    no more submissions or enrolments; mentors finish reviewing; details stay editable
archived  read-only for everyone: no edits, enrolment, mentor changes, submissions or reviews

The organizer moves a cohort one step forward, or one step back where that undoes a mistake
(open → draft, closed → running); a draft can start running at once. Archiving is final.
"""

from datetime import datetime

from app.cohorts.models import Cohort, CohortStatus

TRANSITIONS: dict[CohortStatus, tuple[CohortStatus, ...]] = {
    CohortStatus.DRAFT: (CohortStatus.OPEN, CohortStatus.RUNNING),
    CohortStatus.OPEN: (CohortStatus.RUNNING, CohortStatus.DRAFT),
    CohortStatus.RUNNING: (CohortStatus.CLOSED,),
    CohortStatus.CLOSED: (CohortStatus.ARCHIVED, CohortStatus.RUNNING),
    CohortStatus.ARCHIVED: (),
}

ENROLLING = frozenset({CohortStatus.DRAFT, CohortStatus.OPEN, CohortStatus.RUNNING})


class CohortArchived(Exception):
    """The cohort is archived: nothing about it may change."""


class EnrolmentClosed(Exception):
    """The cohort no longer takes learners (closed or archived)."""


class TransitionNotAllowed(Exception):
    """The cohort cannot move from its state to the one asked for (someone else may have moved it)."""


def ensure_editable(cohort: Cohort) -> None:
    """Raises CohortArchived for an archived cohort."""
    if cohort.status == CohortStatus.ARCHIVED:
        raise CohortArchived()


def ensure_enrolling(cohort: Cohort) -> None:
    """Raises CohortArchived or EnrolmentClosed unless learners may be enrolled."""
    ensure_editable(cohort)
    if cohort.status not in ENROLLING:
        raise EnrolmentClosed()


def takes_submissions(cohort: Cohort, now: datetime) -> bool:
    """Whether the cohort takes work at `now`: it runs and `now` lies between its start and end dates.
    The learner's own answer (an extension or accommodation past the end) is
    app.deadlines.services.submissions_open_for, which every submit and every page asks."""
    return cohort.status == CohortStatus.RUNNING and cohort.is_within_dates(now)


def reviews_allowed(cohort: Cohort) -> bool:
    """Mentors review until the cohort is archived (closing it leaves time to finish)."""
    return cohort.status != CohortStatus.ARCHIVED
