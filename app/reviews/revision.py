"""A fingerprint of everything the mentor queue and the progress page count (issue 10), read in one cheap
query, so that their counts can be remembered (app/core/memory.py) under it and never go stale.

What moves those counts leaves a new row behind: a submit a submission version, a decision a review or a
decision proposal, and every staff action (withdrawing, readmitting or moving a learner, a cohort's state,
review rules, schedule, mentors and groups, extensions and accommodations, a user's organization) an audit
entry (app/auth/audit.py). A second mentor's disagreement changes a proposal without a new row: the
proposals (few rows) are counted whole, with their second reviews and closings.

Ids are handed out before commit, so a transaction may commit a lower id after a higher one was seen: besides
the highest id, the rows among the latest WINDOW ids are counted, which changes when such a row arrives."""

from collections.abc import Callable, Hashable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import AuditEntry
from app.core.memory import Memory
from app.reviews.models import DecisionProposal, Review
from app.submissions.models import SubmissionVersion

_MISSING = object()
# Far more rows than are written while one request's transaction is open.
WINDOW = 2_000


def _latest(column):
    """The highest id of a table and how many rows hold one of the WINDOW ids below it (two index lookups)."""
    highest = select(func.max(column)).scalar_subquery()
    return (highest, select(func.count(column)).where(column > func.coalesce(highest, 0) - WINDOW).scalar_subquery())


def revision_columns() -> list:
    """The fingerprint as columns, for a query of its own (work_revision) or beside another's."""
    proposals = (func.count(DecisionProposal.id), func.max(DecisionProposal.id),
                 func.count(DecisionProposal.second_reviewed_at), func.count(DecisionProposal.closed_at))
    return [*_latest(SubmissionVersion.id), *_latest(Review.id), *_latest(AuditEntry.id),
            *(select(aggregate).scalar_subquery() for aggregate in proposals)]


def work_revision(session: Session) -> tuple:
    """The fingerprint: it differs once any submit, decision or staff action has been committed."""
    return tuple(session.execute(select(*revision_columns())).one())


class Remembered:
    """Answers worked out from the database, remembered in `memory` under the work's revision (read once per
    Remembered, on the first question: make one per request); without a memory, worked out every time."""

    def __init__(self, session: Session, memory: Memory | None, revision: tuple | None = None):
        """`revision`: the fingerprint when it was read already, beside another query (revision_columns)."""
        self._session = session
        self._memory = memory
        self._revision = revision

    def columns(self) -> list:
        """The fingerprint's columns, to be read beside another query's, while it is still to be read (else
        none); give what they read to `read`."""
        return revision_columns() if self._memory is not None and self._revision is None else []

    def read(self, values) -> None:
        if values:
            self._revision = tuple(values)

    def revision(self) -> tuple | None:
        """The fingerprint, read now if it has not been yet; None without a memory (nothing is remembered)."""
        if self._memory is not None and self._revision is None:
            self._revision = work_revision(self._session)
        return self._revision

    def keeping_in(self, memory: Memory | None) -> "Remembered":
        """Answers remembered in `memory` instead (one of bigger answers, kept fewer), at the same revision."""
        if self._memory is None or memory is None:
            return Remembered(self._session, None)
        return Remembered(self._session, memory, self.revision())

    def answer(self, question: Hashable, work_out: Callable[[], object],
               holds: Callable[[object], bool] = lambda answer: True):
        """The remembered answer to `question` at this revision if there is one and it `holds` (an answer
        that depends on the time too says until when it is right), else `work_out()`, remembered."""
        if self._memory is None:
            return work_out()
        question = (question, self.revision())
        found = self._memory.get(question, _MISSING)
        if found is _MISSING or not holds(found):
            found = work_out()
            self._memory.put(question, found)
        return found
