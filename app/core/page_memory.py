"""Pages remembered as rendered, for the pages opened far more often than anything they show changes (issue
10): the learner's and the mentor's own pages, the organizer's pages and small downloads, a badge's public page.

A page is remembered under the database's write revision: a number that every transaction which writes
anything adds one to, in the same transaction (the session events below). Any committed change, to any
row, by any worker or host, makes it a new number, so a remembered page is never older than the data it
shows; nothing has to be told to forget. The price is that under many writes (a deadline evening) the pages
are worked out again almost every time, as they were before.

A page that depends on the time too says until when it is right (its next due date, an exercise opening):
it is remembered until then, and never longer than MAX_AGE (a bound on anything such a rule might miss)."""

from collections.abc import Callable, Hashable
from datetime import datetime, timedelta

from flask import g, request, session as cookie_session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import BigInteger, event, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.db import Base
from app.core.memory import app_memory

MAX_AGE = timedelta(minutes=5)
# Pages kept as UTF-8 (half the size of the text in memory): 15 to 30 KB, the mentor queue's 50 rows 80 KB;
# a few MB per worker.
MEMORY_SIZE = 128

# Stands for the CSRF token in a remembered page (Flask-WTF's tokens are URL-safe base64 with dots).
_TOKEN_TEXT = "{enshu:csrf-token}"
_TOKEN = _TOKEN_TEXT.encode()
_WROTE = "enshu.wrote"


class WriteRevision(Base):
    """One row: how many transactions have written to this database (since it was made)."""
    __tablename__ = "write_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(BigInteger)


def write_revision_column():
    """The current write revision as a column, to be read beside another query (None before any write)."""
    return select(WriteRevision.number).where(WriteRevision.id == 1).scalar_subquery()


def write_revision(session: Session) -> int:
    """The current write revision (0 before anything was written)."""
    return session.scalar(select(write_revision_column())) or 0


@event.listens_for(Session, "after_flush")
def _note_flushed_write(session: Session, flush_context) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement_write(state) -> None:
    # Bulk INSERT, UPDATE and DELETE statements run through the session, not its flush.
    # (The count's own statement is text, which is none of these: it does not count itself for the next one.)
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


_BUMP_WRITE_REVISION = text(f"INSERT INTO {WriteRevision.__tablename__} (id, number) VALUES (1, 1) "
                            f"ON CONFLICT (id) DO UPDATE SET number = {WriteRevision.__tablename__}.number + 1")


@event.listens_for(Session, "before_commit")
def _count_the_write(session: Session) -> None:
    # before_commit runs before the commit's own flush: flush first, so that its writes are seen.
    session.flush()
    if not session.info.pop(_WROTE, False):
        return
    # One statement, safe when two transactions count at once (the second waits for the first's row). As
    # text, because SQLAlchemy 2.0 compiles a dialect's INSERT ... ON CONFLICT again for every execution, and
    # this runs in every transaction that writes; SQLite and PostgreSQL spell it the same.
    session.execute(_BUMP_WRITE_REVISION)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back_write(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_WROTE, None)


def remembered_page(session: Session, now: datetime, render: Callable[[], tuple[object, datetime | None]],
                    variant: Hashable = None):
    """This request's page for its reader (path, signed-in user's session id or none, language, and the view's
    `variant` of it) as remembered at this write revision if it still holds at `now`, else `render()`: the
    page (its text, or the bytes of a small download) and the next moment at which it would show something
    else with the same data (None: none). What render() gives that is not a page (a redirect) is returned as
    it is, not remembered.

    Who may see the page is decided by render() too: for the same reader, at the same revision and before the
    next such moment, the answer is the same, and a refusal (an exception) is never remembered.

    The page's forms carry the CSRF token of the session that asks: the token is kept out of the remembered
    page and put back for each request. A session with a message to flash (shown once) is never served a
    remembered page; a page rendered by a request that wrote something itself is not remembered (it shows
    what is not committed yet)."""
    # Read before anything the page shows (with the signed-in user, in the same query), so that what it shows
    # is at least as new as the revision it is remembered under.
    revision = current_user.write_revision if current_user.is_authenticated else None
    if revision is None:
        revision = write_revision(session)
    if "_flashes" in cookie_session:
        return render()[0]
    memory = app_memory("pages", MEMORY_SIZE)
    question = (request.full_path, current_user.get_id(), str(get_locale()), variant, revision)
    found = memory.get(question)
    # Not for an earlier clock than the one it was rendered at (another worker's): it may show a later state.
    if found is not None and found[1] <= now < found[2]:
        kept, with_token = found[0], found[3]
        return kept.replace(_TOKEN, generate_csrf().encode()) if with_token else kept
    page, changes_at = render()
    if isinstance(page, (str, bytes)) and not (session.info.get(_WROTE) or session.new or session.dirty
                                               or session.deleted):
        # Flask-WTF keeps the request's token in g once a form asked for it; a download (bytes) has no form.
        with_token = isinstance(page, str) and "csrf_token" in g
        if isinstance(page, bytes):
            kept = page
        else:
            kept = (page.replace(generate_csrf(), _TOKEN_TEXT) if with_token else page).encode()
        # A page of an older revision is never asked for again: forgotten now rather than kept until it is
        # the least recently used, so that a worker holds no more pages than the current revision has.
        memory.forget_where(lambda asked: asked[-1] < revision)
        memory.put(question, (kept, now, min(changes_at or now + MAX_AGE, now + MAX_AGE), with_token))
    return page


def remembered_form_page(session: Session, now: datetime, show: Callable[[], tuple[object, int, datetime | None]]):
    """A page with forms: on a GET as remembered (remembered_page), on a POST as its forms left it. `show()`
    gives the page or a redirect, its status, and the next moment at which it would show otherwise."""
    if request.method != "GET":
        return show()[:2]

    def render():
        page, status, changes_at = show()
        return (page if status == 200 else (page, status)), changes_at
    return remembered_page(session, now, render)
