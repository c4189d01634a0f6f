"""Issuing credentials: created for a completion record, signed at once or after an organizer's
approval. Services flush; the caller commits."""

import json
import secrets
import uuid as uuidlib
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from app.auth import audit
from app.auth.models import User
from app.badges import documents, proofs, statuslist
from app.badges.achievements import ensure_level_achievements, ensure_module_achievement
from app.badges.errors import BadgeError, NotAwaitingApproval
from app.badges.issuers import IssuerDefaults, ensure_issuer
from app.badges.keys import KeyStore
from app.badges.models import Credential, CredentialStatus, Issuer
from app.badges.signals import credential_issued
from app.badges.urls import BadgeUrls
from app.cohorts.models import Enrolment
from app.completions.models import CompletionRecord, completion_accepted_version
from app.content.models import Exercise, ModuleVersion
from app.groups.models import CohortGroup, GroupMembership
from app.reviews.models import Review
from app.submissions.models import Submission, SubmissionVersion


def _evidence(record: CompletionRecord, credential: Credential, session: Session, urls: BadgeUrls) -> list[dict]:
    """What the learner did: each accepted deliverable (linked only with the learner's consent),
    and the cohort with its completion date."""
    # One query of the few values the evidence names (loading the versions as objects cost more than signing).
    accepted = session.execute(
        select(SubmissionVersion.number, SubmissionVersion.submitted_at, Submission.group_id, Exercise.slug,
               Exercise.title_ja, Exercise.title_en, Review.total_points, Review.max_points)
        .join(completion_accepted_version,
              completion_accepted_version.c.submission_version_id == SubmissionVersion.id)
        .join(Submission, Submission.id == SubmissionVersion.submission_id)
        .join(Exercise, Exercise.id == Submission.exercise_id)
        .outerjoin(Review, Review.submission_version_id == SubmissionVersion.id)
        .where(completion_accepted_version.c.completion_record_id == record.id)
        .order_by(Exercise.position))
    evidence = []
    for number, submitted_at, group_id, slug, title_ja, title_en, total_points, max_points in accepted:
        item = {"type": ["Evidence"], "name": title_ja,
                "description": title_en,
                "narrative": (f"第{number}版を{submitted_at:%Y-%m-%d}に提出し、合格"
                              + (f"（{total_points}/{max_points}点）" if max_points is not None else "") + "。"
                              + _group_work(session, group_id))}
        if credential.evidence_public:
            item["id"] = urls.evidence(credential.uuid, slug)
        evidence.append(item)
    cohort = record.enrolment.cohort
    evidence.append({"type": ["Evidence"], "name": f"受講期: {cohort.name}",
                     "narrative": f"修了日 {record.completed_at:%Y-%m-%d}。得点率 {record.score_percent:.1f}%。"})
    return evidence


def _group_work(session: Session, group_id: int | None) -> str:
    """For a group's work: the group and its members, as the evidence names them (else nothing)."""
    if group_id is None:
        return ""
    members = session.scalars(select(User.display_name).join(Enrolment, Enrolment.user_id == User.id)
                              .join(GroupMembership, GroupMembership.enrolment_id == Enrolment.id)
                              .where(GroupMembership.group_id == group_id).order_by(User.display_name))
    return f"班で提出: {session.get(CohortGroup, group_id).name}（{'、'.join(members)}）。"


def _next_status_index(session: Session, issuer: Issuer) -> int:
    """The issuer's next free status list index, taken in one UPDATE so that credentials created at
    the same moment never share one (the row stays locked until commit)."""
    table = Issuer.__table__
    taken = session.execute(update(table).where(table.c.id == issuer.id)
                            .values(next_status_list_index=table.c.next_status_list_index + 1)
                            .returning(table.c.next_status_list_index)).scalar_one() - 1
    session.expire(issuer, ["next_status_list_index"])
    if taken >= statuslist.LIST_LENGTH:
        raise BadgeError("the issuer's status list is full")
    return taken


def _sign(session: Session, credential: Credential, keys: KeyStore, urls: BadgeUrls, now: datetime,
          evidence: list[dict] | None = None) -> None:
    """Sign and issue; the evidence is the completion record's unless given (a level badge's)."""
    # A new credential is written once, signed: the evidence's queries read nothing it writes.
    with session.no_autoflush:
        if evidence is None:
            evidence = _evidence(credential.completion_record, credential, session, urls)
        document = documents.ob3_credential(credential, credential.recipient.email, evidence, now, urls)
    key = credential.issuer.signing_key
    signed = proofs.sign(document, keys.private_key(key.public_key_multibase),
                         documents.verification_method(key, urls), now)
    credential.ob3_json = json.dumps(signed, ensure_ascii=False, separators=(",", ":"))
    credential.issued_at = now
    credential.status = CredentialStatus.ISSUED
    session.flush()
    credential_issued.send(session, credential=credential, now=now)


def create_credential(session: Session, record: CompletionRecord, *, keys: KeyStore, urls: BadgeUrls,
                      defaults: IssuerDefaults, now: datetime) -> Credential:
    """The badge for a completion record: signed and issued at once, or waiting for approval when
    the cohort asks for it. A second call for the same record fails on the unique constraint."""
    issuer = ensure_issuer(session, keys, defaults)
    # Taking the index first locks the issuer's row, so simultaneous first badges of a module wait
    # here and then find the achievement the first one made.
    status_list_index = _next_status_index(session, issuer)
    achievement = ensure_module_achievement(session, issuer, record.module_version)
    learner = record.enrolment.user
    credential = Credential(uuid=str(uuidlib.uuid4()), completion_record=record, achievement=achievement,
                            issuer=issuer, recipient=learner, status=CredentialStatus.AWAITING_APPROVAL,
                            status_list_index=status_list_index,
                            recipient_salt=secrets.token_hex(16), display_name=learner.display_name,
                            evidence_public=learner.publishes_badge_evidence)
    session.add(credential)
    if not record.enrolment.cohort.badges_need_approval:
        _sign(session, credential, keys, urls, now)  # inserted signed, in one statement
    session.flush()
    return credential


def component_evidence(component: Credential, urls: BadgeUrls) -> dict:
    """A level badge's evidence item for one component credential: its id and public page."""
    return {"type": ["Evidence"], "id": urls.public_page(component.uuid), "name": component.achievement.name_ja,
            "description": component.achievement.name_en,
            "narrative": f"構成バッジ urn:uuid:{component.uuid}（{component.issued_at:%Y-%m-%d}発行）。"}


def create_level_credential(session: Session, learner: User, level: int, evidence: list[dict], *, keys: KeyStore,
                            urls: BadgeUrls, defaults: IssuerDefaults, now: datetime) -> Credential:
    """The talent level badge of `level` for `learner`, signed and issued at once with `evidence` (the
    component credentials it was earned with, see component_evidence). Sends credential_issued."""
    issuer = ensure_issuer(session, keys, defaults)
    status_list_index = _next_status_index(session, issuer)
    achievement = next(a for a in ensure_level_achievements(session, issuer) if a.talent_level == level)
    credential = Credential(uuid=str(uuidlib.uuid4()), achievement=achievement, issuer=issuer, recipient=learner,
                            status=CredentialStatus.AWAITING_APPROVAL, status_list_index=status_list_index,
                            recipient_salt=secrets.token_hex(16), display_name=learner.display_name,
                            evidence_public=learner.publishes_badge_evidence)
    session.add(credential)
    _sign(session, credential, keys, urls, now, evidence)
    return credential


def completion_record(session: Session, record_id: int) -> CompletionRecord | None:
    """The completion record with what its credential is made of (learner, cohort, module version and
    module) in one query, not one per object as they are read (also when they are in the session
    already, as after the commit of the decision that completed the module)."""
    enrolment, version = joinedload(CompletionRecord.enrolment), joinedload(CompletionRecord.module_version)
    return session.get(CompletionRecord, record_id, populate_existing=True, options=[
        enrolment.joinedload(Enrolment.user), enrolment.joinedload(Enrolment.cohort),
        version.joinedload(ModuleVersion.module)])


def records_awaiting_credential(session: Session, record_ids: list[int] | None = None) -> list[int]:
    """Ids of completion records that have no credential yet, oldest first."""
    query = (select(CompletionRecord.id).outerjoin(Credential, Credential.completion_record_id == CompletionRecord.id)
             .where(Credential.id.is_(None)).order_by(CompletionRecord.id))
    if record_ids is not None:
        query = query.where(CompletionRecord.id.in_(record_ids))
    return list(session.scalars(query))


def approve(session: Session, credential: Credential, *, actor: User, keys: KeyStore, urls: BadgeUrls,
            now: datetime, narrative: str | None = None) -> None:
    """Sign and issue a badge that waits for approval. Raises NotAwaitingApproval."""
    if credential.status != CredentialStatus.AWAITING_APPROVAL:
        raise NotAwaitingApproval()
    if narrative:
        credential.narrative = narrative.strip()
    _sign(session, credential, keys, urls, now)
    audit.record(session, actor, "badge.approve", "credential", credential.id, after={"uuid": credential.uuid})
    session.flush()


def approve_cohort(session: Session, cohort_id: int, *, actor: User, keys: KeyStore, urls: BadgeUrls,
                   now: datetime, narrative: str | None) -> int:
    """Issue every badge of a cohort that waits for approval, with one narrative. Returns how many."""
    waiting = session.scalars(
        select(Credential).join(Credential.completion_record).join(CompletionRecord.enrolment)
        .where(Credential.status == CredentialStatus.AWAITING_APPROVAL, Enrolment.cohort_id == cohort_id)).all()
    for credential in waiting:
        approve(session, credential, actor=actor, keys=keys, urls=urls, now=now, narrative=narrative)
    return len(waiting)
