"""Changes to who gets more time: extension requests and their decisions, extensions granted directly,
accommodations, the cohort's choice to let mentors decide, and the secret calendar address; and the one
answer to "may this learner still hand in this exercise". Services flush; the caller commits."""

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import audit
from app.auth.models import User
from app.cohorts.lifecycle import CohortArchived, ensure_editable, takes_submissions
from app.core.reasons import ReasonError
from app.cohorts.models import Cohort, CohortStatus, Enrolment
from app.cohorts.services import is_mentor_of
from app.deadlines.models import MAX_EXTRA_DAYS, Accommodation, CalendarFeed, Extension, ExtensionStatus
from app.deadlines.queries import effective_due_dates
from app.deadlines.signals import extensions_decided


class ExtensionRefused(ReasonError):
    """An extension (or accommodation) that cannot be made; `code` says why (the view words it)."""


def submissions_open_for(session: Session, cohort: Cohort, *, enrolment_id: int, exercise_id: int,
                         now: datetime) -> bool:
    """Whether the learner of `enrolment_id` may submit work (or answer questions) for `exercise_id` at
    `now`: while the cohort runs within its dates (app/cohorts/lifecycle.py), and after its end date or
    once it is closed, until their own effective due date when that lies beyond the cohort's end (an
    extension or accommodation past the end). Never before the start, in a draft, open or archived cohort."""
    if takes_submissions(cohort, now):
        return True
    if cohort.status not in (CohortStatus.RUNNING, CohortStatus.CLOSED) or now < cohort.starts_at:
        return False
    due = effective_due_dates(session, [enrolment_id], exercise_id).get((enrolment_id, exercise_id))
    return due is not None and due > cohort.ends_at and now <= due


def may_decide(session: Session, user: User, cohort: Cohort) -> bool:
    """Organizers and admins decide extensions; the cohort's mentors too when the cohort allows it."""
    return user.is_staff or (cohort.mentors_decide_extensions and is_mentor_of(session, user, cohort.id))


def _current_due(session: Session, enrolment: Enrolment, exercise_id: int) -> datetime:
    """The learner's effective due date of the exercise; refuses an exercise the cohort does not schedule or
    schedules without a due date (there is nothing to extend)."""
    dates = effective_due_dates(session, [enrolment.id], exercise_id)
    due = dates.get((enrolment.id, exercise_id))
    if due is None:
        raise ExtensionRefused("no_due_date")
    return due


def _reason(text: str) -> str:
    reason = (text or "").strip()
    if not reason:
        raise ExtensionRefused("reason_missing")
    return reason


def _editable(cohort: Cohort) -> None:
    try:
        ensure_editable(cohort)
    except CohortArchived:
        raise ExtensionRefused("archived") from None


def _has_open_request(session: Session, enrolment_id: int, exercise_id: int) -> bool:
    return session.scalar(select(select(Extension.id).where(
        Extension.enrolment_id == enrolment_id, Extension.exercise_id == exercise_id,
        Extension.status == ExtensionStatus.REQUESTED).exists())) is True


def request_extension(session: Session, enrolment: Enrolment, exercise_id: int, *, reason: str,
                      now: datetime) -> Extension:
    """The learner asks for more time on one exercise. Raises ExtensionRefused: reason_missing, archived,
    withdrawn, no_due_date, open_request (they already have one waiting)."""
    reason = _reason(reason)
    _editable(enrolment.cohort)
    if enrolment.is_withdrawn:
        raise ExtensionRefused("withdrawn")
    _current_due(session, enrolment, exercise_id)
    if _has_open_request(session, enrolment.id, exercise_id):
        raise ExtensionRefused("open_request")
    extension = Extension(enrolment_id=enrolment.id, exercise_id=exercise_id, status=ExtensionStatus.REQUESTED,
                          reason=reason, requested_by_id=enrolment.user_id, requested_at=now)
    session.add(extension)
    session.flush()
    return extension


def _check_new_date(session: Session, enrolment: Enrolment, exercise_id: int, due_at: datetime) -> None:
    if due_at <= _current_due(session, enrolment, exercise_id):
        raise ExtensionRefused("not_later")


def approve_extension(session: Session, extension: Extension, actor: User, *, due_at: datetime, note: str,
                      now: datetime) -> Extension:
    """Approve a waiting request with the new due date `due_at` (the learner hears of it through
    `extensions_decided`). Raises ExtensionRefused: decided (not waiting any more), archived, not_later (not
    after the learner's current effective due date)."""
    if extension.status != ExtensionStatus.REQUESTED:
        raise ExtensionRefused("decided")
    _editable(extension.enrolment.cohort)
    _check_new_date(session, extension.enrolment, extension.exercise_id, due_at)
    extension.status, extension.due_at = ExtensionStatus.APPROVED, due_at
    extension.decided_by_id, extension.decided_at, extension.decision_note = actor.id, now, note.strip()
    session.flush()
    audit.record(session, actor, "extension.approved", "deadline_extension", extension.id,
                 after={"due_at": due_at.isoformat()})
    extensions_decided.send(session, extensions=[extension], now=now)
    return extension


def decline_extension(session: Session, extension: Extension, actor: User, *, note: str, now: datetime) -> Extension:
    """Decline a waiting request, saying why (the learner hears of it, note included, through
    `extensions_decided`). Raises ExtensionRefused: decided, archived, note_missing."""
    if extension.status != ExtensionStatus.REQUESTED:
        raise ExtensionRefused("decided")
    _editable(extension.enrolment.cohort)
    if not (note or "").strip():
        raise ExtensionRefused("note_missing")
    extension.status = ExtensionStatus.DECLINED
    extension.decided_by_id, extension.decided_at, extension.decision_note = actor.id, now, note.strip()
    session.flush()
    audit.record(session, actor, "extension.declined", "deadline_extension", extension.id)
    extensions_decided.send(session, extensions=[extension], now=now)
    return extension


def grant_extension(session: Session, cohort: Cohort, actor: User, *, user_id: int, exercise_id: int,
                    due_at: datetime, reason: str, now: datetime) -> Extension:
    """Staff give a learner of `cohort` more time on one exercise at once (approved, no request needed); the
    learner hears of it through `extensions_decided`. Raises ExtensionRefused: reason_missing, archived,
    not_in_cohort, no_due_date, not_later."""
    reason = _reason(reason)
    _editable(cohort)
    enrolment = session.scalar(select(Enrolment).where(Enrolment.cohort_id == cohort.id,
                                                       Enrolment.user_id == user_id))
    if enrolment is None:
        raise ExtensionRefused("not_in_cohort")
    _check_new_date(session, enrolment, exercise_id, due_at)
    extension = Extension(enrolment_id=enrolment.id, exercise_id=exercise_id, status=ExtensionStatus.APPROVED,
                          reason=reason, requested_by_id=actor.id, requested_at=now, due_at=due_at,
                          decided_by_id=actor.id, decided_at=now)
    session.add(extension)
    session.flush()
    audit.record(session, actor, "extension.granted", "deadline_extension", extension.id,
                 after={"enrolment_id": enrolment.id, "exercise_id": exercise_id, "due_at": due_at.isoformat()})
    extensions_decided.send(session, extensions=[extension], now=now)
    return extension


def set_mentors_decide(session: Session, cohort: Cohort, actor: User, *, allowed: bool) -> None:
    """Whether the cohort's mentors may decide extension requests. Raises ExtensionRefused: archived."""
    _editable(cohort)
    if cohort.mentors_decide_extensions != allowed:
        audit.record(session, actor, "cohort.mentors_decide_extensions", "cohort", cohort.id,
                     before={"allowed": cohort.mentors_decide_extensions}, after={"allowed": allowed})
        cohort.mentors_decide_extensions = allowed
        session.flush()


def set_accommodation(session: Session, learner: User, actor: User, *, extra_days: int | None, reason: str,
                      now: datetime) -> Accommodation | None:
    """Give the learner `extra_days` more on every due date of every cohort, now and later, or none (None
    or 0 removes it). Raises ExtensionRefused: reason_missing, days_out_of_range."""
    current = session.scalar(select(Accommodation).where(Accommodation.user_id == learner.id))
    before = {"extra_days": current.extra_days} if current else None
    if not extra_days:
        if current is not None:
            session.delete(current)
            audit.record(session, actor, "accommodation.removed", "user", learner.id, before=before)
            session.flush()
        return None
    if not 1 <= extra_days <= MAX_EXTRA_DAYS:
        raise ExtensionRefused("days_out_of_range")
    reason = _reason(reason)
    if current is None:
        current = Accommodation(user_id=learner.id, extra_days=extra_days, reason=reason)
        session.add(current)
    current.extra_days, current.reason, current.set_by_id, current.updated_at = extra_days, reason, actor.id, now
    session.flush()
    audit.record(session, actor, "accommodation.set", "user", learner.id, before=before,
                 after={"extra_days": extra_days})
    return current


def new_calendar_token(session: Session, user: User, now: datetime) -> str:
    """A new secret calendar address for the person (their first, or one replacing the old, which then no
    longer answers); returns its token."""
    feed = session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        session.add(feed)
    feed.token, feed.created_at = secrets.token_urlsafe(32), now
    session.flush()
    return feed.token
