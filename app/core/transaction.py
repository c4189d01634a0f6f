"""One owner of each request's transaction.

Views and services never commit: services flush, and when the request has produced its response this
hook commits (a response below 400, or a refusal whose view kept something, `keep_despite_refusal`) or
rolls back (an error response, or an exception — the error handlers roll back first, see
`app.core.errors`). Work that must only happen once the data is safely
stored (mail, signing) is registered with `after_commit` and runs after the commit; a CLI command or
a test that owns its own unit of work calls `commit`.
"""

from collections.abc import Callable

from flask import Flask, g
from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

_PENDING = "enshu.after_commit"


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once the current transaction of `session` is committed; forget it on rollback."""
    if isinstance(session, scoped_session):
        session = session()
    if not session.in_transaction():
        session.begin()  # so that a rollback, even before any statement, is seen and forgets the work
    session.info.setdefault(_PENDING, []).append(callback)


def commit(session: Session) -> None:
    """Commit, then run the work that waited for it (in order; each may use the session again). The list is
    taken first: work that rolls back its own failure must not forget the rest, and work registered by a
    callback waits for the commit of its own transaction."""
    session.commit()
    for callback in session.info.pop(_PENDING, []):
        callback()


def rollback(session: Session) -> None:
    session.rollback()
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_pending_work(session: Session, previous_transaction) -> None:
    # A rollback anywhere (a refused form, a failed commit) means the waiting work must not happen.
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


def keep_despite_refusal() -> None:
    """Commit this request's work although its response refuses something (a 4xx page): for a view that
    rolled back what it refused and then stored what the person must not lose, such as the files chosen
    with an answer whose submit was refused (app/learn)."""
    g.enshu_keep_despite_refusal = True


def init_app(app: Flask, session: scoped_session) -> None:
    @app.after_request
    def finish_unit_of_work(response):
        # An exception raised here (a failed commit) goes to the 500 handler, which rolls back: the
        # user is never told that something was saved when it was not.
        if response.status_code < 400 or (response.status_code < 500 and g.get("enshu_keep_despite_refusal")):
            commit(session)
        else:
            rollback(session)
        return response
