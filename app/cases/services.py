"""Nominating accepted work, the authors' consent and publishing. Services flush; the request commits (and
the consent request's mail waits for that commit, app/notifications/mailing.py)."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.auth import audit
from app.auth.models import Role, User
from app.cases.models import CaseConsent, CaseNomination, ConsentState
from app.cohorts.models import Enrolment
from app.cohorts.services import is_mentor_of
from app.groups.models import GroupMembership
from app.notifications.mailing import mail_notifications
from app.notifications.models import NotificationKind
from app.notifications.services import create_notification
from app.submissions.models import Submission, SubmissionStatus

NOTE_LIMIT = 2000


class CaseRefused(Exception):
    """A change to a nomination that its rules refuse."""


class NotAccepted(CaseRefused):
    """Only accepted work can be nominated."""


class AlreadyNominated(CaseRefused):
    """This work has been nominated before."""


class NotAMentorOfCohort(CaseRefused):
    """The nominator neither mentors the work's cohort nor runs the programme."""


class NotAnAuthor(CaseRefused):
    """Consent to share work is its authors' alone."""


class ConsentClosed(CaseRefused):
    """The author declined or withdrew: that answer is final."""


class NotConsented(CaseRefused):
    """Some author has not consented (yet), so the case cannot be published."""


def may_nominate(session: Session, user: User, submission: Submission) -> bool:
    """Mentors of the work's cohort, organizers and administrators."""
    return user.role in (Role.ORGANIZER, Role.ADMIN) or (
        user.role == Role.MENTOR and is_mentor_of(session, user, submission.enrolment.cohort_id))


def author_ids(session: Session, submission: Submission) -> list[int]:
    """Whose work it is: the learner, or every member of the group for a group's work."""
    if submission.group_id is None:
        return [submission.enrolment.user_id]
    return list(session.scalars(select(Enrolment.user_id).join(GroupMembership,
                                                               GroupMembership.enrolment_id == Enrolment.id)
                                .where(GroupMembership.group_id == submission.group_id).order_by(Enrolment.user_id)))


def is_nominated(session: Session, submission: Submission) -> bool:
    return session.scalar(select(CaseNomination.id).where(CaseNomination.submission_id == submission.id)) is not None


def nominate(session: Session, *, submission: Submission, nominator: User, note: str, now: datetime) -> CaseNomination:
    """Nominate accepted work as exemplary, with the nominator's note on why, and ask each author for
    consent (a notification). Raises NotAMentorOfCohort, NotAccepted or AlreadyNominated."""
    if not may_nominate(session, nominator, submission):
        raise NotAMentorOfCohort()
    if submission.status != SubmissionStatus.ACCEPTED:
        raise NotAccepted()
    if is_nominated(session, submission):
        raise AlreadyNominated()
    # Accepted work is final: its latest version is the accepted one.
    version = submission.versions[-1]
    nomination = CaseNomination(submission=submission, submission_version=version, nominated_by=nominator,
                                note=note.strip(), nominated_at=now)
    authors = author_ids(session, submission)
    nomination.consents = [CaseConsent(user_id=user_id) for user_id in authors]
    # Two mentors nominating at the same moment: the unique constraint refuses the second, inside a
    # savepoint so that the request's transaction stays usable for the refusal page.
    try:
        with session.begin_nested():
            session.add(nomination)
    except IntegrityError:
        raise AlreadyNominated() from None
    notifications = [create_notification(session, recipient_id=user_id, kind=NotificationKind.CASE_CONSENT_ASKED,
                                         now=now, cohort_id=submission.enrolment.cohort_id,
                                         exercise_id=submission.exercise_id, submission_id=submission.id)
                     for user_id in authors]
    mail_notifications(session, notifications)
    return nomination


def consent_of(nomination: CaseNomination, user: User) -> CaseConsent:
    """`user`'s consent row of the nomination. Raises NotAnAuthor for anyone else."""
    consent = next((c for c in nomination.consents if c.user_id == user.id), None)
    if consent is None:
        raise NotAnAuthor()
    return consent


def answer(session: Session, *, nomination: CaseNomination, user: User, consents: bool, shows_name: bool,
           now: datetime) -> CaseConsent:
    """Record `user`'s answer: consent (with or without their name shown, which they may change while
    they consent) or a refusal. Refusing after consenting withdraws the consent: the case leaves the
    library at once, since every read of it asks for every author's consent. Raises NotAnAuthor, or
    ConsentClosed once they have declined or withdrawn."""
    consent = consent_of(nomination, user)
    if consent.state in (ConsentState.DECLINED, ConsentState.WITHDRAWN):
        raise ConsentClosed()
    if consents:
        consent.state, consent.shows_name = ConsentState.CONSENTED, shows_name
    else:
        consent.state = ConsentState.WITHDRAWN if consent.state == ConsentState.CONSENTED else ConsentState.DECLINED
        consent.shows_name = False
    consent.answered_at = now
    session.flush()
    return consent


def publish(session: Session, *, nomination: CaseNomination, organizer: User, now: datetime) -> None:
    """Put the case in the library. Raises NotConsented unless every author has consented."""
    if any(c.state != ConsentState.CONSENTED for c in nomination.consents):
        raise NotConsented()
    if nomination.published_at is None:
        nomination.published_at = now
        audit.record(session, organizer, "case.publish", "case_nomination", nomination.id,
                     before={"published": False}, after={"published": True})
        session.flush()


def unpublish(session: Session, *, nomination: CaseNomination, organizer: User) -> None:
    """Take the case out of the library (it may be published again)."""
    if nomination.published_at is not None:
        nomination.published_at = None
        audit.record(session, organizer, "case.unpublish", "case_nomination", nomination.id,
                     before={"published": True}, after={"published": False})
        session.flush()
