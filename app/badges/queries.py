"""Reading credentials: the learner's own, the organizers' list, the revoked status list indexes."""

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from app.auth.models import User
from app.badges.models import Credential, CredentialStatus
from app.cohorts.models import Enrolment
from app.completions.models import CompletionRecord, completion_accepted_version
from app.content.models import Exercise
from app.core.bilingual import Bilingual
from app.submissions.models import Submission, SubmissionVersion


def revoked_indexes(session: Session, issuer_id: int) -> set[int]:
    return set(session.scalars(select(Credential.status_list_index).where(
        Credential.issuer_id == issuer_id, Credential.status == CredentialStatus.REVOKED)))


def index_is_revoked(session: Session, issuer_id: int, index: int) -> bool:
    """Whether the issuer's credential at status list `index` is revoked (one row, by its unique index)."""
    return session.scalar(select(Credential.id).where(
        Credential.issuer_id == issuer_id, Credential.status_list_index == index,
        Credential.status == CredentialStatus.REVOKED)) is not None


def learner_credentials(session: Session, learner: User) -> list[Credential]:
    return list(session.scalars(select(Credential).where(Credential.recipient_id == learner.id)
                                .order_by(Credential.created_at.desc())))


def credentials_to_manage(session: Session, status: CredentialStatus | None, limit: int) -> list[Credential]:
    """The newest `limit` credentials (only those in `status`, if given), with what the list shows."""
    query = (select(Credential).options(joinedload(Credential.achievement), joinedload(Credential.recipient),
                                        joinedload(Credential.completion_record).joinedload(CompletionRecord.enrolment)
                                        .joinedload(Enrolment.cohort))
             .order_by(Credential.created_at.desc()))
    if status is not None:
        query = query.where(Credential.status == status)
    return list(session.scalars(query.limit(limit)))


@dataclass(frozen=True)
class AcceptedExercise:
    slug: str
    title_ja: str
    title_en: str

    title = Bilingual("title_{}")


# Built once: SQLAlchemy works out a new statement's cache key on every use, a tenth of the public badge page.
_ACCEPTED_EXERCISES = (
    select(Exercise.slug, Exercise.title_ja, Exercise.title_en)
    .join(Submission, Submission.exercise_id == Exercise.id)
    .join(SubmissionVersion, SubmissionVersion.submission_id == Submission.id)
    .join(completion_accepted_version, completion_accepted_version.c.submission_version_id == SubmissionVersion.id)
    .where(completion_accepted_version.c.completion_record_id == bindparam("record_id"))
    .order_by(Exercise.position))


def accepted_exercises(session: Session, completion_record_id: int) -> list[AcceptedExercise]:
    """The exercises a completion record accepted, in the module's order: only the columns a public page
    shows (loading the exercises whole, briefs and all, took longer than the rest of the page)."""
    return [AcceptedExercise(*row) for row in session.execute(_ACCEPTED_EXERCISES,
                                                              {"record_id": completion_record_id})]
