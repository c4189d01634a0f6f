from datetime import datetime
from enum import StrEnum
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.content.models import Exercise, Module, RubricCriterion
from app.core.db import enum_type, utcnow
from app.extensions import db
from app.submissions.models import Submission, SubmissionVersion


class Decision(StrEnum):
    ACCEPTED = "accepted"
    RETURNED = "returned"
    # A final decision: the cohort's revision rounds are used up and the work did not pass.
    NOT_PASSED = "not_passed"


class Review(db.Model):
    """A mentor's decision on one submission version."""

    __tablename__ = "review"
    __table_args__ = (
        # One decision per version: a second mentor's concurrent review fails instead of overwriting.
        UniqueConstraint("submission_version_id"),
        CheckConstraint("total_points >= 0", name="total_points_not_negative"),
        CheckConstraint("total_points <= max_points", name="total_points_within_max"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_version_id: Mapped[int] = mapped_column(ForeignKey("submission_version.id", ondelete="RESTRICT"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"), index=True)
    decision: Mapped[Decision] = mapped_column(enum_type(Decision, 16, "decision"))
    feedback_md: Mapped[str] = mapped_column(Text)
    feedback_html: Mapped[str] = mapped_column(Text)
    total_points: Mapped[int]
    max_points: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    submission_version: Mapped[SubmissionVersion] = relationship()
    mentor: Mapped[User] = relationship()
    scores: Mapped[list["CriterionScore"]] = relationship(back_populates="review")
    # The comments on passages of the version it decided: released to the learner with it (loaded with
    # the history's reviews, queries.submission_history).
    comments: Mapped[list["AnchoredComment"]] = relationship(
        primaryjoin="Review.submission_version_id == foreign(AnchoredComment.submission_version_id)",
        order_by="(AnchoredComment.text_offset, AnchoredComment.id)", viewonly=True)


class CriterionScore(db.Model):
    __tablename__ = "criterion_score"
    __table_args__ = (
        UniqueConstraint("review_id", "criterion_id"),
        CheckConstraint("points >= 0", name="points_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("rubric_criterion.id", ondelete="RESTRICT"))
    points: Mapped[int]

    review: Mapped[Review] = relationship(back_populates="scores")
    criterion: Mapped[RubricCriterion] = relationship()


class ReviewClaim(db.Model):
    """A mentor's hold on a submission awaiting review, so that two mentors don't review the same one.
    At most one row per submission (its primary key); a row whose `expires_at` has passed holds nothing
    and the next claim takes it over."""

    __tablename__ = "review_claim"
    __table_args__ = (CheckConstraint("expires_at > claimed_at", name="expires_after_claimed"),)

    # A claim is only about the submission and the mentor: it goes with either.
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    # The organizer who gave it to this mentor; None when the mentor claimed it.
    assigned_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    submission: Mapped[Submission] = relationship()
    mentor: Mapped[User] = relationship(foreign_keys=[mentor_id])

    def is_active(self, now: datetime) -> bool:
        return self.expires_at > now


class ReviewDraft(db.Model):
    """A mentor's scores and feedback on a submission before deciding: one per mentor and submission,
    seen only by that mentor, overwritten by each save and deleted when the submission is decided."""

    __tablename__ = "review_draft"
    __table_args__ = (UniqueConstraint("submission_id", "mentor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # A draft is worth nothing without its submission or mentor: it goes with them.
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    # {criterion id (as text, as JSON keys are): points}; only the criteria scored so far.
    points_by_criterion: Mapped[dict] = mapped_column(db.JSON, default=dict)
    feedback_md: Mapped[str] = mapped_column(Text)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReviewAuditAction(StrEnum):
    DECISION = "decision"  # scores and a decision on a version
    CLAIM_ASSIGN = "claim_assign"  # an organizer (or the load balancer) gave the claim to a mentor
    CLAIM_RELEASE = "claim_release"  # an organizer ended another mentor's claim


class ReviewAudit(db.Model):
    """One change to how a submission is reviewed (issue 13, fairness): who, when, and the state before
    and after (scores per criterion, decision, holder of the claim). Written in the transaction of the
    change; never updated or deleted. Organizers read it per cohort."""

    __tablename__ = "review_audit"
    __table_args__ = (Index("ix_review_audit_cohort_id_created_at", "cohort_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # History stays with what it is about: neither can be deleted while it has entries.
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="RESTRICT"))
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="RESTRICT"), index=True)
    # Who acted; None when the system did (the load balancer on arrival of work).
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"), index=True)
    # The mentor the change is about (who decided, who was given the claim): the page filters by it.
    mentor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"), index=True)
    action: Mapped[ReviewAuditAction] = mapped_column(enum_type(ReviewAuditAction, 16, "action"))
    before: Mapped[Optional[dict]] = mapped_column(db.JSON)
    after: Mapped[Optional[dict]] = mapped_column(db.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    submission: Mapped[Submission] = relationship()
    actor: Mapped[Optional[User]] = relationship(foreign_keys=[actor_id])
    mentor: Mapped[Optional[User]] = relationship(foreign_keys=[mentor_id])


class AnchoredComment(db.Model):
    """A mentor's comment on one passage of a submission version. The learner sees it beside that
    passage once the version is decided (it has a review), never before."""

    __tablename__ = "anchored_comment"
    __table_args__ = (
        CheckConstraint("text_offset >= 0", name="text_offset_not_negative"),
        CheckConstraint("paragraph IS NULL OR paragraph >= 0", name="paragraph_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_version_id: Mapped[int] = mapped_column(ForeignKey("submission_version.id", ondelete="RESTRICT"),
                                                       index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"), index=True)
    # The passage as the mentor quoted it, and where it starts in the version's rendered text (whitespace
    # collapsed; app/core/passages.py): the stored HTML of a version never changes, so the place stays true.
    quote: Mapped[str] = mapped_column(Text)
    text_offset: Mapped[int]
    # The block (paragraph, list, table...) the mentor selected in, when the page's script said so.
    paragraph: Mapped[Optional[int]]
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    submission_version: Mapped[SubmissionVersion] = relationship()
    mentor: Mapped[User] = relationship()


class CommentBankEntry(db.Model):
    """A reusable comment for an exercise, optionally for one of its rubric criteria. Keyed by the module
    and the slugs, so that the bank outlives content versions (each version has its own exercise rows)."""

    __tablename__ = "comment_bank_entry"
    __table_args__ = (
        Index("ix_comment_bank_entry_exercise", "module_id", "exercise_slug", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"))
    exercise_slug: Mapped[str] = mapped_column(String(100))
    criterion_slug: Mapped[Optional[str]] = mapped_column(String(100))
    body_md: Mapped[str] = mapped_column(Text)
    # Order on the exercise's bank page; organizers move entries up and down.
    position: Mapped[int]
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    module: Mapped[Module] = relationship()


class CommentBankAuditAction(StrEnum):
    ADD = "add"
    EDIT = "edit"
    DELETE = "delete"


class CommentBankAudit(db.Model):
    """One change to an exercise's comment bank: who, when, and the comment before and after
    ({"criterion": slug or None, "body": Markdown}). Written in the transaction of the change; never
    updated or deleted. Organizers read it beside the review audit trail of a cohort of the module."""

    __tablename__ = "comment_bank_audit"
    __table_args__ = (Index("ix_comment_bank_audit_exercise", "module_id", "exercise_slug", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="RESTRICT"))
    exercise_slug: Mapped[str] = mapped_column(String(100))
    # Not a foreign key: the history outlives a deleted entry.
    entry_id: Mapped[int]
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"), index=True)
    action: Mapped[CommentBankAuditAction] = mapped_column(enum_type(CommentBankAuditAction, 16, "action"))
    before: Mapped[Optional[dict]] = mapped_column(db.JSON)
    after: Mapped[Optional[dict]] = mapped_column(db.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[Optional[User]] = relationship()


class DiscussionMessage(db.Model):
    """One message of the discussion about a submission between its learner and the cohort's mentors
    and the programme office."""

    __tablename__ = "discussion_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="RESTRICT"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"), index=True)
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship()


class ProposalState(StrEnum):
    """Where a decision that is not final yet stands (issue 13, app/reviews/gate.py)."""
    HELD = "held"  # the release gate holds it for an organizer or lead mentor
    AWAITING_SECOND = "awaiting_second"  # moderation: a second mentor has to look at the acceptance
    DISPUTED = "disputed"  # the second mentor disagreed: an organizer settles it
    RELEASED = "released"
    AGREED = "agreed"
    SETTLED = "settled"
    SENT_BACK = "sent_back"  # back to its mentor, whose draft it became again


OPEN_PROPOSAL_STATES = (ProposalState.HELD, ProposalState.AWAITING_SECOND, ProposalState.DISPUTED)
_OPEN = "state IN ('held', 'awaiting_second', 'disputed')"


class DecisionProposal(db.Model):
    """A mentor's decision that does not reach the learner yet: held by the release gate or awaiting a
    second mentor. The submission stays awaiting review until it is released, agreed or settled, which
    records the `Review` (and only then sends `submission_accepted`). Kept afterwards: both mentors' scores
    feed the agreement statistic."""

    __tablename__ = "decision_proposal"
    __table_args__ = (
        # At most one open proposal per version.
        Index("uq_decision_proposal_open_version", "submission_version_id", unique=True,
              sqlite_where=text(_OPEN), postgresql_where=text(_OPEN)),
        CheckConstraint(f"({_OPEN}) = (closed_at IS NULL)", name="closed_unless_open"),
        CheckConstraint("state NOT IN ('disputed', 'agreed') OR second_reviewed_at IS NOT NULL",
                        name="second_review_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_version_id: Mapped[int] = mapped_column(ForeignKey("submission_version.id", ondelete="RESTRICT"),
                                                       index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"), index=True)
    state: Mapped[ProposalState] = mapped_column(enum_type(ProposalState, 16, "state"))
    decision: Mapped[Decision] = mapped_column(enum_type(Decision, 16, "decision"))
    # {criterion id (as text, as JSON keys are): points}, every criterion of the exercise.
    points_by_criterion: Mapped[dict] = mapped_column(db.JSON)
    feedback_md: Mapped[str] = mapped_column(Text)
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Moderation: the second mentor's own scores, and their feedback when they disagree.
    second_mentor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    second_points_by_criterion: Mapped[Optional[dict]] = mapped_column(db.JSON)
    second_feedback_md: Mapped[Optional[str]] = mapped_column(Text)
    second_reviewed_at: Mapped[Optional[datetime]]
    # Who released, settled or sent it back (the second mentor when they agreed), when, and why (sent back).
    closed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    closed_at: Mapped[Optional[datetime]]
    note: Mapped[Optional[str]] = mapped_column(Text)
    # The final review it became.
    review_id: Mapped[Optional[int]] = mapped_column(ForeignKey("review.id", ondelete="SET NULL"))

    submission_version: Mapped[SubmissionVersion] = relationship()
    mentor: Mapped[User] = relationship(foreign_keys=[mentor_id])
    second_mentor: Mapped[Optional[User]] = relationship(foreign_keys=[second_mentor_id])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_PROPOSAL_STATES

    @property
    def total_points(self) -> int:
        return sum(self.points_by_criterion.values())

    def points(self) -> dict[int, int]:
        return {int(cid): p for cid, p in self.points_by_criterion.items()}

    def second_points(self) -> dict[int, int]:
        return {int(cid): p for cid, p in (self.second_points_by_criterion or {}).items()}


class CalibrationSource(StrEnum):
    SUBMISSION = "submission"  # a real learner's work, used with their consent
    EXEMPLAR = "exemplar"  # an exemplar answer of the exercise's mentor pack


class CalibrationReference(db.Model):
    """A reference answer of an exercise with the scores organizers agreed on: mentors score it before
    their first real review of the exercise and see how far they were (app/reviews/calibration.py)."""

    __tablename__ = "calibration_reference"
    __table_args__ = (
        CheckConstraint("(source = 'submission') = (submission_version_id IS NOT NULL)",
                        name="submission_has_version"),
        CheckConstraint("source <> 'submission' OR consent_confirmed_at IS NOT NULL",
                        name="submission_has_consent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"), index=True)
    source: Mapped[CalibrationSource] = mapped_column(enum_type(CalibrationSource, 16, "source"))
    submission_version_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("submission_version.id", ondelete="RESTRICT"))
    # When the organizer confirmed the learner's consent to use their work.
    consent_confirmed_at: Mapped[Optional[datetime]]
    # A copy, without the learner's name: mentors read it as an anonymous answer.
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # {criterion id (as text): points}, every criterion of the exercise.
    agreed_points_by_criterion: Mapped[dict] = mapped_column(db.JSON)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    exercise: Mapped[Exercise] = relationship()

    def agreed_points(self) -> dict[int, int]:
        return {int(cid): p for cid, p in self.agreed_points_by_criterion.items()}


class CalibrationAttempt(db.Model):
    """One mentor's scores of one reference (once: the first impression is what calibrates)."""

    __tablename__ = "calibration_attempt"
    __table_args__ = (UniqueConstraint("reference_id", "mentor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference_id: Mapped[int] = mapped_column(ForeignKey("calibration_reference.id", ondelete="CASCADE"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    points_by_criterion: Mapped[dict] = mapped_column(db.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    reference: Mapped[CalibrationReference] = relationship()

    def points(self) -> dict[int, int]:
        return {int(cid): p for cid, p in self.points_by_criterion.items()}
