"""Review checks that a cohort can switch on (issue 13): the release gate and moderation.

Release gate: the decisions of a mentor new to the cohort (not lead, not trusted, and with fewer than
`cohort.release_gate_decisions` released decisions there; with no number, until an organizer marks them
trusted) are held as proposals until an organizer or a lead mentor of the cohort releases them or sends
them back. Moderation: an acceptance is a proposal until a second mentor (not the same) agrees; when the
second mentor disagrees, an organizer settles it. When both apply to an acceptance, moderation takes it:
a second mentor looks at it anyway.

A proposal leaves the submission awaiting review: the learner sees nothing and no completion or badge
follows until `review_version` records the final review (which alone sends `submission_accepted`)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from app.auth import audit
from app.auth.models import Role, User
from app.cohorts.models import Cohort, Enrolment, MentorAssignment
from app.deadlines.queries import WorkDeadline, work_deadline_columns
from app.reviews import claims
from app.reviews.calibration import needs_calibration_clause
from app.reviews.revision import revision_columns
from app.reviews.models import (OPEN_PROPOSAL_STATES, Decision, DecisionProposal, ProposalState, Review,
                                ReviewClaim, ReviewDraft)
from app.reviews.services import (FeedbackRequired, NotAwaitingReview, ReviewRefused, check_decision,
                                  review_version, save_review_draft)
from app.submissions.models import Submission, SubmissionVersion


class ProposalRefused(ReviewRefused):
    pass


class ProposalPending(ProposalRefused):
    """A decision on this version already waits for release or for a second mentor."""


class NotOpen(ProposalRefused):
    """The proposal was released, settled or sent back since the page was opened."""


class SameMentor(ProposalRefused):
    """The second review has to come from another mentor."""


def assignment(session: Session, cohort_id: int, user_id: int) -> MentorAssignment | None:
    return session.scalar(select(MentorAssignment).where(MentorAssignment.cohort_id == cohort_id,
                                                         MentorAssignment.user_id == user_id))


def released_decisions(session: Session, cohort_id: int, mentor_id: int) -> int:
    """The final reviews `mentor_id` has in the cohort."""
    return session.scalar(
        select(func.count(Review.id)).join(Review.submission_version).join(SubmissionVersion.submission)
        .join(Submission.enrolment).where(Enrolment.cohort_id == cohort_id, Review.mentor_id == mentor_id))


def proposal_state_for(session: Session, *, cohort: Cohort, mentor: User, decision: Decision) -> ProposalState | None:
    """What a decision of `mentor` in `cohort` becomes: a proposal in this state, or None for final."""
    if cohort.moderation and decision == Decision.ACCEPTED:
        return ProposalState.AWAITING_SECOND
    if not cohort.release_gate or mentor.role != Role.MENTOR:
        return None
    link = assignment(session, cohort.id, mentor.id)
    if link is None or link.is_lead or link.is_trusted:
        return None
    if cohort.release_gate_decisions is None:
        return ProposalState.HELD
    return ProposalState.HELD if released_decisions(session, cohort.id, mentor.id) < cohort.release_gate_decisions \
        else None


def latest_version(session: Session, submission: Submission) -> SubmissionVersion:
    return session.scalar(select(SubmissionVersion).where(SubmissionVersion.submission_id == submission.id,
                                                          SubmissionVersion.number == submission.latest_version_number))


def open_proposal(session: Session, version_id: int) -> DecisionProposal | None:
    return session.scalar(select(DecisionProposal).where(DecisionProposal.submission_version_id == version_id,
                                                         DecisionProposal.state.in_(OPEN_PROPOSAL_STATES)))


@dataclass(frozen=True)
class HeldClaim:
    """The submission's claim as the review page shows it (the fields of a ReviewClaim it reads)."""
    mentor_id: int
    mentor_name: str
    expires_at: datetime

    @classmethod
    def of(cls, claim: ReviewClaim | None) -> "HeldClaim | None":
        return cls(claim.mentor_id, claim.mentor.display_name, claim.expires_at) if claim is not None else None


@dataclass(frozen=True)
class ReviewPageState:
    is_mentor: bool  # assigned to the submission's cohort
    is_lead: bool  # a lead mentor of it, who releases held decisions
    needs_calibration: bool  # app/reviews/calibration.py
    proposal: DecisionProposal | None  # the newest on the latest version, in any state
    deadline: WorkDeadline  # the learner's own due date of the exercise, and why it was extended
    revision: tuple  # of the work (app/reviews/revision.py), for the queue's remembered order
    claim: HeldClaim | None  # the submission's claim while it holds (app/reviews/claims.py)


def review_page_state(session: Session, user: User, submission: Submission, now: datetime) -> ReviewPageState:
    """What the review page needs of the checks, the claim, the deadline and the work's revision, in one query
    (two when there is a proposal)."""
    proposal_id = (select(DecisionProposal.id).join(DecisionProposal.submission_version)
                   .where(SubmissionVersion.submission_id == submission.id,
                          SubmissionVersion.number == submission.latest_version_number)
                   .order_by(DecisionProposal.id.desc()).limit(1).scalar_subquery())
    is_mentor = exists().where(MentorAssignment.cohort_id == submission.enrolment.cohort_id,
                               MentorAssignment.user_id == user.id)
    is_lead = exists().where(MentorAssignment.cohort_id == submission.enrolment.cohort_id,
                             MentorAssignment.user_id == user.id, MentorAssignment.is_lead.is_(True))
    claim = [select(column).select_from(ReviewClaim).join(User, User.id == ReviewClaim.mentor_id)
             .where(ReviewClaim.submission_id == submission.id).scalar_subquery()
             for column in (ReviewClaim.mentor_id, User.display_name, ReviewClaim.expires_at)]
    row = session.execute(select(is_mentor, is_lead, needs_calibration_clause(user, submission.exercise_id),
                                 proposal_id, *work_deadline_columns(submission.enrolment_id,
                                                                     submission.exercise_id),
                                 *claim, *revision_columns())).one()
    mentor_id, mentor_name, expires_at = row[6:9]
    held = HeldClaim(mentor_id, mentor_name, expires_at) if expires_at is not None and expires_at > now else None
    proposal = None
    if row[3] is not None:
        proposal = session.scalar(select(DecisionProposal).where(DecisionProposal.id == row[3]).options(
            joinedload(DecisionProposal.mentor), joinedload(DecisionProposal.second_mentor)))
    return ReviewPageState(bool(row[0]), bool(row[1]), bool(row[2]), proposal, WorkDeadline(row[4], row[5]),
                           tuple(row[9:]), held)


def decide(session: Session, *, version: SubmissionVersion, mentor: User, now: datetime, claim_minutes: int,
           decision: Decision, points_by_criterion: dict[int, int], feedback_md: str) -> Review | DecisionProposal:
    """A mentor's decision through the cohort's checks: the final `Review` (claims.decide_claimed) when no
    check applies, else a proposal that waits. Refuses what `review_version` refuses, ClaimHeld, and
    ProposalPending when a proposal on the version is open already."""
    if open_proposal(session, version.id) is not None:
        raise ProposalPending()
    decision = Decision(decision)
    state = proposal_state_for(session, cohort=version.submission.enrolment.cohort, mentor=mentor, decision=decision)
    if state is None:
        return claims.decide_claimed(session, version=version, mentor=mentor, now=now, claim_minutes=claim_minutes,
                                     decision=decision, points_by_criterion=points_by_criterion,
                                     feedback_md=feedback_md)
    decision, feedback_md, _ = check_decision(version, decision=decision, points_by_criterion=points_by_criterion,
                                              feedback_md=feedback_md)
    submission = version.submission
    claims.claim_submission(session, submission=submission, mentor=mentor, now=now, minutes=claim_minutes)
    proposal = DecisionProposal(submission_version=version, mentor=mentor, state=state, decision=decision,
                                points_by_criterion={str(cid): p for cid, p in sorted(points_by_criterion.items())},
                                feedback_md=feedback_md, proposed_at=now)
    session.add(proposal)
    try:
        session.flush()
    except IntegrityError as e:  # another mentor's proposal came first; the caller rolls back
        raise ProposalPending() from e
    session.execute(delete(ReviewClaim).where(ReviewClaim.submission_id == submission.id))
    session.execute(delete(ReviewDraft).where(ReviewDraft.submission_id == submission.id))
    return proposal


def _close(proposal: DecisionProposal, state: ProposalState, actor: User, now: datetime,
           review: Review | None = None) -> None:
    proposal.state, proposal.closed_by_id, proposal.closed_at = state, actor.id, now
    if review is not None:
        proposal.review_id = review.id


def _record(session: Session, proposal: DecisionProposal, *, as_second: bool, now: datetime) -> Review:
    """The final review: the proposing mentor's decision, or (settled as returned) the second mentor's."""
    if as_second:
        return review_version(session, version=proposal.submission_version, mentor=proposal.second_mentor,
                              decision=Decision.RETURNED, points_by_criterion=proposal.second_points(),
                              feedback_md=proposal.second_feedback_md, now=now)
    return review_version(session, version=proposal.submission_version, mentor=proposal.mentor,
                          decision=proposal.decision, points_by_criterion=proposal.points(),
                          feedback_md=proposal.feedback_md, now=now)


def release(session: Session, *, proposal: DecisionProposal, actor: User, now: datetime) -> Review:
    """An organizer or lead mentor lets a held decision reach the learner (audit-logged). Raises NotOpen
    when it is no longer held, and what `review_version` raises (e.g. NotLatestVersion when the learner
    has submitted again since: send it back then)."""
    if proposal.state != ProposalState.HELD:
        raise NotOpen()
    review = _record(session, proposal, as_second=False, now=now)
    _close(proposal, ProposalState.RELEASED, actor, now, review)
    audit.record(session, actor, "decision_proposal.release", "decision_proposal", proposal.id,
                 before={"state": ProposalState.HELD.value}, after={"state": proposal.state.value,
                                                                    "review_id": review.id})
    session.flush()
    return review


def send_back(session: Session, *, proposal: DecisionProposal, actor: User, now: datetime, note: str) -> None:
    """Back to its mentor, with the releaser's note: the held scores and feedback become the mentor's draft
    again while the submission still waits for review. Raises NotOpen when it is no longer held."""
    if proposal.state != ProposalState.HELD:
        raise NotOpen()
    _close(proposal, ProposalState.SENT_BACK, actor, now)
    proposal.note = note.strip() or None
    audit.record(session, actor, "decision_proposal.send_back", "decision_proposal", proposal.id,
                 before={"state": ProposalState.HELD.value}, after={"state": proposal.state.value})
    session.flush()
    submission = proposal.submission_version.submission
    if proposal.submission_version.number == submission.latest_version_number:
        try:
            # The feedback was accepted once already: its own length is the limit here.
            save_review_draft(session, submission=submission, mentor=proposal.mentor,
                              points_by_criterion=proposal.points(), feedback_md=proposal.feedback_md, now=now,
                              max_feedback_chars=len(proposal.feedback_md))
        except NotAwaitingReview:
            pass  # withdrawn or decided since: there is nothing to draft for


def second_review(session: Session, *, proposal: DecisionProposal, mentor: User, now: datetime, agree: bool,
                  points_by_criterion: dict[int, int], feedback_md: str) -> Review | None:
    """The second mentor's own scores on a moderated acceptance. Agreeing (their scores must reach the pass
    mark too) makes the proposing mentor's acceptance final and returns its review; disagreeing needs
    feedback for the learner and leaves it to an organizer (None). Raises NotOpen, SameMentor, and what
    `check_decision` raises; writes nothing then."""
    if proposal.state != ProposalState.AWAITING_SECOND:
        raise NotOpen()
    if mentor.id == proposal.mentor_id:
        raise SameMentor()
    feedback_md = (feedback_md or "").replace("\r\n", "\n").strip()
    if not agree and not feedback_md:
        raise FeedbackRequired()
    check_decision(proposal.submission_version, decision=Decision.ACCEPTED if agree else Decision.RETURNED,
                   points_by_criterion=points_by_criterion, feedback_md=feedback_md or proposal.feedback_md)
    proposal.second_mentor = mentor
    proposal.second_points_by_criterion = {str(cid): p for cid, p in sorted(points_by_criterion.items())}
    proposal.second_feedback_md = feedback_md or None
    proposal.second_reviewed_at = now
    if not agree:
        proposal.state = ProposalState.DISPUTED
        session.flush()
        return None
    review = _record(session, proposal, as_second=False, now=now)
    _close(proposal, ProposalState.AGREED, mentor, now, review)
    session.flush()
    return review


def settle(session: Session, *, proposal: DecisionProposal, actor: User, now: datetime, accept: bool) -> Review:
    """An organizer decides a disputed acceptance: accepted as the first mentor proposed, or returned with
    the second mentor's scores and feedback (audit-logged). Raises NotOpen and what `review_version` raises."""
    if proposal.state != ProposalState.DISPUTED:
        raise NotOpen()
    review = _record(session, proposal, as_second=not accept, now=now)
    _close(proposal, ProposalState.SETTLED, actor, now, review)
    audit.record(session, actor, "decision_proposal.settle", "decision_proposal", proposal.id,
                 before={"state": ProposalState.DISPUTED.value},
                 after={"state": proposal.state.value, "decision": review.decision.value, "review_id": review.id})
    session.flush()
    return review


def may_release(session: Session, user: User, cohort_id: int) -> bool:
    """Organizers and administrators, and the cohort's lead mentors."""
    if user.role in (Role.ORGANIZER, Role.ADMIN):
        return True
    link = assignment(session, cohort_id, user.id) if user.role == Role.MENTOR else None
    return link is not None and link.is_lead


def cohort_open_proposals(session: Session, cohort_id: int) -> list[DecisionProposal]:
    """The cohort's open proposals, oldest first, with learner, exercise and mentors. One query."""
    return list(session.scalars(
        select(DecisionProposal).join(DecisionProposal.submission_version).join(SubmissionVersion.submission)
        .join(Submission.enrolment)
        .where(Enrolment.cohort_id == cohort_id, DecisionProposal.state.in_(OPEN_PROPOSAL_STATES))
        .options(joinedload(DecisionProposal.mentor), joinedload(DecisionProposal.second_mentor),
                 joinedload(DecisionProposal.submission_version).joinedload(SubmissionVersion.submission)
                 .joinedload(Submission.enrolment).joinedload(Enrolment.user),
                 joinedload(DecisionProposal.submission_version).joinedload(SubmissionVersion.submission)
                 .joinedload(Submission.exercise))
        .order_by(DecisionProposal.proposed_at, DecisionProposal.id)))


def proposal_in_cohort(session: Session, proposal_id: int, cohort_id: int) -> DecisionProposal | None:
    return session.scalar(
        select(DecisionProposal).join(DecisionProposal.submission_version).join(SubmissionVersion.submission)
        .join(Submission.enrolment).where(DecisionProposal.id == proposal_id, Enrolment.cohort_id == cohort_id))


def update_checks(session: Session, *, cohort: Cohort, actor: User, release_gate: bool,
                  release_gate_decisions: int | None, moderation: bool, lead_ids: set[int],
                  trusted_ids: set[int]) -> None:
    """Set the cohort's review checks and which of its mentors are lead or trusted (audit-logged)."""
    links = list(session.scalars(select(MentorAssignment).where(MentorAssignment.cohort_id == cohort.id)))

    def state() -> dict:
        return {"release_gate": cohort.release_gate, "release_gate_decisions": cohort.release_gate_decisions,
                "moderation": cohort.moderation,
                "lead": sorted(a.user_id for a in links if a.is_lead),
                "trusted": sorted(a.user_id for a in links if a.is_trusted)}

    before = state()
    cohort.release_gate, cohort.release_gate_decisions = release_gate, release_gate_decisions
    cohort.moderation = moderation
    for link in links:
        link.is_lead, link.is_trusted = link.user_id in lead_ids, link.user_id in trusted_ids
    after = state()
    if after != before:
        audit.record(session, actor, "cohort.review_checks", "cohort", cohort.id, before=before, after=after)
    session.flush()
