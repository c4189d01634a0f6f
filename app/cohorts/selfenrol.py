"""Self-enrolment: learners join a cohort with its join code (or the link that holds it), up to its
capacity, and then on its waiting list when it has one. Organizers turn it on and off, change the code,
and admit or remove the people waiting. Services flush; the caller commits.

Seats are counted under a lock (`_lock_seats`), so two learners taking the last seat at once never
exceed the capacity: the second counts after the first has committed."""

import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from app.auth import audit
from app.auth.models import Role, User
from app.cohorts.lifecycle import ENROLLING, ensure_editable, ensure_enrolling
from app.cohorts.models import Cohort, CohortStatus, Enrolment, EnrolmentStatus, WaitingListEntry
from app.cohorts.signals import enrolled_from_waiting_list
from app.core.reasons import ReasonError

# Easy to read aloud and to type: no 0/O, 1/I. 32 symbols, so 8 of them make 40 random bits.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
# What people put between the groups, or around the code, when they type it (after NFKC, which turns
# full-width letters, digits and hyphens typed with a Japanese input method into plain ones).
_SEPARATORS = str.maketrans("", "", " -ー_.\u3000")
# Self-enrolment is for cohorts open for enrolment or running; organizers enrol in drafts too.
SELF_ENROLLING = frozenset({CohortStatus.OPEN, CohortStatus.RUNNING})


class JoinRefused(ReasonError):
    """wrong_code, not_a_learner, not_open, closed, already_enrolled, withdrawn, already_waiting, full"""


class NotWaiting(Exception):
    """The learner is not (any more) on the cohort's waiting list."""


class SelfEnrolmentOff(Exception):
    """The cohort has no join code to change."""


@dataclass(frozen=True)
class JoinResult:
    """Either the new enrolment, or the place on the waiting list (1 is next)."""
    enrolment: Enrolment | None = None
    waiting_position: int | None = None


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """ABCD-EFGH: two groups of four, as it is shown and read out."""
    return f"{code[:4]}-{code[4:]}"


def normalize_code(text: str) -> str | None:
    """The stored form of a code as someone typed it (any case, full-width, with or without the hyphen
    or spaces), or None when it cannot be a code at all."""
    code = unicodedata.normalize("NFKC", text or "").translate(_SEPARATORS).upper()
    if len(code) != CODE_LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code


def cohort_for_code(session: Session, text: str) -> Cohort | None:
    """The cohort whose self-enrolment code this is; None for a code that is wrong or no longer used."""
    code = normalize_code(text)
    return session.scalar(select(Cohort).where(Cohort.join_code == code)) if code else None


def _unused_code(session: Session) -> str:
    while True:  # 2^40 codes: a second round is all but impossible, the unique constraint backs it up
        code = new_code()
        if session.scalar(select(Cohort.id).where(Cohort.join_code == code)) is None:
            return code


def _lock_seats(session: Session, cohort: Cohort) -> None:
    """Take the cohort's row lock (PostgreSQL) or the database's write lock (SQLite) and read the cohort
    again: seats counted after this see every enrolment committed before, and none can be added
    meanwhile by another request doing the same."""
    session.execute(update(Cohort).where(Cohort.id == cohort.id).values(capacity=Cohort.capacity)
                    .execution_options(synchronize_session=False))
    session.refresh(cohort, ["status", "capacity", "has_waiting_list", "join_code", "ends_at"])


def active_learners(session: Session, cohort_id: int) -> int:
    return session.scalar(select(func.count(Enrolment.id)).where(
        Enrolment.cohort_id == cohort_id, Enrolment.status == EnrolmentStatus.ACTIVE))


def _free_seats(session: Session, cohort: Cohort) -> int | None:
    """Seats left under the capacity (never below 0); None without a capacity."""
    if cohort.capacity is None:
        return None
    return max(cohort.capacity - active_learners(session, cohort.id), 0)


def waiting_position(session: Session, entry: WaitingListEntry) -> int:
    """1 for the next to be enrolled."""
    return session.scalar(select(func.count(WaitingListEntry.id)).where(
        WaitingListEntry.cohort_id == entry.cohort_id,
        or_(WaitingListEntry.joined_at < entry.joined_at,
            and_(WaitingListEntry.joined_at == entry.joined_at, WaitingListEntry.id <= entry.id))))


def waiting_entry(session: Session, cohort_id: int, user_id: int) -> WaitingListEntry | None:
    return session.scalar(select(WaitingListEntry).where(WaitingListEntry.cohort_id == cohort_id,
                                                         WaitingListEntry.user_id == user_id))


def outlook(session: Session, cohort: Cohort) -> str:
    """What joining would most likely give now, for the page that asks to confirm: "seat", "waiting_list"
    or "full" (the answer may change before the learner confirms; `join` decides)."""
    free = _free_seats(session, cohort)
    someone_waits = session.scalar(select(WaitingListEntry.id).where(
        WaitingListEntry.cohort_id == cohort.id).limit(1)) is not None
    if (free is None or free > 0) and not someone_waits:
        return "seat"
    return "waiting_list" if cohort.has_waiting_list else "full"


def refusal_before_joining(session: Session, cohort: Cohort, user: User, now: datetime) -> JoinRefused | None:
    """Why `user` cannot join `cohort` as things stand (for the page that asks them to confirm), or None.
    Says nothing about seats: whether one is left is known only when joining."""
    if user.role != Role.LEARNER:
        return JoinRefused("not_a_learner")
    if cohort.status == CohortStatus.DRAFT:
        return JoinRefused("not_open")
    if cohort.status not in SELF_ENROLLING or now >= cohort.ends_at:
        return JoinRefused("closed")
    status = session.scalar(select(Enrolment.status).where(Enrolment.cohort_id == cohort.id,
                                                          Enrolment.user_id == user.id))
    if status == EnrolmentStatus.ACTIVE:
        return JoinRefused("already_enrolled")
    if status == EnrolmentStatus.WITHDRAWN:
        return JoinRefused("withdrawn")
    if waiting_entry(session, cohort.id, user.id) is not None:
        return JoinRefused("already_waiting")
    return None


def join(session: Session, cohort: Cohort, code: str, user: User, now: datetime) -> JoinResult:
    """Enrol `user` in `cohort` by its join `code`, or put them on its waiting list when it is full (or
    others already wait) and it has one. Raises JoinRefused: wrong_code (changed or turned off
    meanwhile), not_a_learner, not_open (a draft), closed
    (closed, archived or past its end), already_enrolled, withdrawn (only the programme office takes
    them back), already_waiting, full (no seat and no waiting list)."""
    _lock_seats(session, cohort)
    if cohort.join_code is None or cohort.join_code != code:
        raise JoinRefused("wrong_code")
    if (refusal := refusal_before_joining(session, cohort, user, now)) is not None:
        raise refusal
    seat = outlook(session, cohort)
    if seat == "seat":
        enrolment = Enrolment(cohort=cohort, user=user, enrolled_at=now)
        session.add(enrolment)
        session.flush()
        audit.record(session, user, "enrolment.self_enrol", "enrolment", enrolment.id,
                     after={"cohort_id": cohort.id, "user_id": user.id})
        return JoinResult(enrolment=enrolment)
    if seat == "full":
        raise JoinRefused("full")
    entry = WaitingListEntry(cohort=cohort, user=user, joined_at=now)
    session.add(entry)
    session.flush()
    audit.record(session, user, "waiting_list.join", "cohort", cohort.id, after={"user_id": user.id})
    return JoinResult(waiting_position=waiting_position(session, entry))


def _enrol_from_waiting_list(session: Session, entry: WaitingListEntry, actor: User | None,
                             now: datetime) -> Enrolment | None:
    """Enrol the learner of `entry` and remove the entry; None when they were enrolled meanwhile by other
    means (a list import, say), which only removes the entry."""
    cohort_id, user_id = entry.cohort_id, entry.user_id
    session.delete(entry)
    if session.scalar(select(Enrolment.id).where(Enrolment.cohort_id == cohort_id,
                                                 Enrolment.user_id == user_id)) is not None:
        session.flush()
        return None
    enrolment = Enrolment(cohort_id=cohort_id, user_id=user_id, enrolled_at=now)
    session.add(enrolment)
    session.flush()
    audit.record(session, actor, "enrolment.from_waiting_list", "enrolment", enrolment.id,
                 after={"cohort_id": cohort_id, "user_id": user_id})
    enrolled_from_waiting_list.send(session, enrolment=enrolment)
    return enrolment


def fill_free_seats(session: Session, cohort: Cohort, now: datetime, actor: User | None = None) -> list[Enrolment]:
    """Enrol the first people on the waiting list into the seats that are free (all of them when the
    cohort has no capacity), in the order they asked. Does nothing unless the cohort takes learners.
    Called when a learner is withdrawn and when the capacity changes; each enrolment sends
    `enrolled_from_waiting_list` (a hook for notifications)."""
    if cohort.status not in ENROLLING:
        return []
    _lock_seats(session, cohort)
    free = _free_seats(session, cohort)
    if free == 0 or cohort.status not in ENROLLING:
        return []
    enrolled: list[Enrolment] = []
    for entry in list(session.scalars(select(WaitingListEntry).where(WaitingListEntry.cohort_id == cohort.id)
                                      .order_by(WaitingListEntry.joined_at, WaitingListEntry.id))):
        if free is not None and len(enrolled) >= free:
            break
        enrolment = _enrol_from_waiting_list(session, entry, actor, now)
        if enrolment is not None:
            enrolled.append(enrolment)
    return enrolled


def admit(session: Session, cohort: Cohort, user_id: int, actor: User, now: datetime) -> Enrolment | None:
    """The organizer enrols a learner from the waiting list, beyond the capacity if need be (their
    decision). Returns None when the learner had been enrolled by other means meanwhile.
    Raises CohortArchived, EnrolmentClosed or NotWaiting."""
    ensure_enrolling(cohort)
    entry = waiting_entry(session, cohort.id, user_id)
    if entry is None:
        raise NotWaiting()
    return _enrol_from_waiting_list(session, entry, actor, now)


def remove_waiting(session: Session, cohort: Cohort, user_id: int, actor: User) -> None:
    """Take a learner off the waiting list. Raises CohortArchived or NotWaiting."""
    ensure_editable(cohort)
    entry = waiting_entry(session, cohort.id, user_id)
    if entry is None:
        raise NotWaiting()
    session.delete(entry)
    session.flush()
    audit.record(session, actor, "waiting_list.remove", "cohort", cohort.id, before={"user_id": user_id})


def update_settings(session: Session, cohort: Cohort, *, enabled: bool, capacity: int | None,
                    has_waiting_list: bool, actor: User, now: datetime) -> list[Enrolment]:
    """Turn self-enrolment on (with a new code) or off (the code stops working), and set the capacity
    and the waiting list. A capacity raised or removed enrols the first people waiting: they are
    returned. Raises CohortArchived; ValueError for a capacity below 1."""
    ensure_editable(cohort)
    if capacity is not None and capacity < 1:
        raise ValueError("a capacity is at least 1")
    before = {"enabled": cohort.join_code is not None, "capacity": cohort.capacity,
              "has_waiting_list": cohort.has_waiting_list}
    if enabled and cohort.join_code is None:
        cohort.join_code = _unused_code(session)
    elif not enabled:
        cohort.join_code = None
    cohort.capacity, cohort.has_waiting_list = capacity, has_waiting_list
    session.flush()
    after = {"enabled": enabled, "capacity": capacity, "has_waiting_list": has_waiting_list}
    if after != before:
        audit.record(session, actor, "cohort.self_enrolment", "cohort", cohort.id, before=before, after=after)
    # Seats a raised (or removed) capacity frees go to the people waiting, first come first served.
    return fill_free_seats(session, cohort, now, actor)


def regenerate_code(session: Session, cohort: Cohort, actor: User) -> str:
    """A new join code for the cohort; the old one (and its link) stops working. Raises CohortArchived or
    SelfEnrolmentOff."""
    ensure_editable(cohort)
    if cohort.join_code is None:
        raise SelfEnrolmentOff()
    cohort.join_code = _unused_code(session)
    session.flush()
    audit.record(session, actor, "cohort.join_code", "cohort", cohort.id, after={"regenerated": True})
    return cohort.join_code
