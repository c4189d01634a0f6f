"""The discussion about a submission between its learner, the cohort's mentors and the programme office."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app.auth.models import User
from app.core.markdown import render_markdown
from app.reviews.models import DiscussionMessage
from app.submissions.models import Submission


class MessageRefused(Exception):
    pass


class EmptyMessage(MessageRefused):
    pass


class MessageTooLong(MessageRefused):
    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit


def post_message(session: Session, *, submission: Submission, author: User, body_md: str, now: datetime,
                 max_chars: int) -> DiscussionMessage:
    """Add `author`'s message (Markdown, rendered and sanitised) to the submission's discussion. The caller
    has checked that the author may take part. Raises EmptyMessage or MessageTooLong, writing nothing."""
    body_md = (body_md or "").replace("\r\n", "\n").strip()
    if not body_md:
        raise EmptyMessage()
    if len(body_md) > max_chars:
        raise MessageTooLong(max_chars)
    message = DiscussionMessage(submission_id=submission.id, author=author, body_md=body_md,
                                body_html=str(render_markdown(body_md)), created_at=now)
    session.add(message)
    session.flush()
    return message


def thread(session: Session, submission_id: int | None) -> list[DiscussionMessage]:
    """The submission's messages, oldest first, with their authors: one query."""
    if submission_id is None:
        return []
    return list(session.scalars(select(DiscussionMessage).where(DiscussionMessage.submission_id == submission_id)
                                .options(joinedload(DiscussionMessage.author))
                                .order_by(DiscussionMessage.created_at, DiscussionMessage.id)))
