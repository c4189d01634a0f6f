"""The comment bank: reusable comments per exercise (across its content versions), optionally per rubric
criterion. Mentors add to it from the review page; organizers edit, delete and reorder. Every addition,
edit and deletion is in the bank's audit trail (CommentBankAudit); a move changes no comment."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.content.models import Exercise, ModuleVersion
from app.reviews.models import CommentBankAudit, CommentBankAuditAction, CommentBankEntry


class BankRefused(Exception):
    pass


class EmptyBankComment(BankRefused):
    pass


class BankCommentTooLong(BankRefused):
    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit


class UnknownCriterion(BankRefused):
    """The criterion is not one of the exercise's rubric."""


class NotInThisBank(BankRefused):
    """The entry belongs to another exercise's bank."""


def _module_id(exercise: Exercise) -> int:
    return exercise.module_version.module_id


def _checked(exercise: Exercise, criterion_slug: str | None, body_md: str, max_chars: int) -> tuple[str | None, str]:
    body_md = (body_md or "").replace("\r\n", "\n").strip()
    if not body_md:
        raise EmptyBankComment()
    if len(body_md) > max_chars:
        raise BankCommentTooLong(max_chars)
    criterion_slug = criterion_slug or None
    if criterion_slug is not None and criterion_slug not in {c.slug for c in exercise.criteria}:
        raise UnknownCriterion()
    return criterion_slug, body_md


def entries(session: Session, exercise: Exercise) -> list[CommentBankEntry]:
    """The exercise's bank in its order: one query."""
    # The module by subquery: the exercise's module version need not be loaded for this.
    module_id = select(ModuleVersion.module_id).where(ModuleVersion.id == exercise.module_version_id)
    return list(session.scalars(select(CommentBankEntry).where(
        CommentBankEntry.module_id == module_id.scalar_subquery(), CommentBankEntry.exercise_slug == exercise.slug)
        .order_by(CommentBankEntry.position, CommentBankEntry.id)))


def entry_of(session: Session, exercise: Exercise, entry_id: int | None) -> CommentBankEntry:
    """The entry `entry_id` of this exercise's bank, else NotInThisBank."""
    entry = session.get(CommentBankEntry, entry_id) if entry_id else None
    if entry is None or entry.module_id != _module_id(exercise) or entry.exercise_slug != exercise.slug:
        raise NotInThisBank()
    return entry


def _state(entry: CommentBankEntry) -> dict:
    return {"criterion": entry.criterion_slug, "body": entry.body_md}


def _record(session: Session, entry: CommentBankEntry, action: CommentBankAuditAction, actor: User, now: datetime,
            before: dict | None, after: dict | None) -> None:
    session.add(CommentBankAudit(module_id=entry.module_id, exercise_slug=entry.exercise_slug, entry_id=entry.id,
                                 actor_id=actor.id, action=action, before=before, after=after, created_at=now))


def add_entry(session: Session, *, exercise: Exercise, criterion_slug: str | None, body_md: str, author: User,
              now: datetime, max_chars: int) -> CommentBankEntry:
    """Add a comment at the end of the exercise's bank (EmptyBankComment, BankCommentTooLong, UnknownCriterion)."""
    criterion_slug, body_md = _checked(exercise, criterion_slug, body_md, max_chars)
    module_id = _module_id(exercise)
    last = session.scalar(select(func.max(CommentBankEntry.position)).where(
        CommentBankEntry.module_id == module_id, CommentBankEntry.exercise_slug == exercise.slug)) or 0
    entry = CommentBankEntry(module_id=module_id, exercise_slug=exercise.slug, criterion_slug=criterion_slug,
                             body_md=body_md, position=last + 1, created_by_id=author.id, created_at=now)
    session.add(entry)
    session.flush()
    _record(session, entry, CommentBankAuditAction.ADD, author, now, None, _state(entry))
    session.flush()
    return entry


def update_entry(session: Session, *, exercise: Exercise, entry: CommentBankEntry, criterion_slug: str | None,
                 body_md: str, actor: User, now: datetime, max_chars: int) -> CommentBankEntry:
    """Change an entry's text and criterion (the refusals of add_entry); audited when anything changed."""
    before = _state(entry)
    entry.criterion_slug, entry.body_md = _checked(exercise, criterion_slug, body_md, max_chars)
    if _state(entry) != before:
        _record(session, entry, CommentBankAuditAction.EDIT, actor, now, before, _state(entry))
    session.flush()
    return entry


def delete_entry(session: Session, *, entry: CommentBankEntry, actor: User, now: datetime) -> None:
    _record(session, entry, CommentBankAuditAction.DELETE, actor, now, _state(entry), None)
    session.delete(entry)
    session.flush()


def move_entry(session: Session, *, exercise: Exercise, entry: CommentBankEntry, step: int) -> None:
    """Swap the entry with its neighbour before (step -1) or after (step 1); at either end nothing moves."""
    ordered = entries(session, exercise)
    # Positions may have gaps or ties after deletions: number them 1..n first, then swap.
    index = next(i for i, e in enumerate(ordered) if e.id == entry.id)
    other = index + step
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, each in enumerate(ordered, start=1):
        each.position = position
    session.flush()
