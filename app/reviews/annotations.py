"""Mentors' comments anchored to passages of a submission version, released to the learner with the
decision on that version."""

from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app.auth.models import User
from app.core.markdown import render_markdown
from app.core.passages import Passage, find_passage, mark_passages, normalise
from app.reviews import bank
from app.reviews.models import AnchoredComment
from app.submissions.models import SubmissionStatus, SubmissionVersion


class CommentRefused(Exception):
    pass


class EmptyComment(CommentRefused):
    pass


class QuoteRequired(CommentRefused):
    pass


class QuoteNotFound(CommentRefused):
    pass


class CommentTooLong(CommentRefused):
    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit


class VersionDecided(CommentRefused):
    """The version has been decided or replaced: its comments are what the learner was given."""


class NotYourComment(CommentRefused):
    pass


def _open_for_comments(version: SubmissionVersion) -> bool:
    submission = version.submission
    return (submission.status == SubmissionStatus.AWAITING_REVIEW
            and version.number == submission.latest_version_number)


def add_comment(session: Session, *, version: SubmissionVersion, mentor: User, quote: str, paragraph: int | None,
                body_md: str, now: datetime, max_chars: int, save_to_bank: bool = False,
                bank_criterion_slug: str | None = None) -> AnchoredComment:
    """Anchor a mentor's comment to the passage `quote` of `version` (in top-level block `paragraph`
    when given and the quote is there, else its first occurrence), and with `save_to_bank` add the
    comment to the exercise's bank too. Refuses, writing nothing, with EmptyComment, CommentTooLong,
    QuoteRequired, QuoteNotFound (the quote is not in the version's text) or VersionDecided."""
    body_md = (body_md or "").replace("\r\n", "\n").strip()
    if not body_md:
        raise EmptyComment()
    if len(body_md) > max_chars or len(quote or "") > max_chars:
        raise CommentTooLong(max_chars)
    quote = normalise(quote)
    if not quote:
        raise QuoteRequired()
    if not _open_for_comments(version):
        raise VersionDecided()
    offset = find_passage(version.body_html, quote, paragraph)
    if offset is None:
        raise QuoteNotFound()
    comment = AnchoredComment(submission_version=version, mentor=mentor, quote=quote, text_offset=offset,
                              paragraph=paragraph, body_md=body_md, body_html=str(render_markdown(body_md)),
                              created_at=now)
    session.add(comment)
    if save_to_bank:
        bank.add_entry(session, exercise=version.submission.exercise, criterion_slug=bank_criterion_slug,
                       body_md=body_md, author=mentor, now=now, max_chars=max_chars)
    session.flush()
    return comment


def delete_comment(session: Session, *, comment: AnchoredComment, mentor: User) -> None:
    """Take back one's own comment while the version is still undecided (NotYourComment, VersionDecided)."""
    if comment.mentor_id != mentor.id:
        raise NotYourComment()
    if not _open_for_comments(comment.submission_version):
        raise VersionDecided()
    session.delete(comment)
    session.flush()


def comments_on(session: Session, version_id: int) -> list[AnchoredComment]:
    """Every mentor's comments on a version, in the order of their passages: what the mentors see before
    deciding (the learner gets them with the review, Review.comments). One query."""
    return list(session.scalars(
        select(AnchoredComment).where(AnchoredComment.submission_version_id == version_id)
        .options(joinedload(AnchoredComment.mentor)).order_by(AnchoredComment.text_offset, AnchoredComment.id)))


@dataclass(frozen=True)
class Annotated:
    """A version's answer with its comments in place, and the comments numbered as on the page."""
    html: Markup
    comments: list[tuple[int, AnchoredComment]]


def annotated(version: SubmissionVersion, comments: list[AnchoredComment], label: str) -> Annotated:
    """The version's stored (sanitised) HTML with each comment's passage marked and numbered in order,
    its note after the passage's block. `label` is the notes' accessible name with `%(n)s` for the number."""
    numbered = list(enumerate(comments, start=1))
    passages = [Passage(c.text_offset, c.quote, n, Markup(c.body_html), label % {"n": n}) for n, c in numbered]
    return Annotated(mark_passages(version.body_html, passages), numbered)
