"""Issuing, approving, revoking and verifying badges. Services flush; the caller commits."""

import json
import re
import secrets
import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.auth import audit
from app.auth.models import User
from app.badges import documents, proofs, statuslist
from app.badges.keys import KeyStore, public_key_from_multibase
from app.badges.models import (Achievement, AchievementKind, Credential, CredentialStatus, IdentifierMethod, Issuer,
                               IssuerKey)
from app.badges.urls import BadgeUrls
from app.cohorts.models import Enrolment
from app.completions.models import CompletionRecord
from app.content.models import ModuleVersion
from app.reviews.models import Review

LEVEL_NAMES = {
    0: ("デジタルリテラシー", "Everyday digital literacy"),
    1: ("デジタル推進リーダー（レベル1）", "Digital promotion leader (level 1)"),
    2: ("DX推進人材（レベル2）", "DX promoter with stakeholders (level 2)"),
    3: ("新サービス創出人材（レベル3）", "Creator of new services (level 3)"),
}
_HOKKAIDO_LEVELS = ("北海道デジタル人材区分", "https://www.pref.hokkaido.lg.jp/ss/dtf/society5/society5_top.html")
_DSS = {
    0: ("DXリテラシー標準（DSS-L）", "DSS-L"),
    1: ("DXリテラシー標準（DSS-L）", "DSS-L"),
    2: ("DX推進スキル標準（DSS-P）ビジネスアーキテクト（社内業務の高度化・効率化）", "DSS-P-BA"),
    3: ("DX推進スキル標準（DSS-P）ビジネスアーキテクト（新規事業開発）", "DSS-P-BA-NEW"),
}
_DSS_URL = "https://www.meti.go.jp/policy/it_policy/jinzai/skill_standard/main.html"


REASONS = {
    "not_yet_valid": "the credential is not valid yet",
    "not_issued_here": "this assertion was not issued here",
    "differs_from_hosted": "the assertion differs from the one hosted by the issuer",
}


class BadgeError(Exception):
    pass


class NotAwaitingApproval(BadgeError):
    pass


class AlreadyRevoked(BadgeError):
    pass


class ReasonRequired(BadgeError):
    pass


@dataclass(frozen=True)
class IssuerDefaults:
    name_ja: str
    name_en: str
    url: str
    email: str
    uses_did_key: bool = False


class KeysCannotRotate(BadgeError):
    """A did:key issuer's identifier is its key; a new key would be a new issuer."""


def ensure_issuer(session: Session, keys: KeyStore, defaults: IssuerDefaults) -> Issuer:
    """The default issuer (the programme office), created with a signing key on first use."""
    issuer = session.scalar(select(Issuer).where(Issuer.organization_id.is_(None)).order_by(Issuer.id).limit(1))
    if issuer is None:
        issuer = Issuer(name_ja=defaults.name_ja, name_en=defaults.name_en, url=defaults.url, email=defaults.email,
                        identifier_method=IdentifierMethod.DID_KEY if defaults.uses_did_key else IdentifierMethod.HTTPS)
        session.add(issuer)
        session.flush()
    if issuer.signing_key is None:
        add_key(session, issuer, keys)
    return issuer


class IssuerExists(BadgeError):
    pass


def create_issuer(session: Session, *, organization_id: int, name_ja: str, name_en: str, url: str, email: str,
                  keys: KeyStore, actor: User, uses_did_key: bool = False) -> Issuer:
    """An issuer profile for an organization, with its own signing key. Raises IssuerExists."""
    if session.scalar(select(Issuer.id).where(Issuer.organization_id == organization_id)) is not None:
        raise IssuerExists()
    issuer = Issuer(organization_id=organization_id, name_ja=name_ja.strip(), name_en=name_en.strip(),
                    url=url.strip(), email=email.strip().lower(),
                    identifier_method=IdentifierMethod.DID_KEY if uses_did_key else IdentifierMethod.HTTPS)
    session.add(issuer)
    session.flush()
    add_key(session, issuer, keys)
    audit.record(session, actor, "issuer.create", "issuer", issuer.id, after={"name_ja": issuer.name_ja})
    return issuer


def add_key(session: Session, issuer: Issuer, keys: KeyStore, now: datetime | None = None) -> IssuerKey:
    """A new signing key; the previous one is retired from signing but stays published.
    Raises KeysCannotRotate for a did:key issuer that has its key already."""
    if issuer.identifier_method == IdentifierMethod.DID_KEY and issuer.keys:
        raise KeysCannotRotate()
    for key in issuer.keys:
        if key.retired_at is None and now is not None:
            key.retired_at = now
    number = max((k.number for k in issuer.keys), default=0) + 1
    key = IssuerKey(issuer=issuer, number=number, public_key_multibase=keys.generate())
    session.add(key)
    session.flush()
    return key


def _level_alignments(level: int, urls: BadgeUrls) -> list[dict]:
    dss_name, dss_code = _DSS[level]
    return [
        {"targetName": LEVEL_NAMES[level][0], "targetUrl": _HOKKAIDO_LEVELS[1],
         "targetFramework": _HOKKAIDO_LEVELS[0], "targetCode": f"level-{level}"},
        {"targetName": dss_name, "targetUrl": _DSS_URL, "targetFramework": "デジタルスキル標準 (METI/IPA)",
         "targetCode": dss_code},
    ]


def ensure_module_achievement(session: Session, issuer: Issuer, version: ModuleVersion,
                              urls: BadgeUrls) -> Achievement:
    """The achievement for completing `version`'s module, kept in step with its newest texts."""
    achievement = session.scalar(select(Achievement).where(Achievement.issuer_id == issuer.id,
                                                           Achievement.module_id == version.module_id))
    # Read before a new achievement joins the session, so no autoflush sends it half filled in.
    required = [e for e in version.exercises if e.is_required]
    if achievement is None:
        achievement = Achievement(issuer=issuer, kind=AchievementKind.MODULE, module_id=version.module_id)
        session.add(achievement)
    achievement.talent_level = version.target_level
    achievement.name_ja = f"{version.title_ja} 修了"
    achievement.name_en = f"Completed: {version.title_en}"
    achievement.description_ja = "；".join(o["ja"] for o in version.objectives) or version.title_ja
    achievement.description_en = "; ".join(o["en"] for o in version.objectives) or version.title_en
    achievement.criteria_ja = (f"シナリオ演習「{version.title_ja}」の必須課題{len(required)}件すべてについて、"
                               "メンターがルーブリックで評価し合格と判定したこと（各課題の合格基準点以上）。")
    achievement.criteria_en = (f"All {len(required)} required exercises of the scenario module “{version.title_en}” "
                               "were accepted by a mentor scoring them with the rubric, each at or above its "
                               "pass threshold.")
    achievement.alignments = _level_alignments(version.target_level, urls)
    achievement.tags = ["Hokkaido", "DX", "演習", version.module.slug, f"level-{version.target_level}"]
    session.flush()
    return achievement


def ensure_level_achievements(session: Session, issuer: Issuer, urls: BadgeUrls) -> list[Achievement]:
    """One achievement per talent level (earned through learning paths of module badges)."""
    existing = {a.talent_level: a for a in session.scalars(select(Achievement).where(
        Achievement.issuer_id == issuer.id, Achievement.kind == AchievementKind.TALENT_LEVEL))}
    for level in range(1, 4):
        if level not in existing:
            ja, en = LEVEL_NAMES[level]
            existing[level] = Achievement(
                issuer=issuer, kind=AchievementKind.TALENT_LEVEL, talent_level=level, name_ja=ja, name_en=en,
                description_ja=f"北海道のデジタル人材区分で{ja}に達したことを示します。",
                description_en=f"Shows that the holder reached “{en}” in Hokkaido's digital talent categories.",
                criteria_ja=f"レベル{level}の学習パスに含まれるモジュールのバッジをすべて取得したこと。",
                criteria_en=f"Holds the badges of every module in the level {level} learning path.",
                alignments=_level_alignments(level, urls), tags=["Hokkaido", "DX", f"level-{level}"])
            session.add(existing[level])
    session.flush()
    return [existing[level] for level in sorted(existing)]


def _evidence(record: CompletionRecord, credential: Credential, session: Session, urls: BadgeUrls) -> list[dict]:
    """What the learner did: each accepted deliverable (linked only with the learner's consent),
    and the cohort with its completion date."""
    versions = sorted(record.accepted_versions, key=lambda v: v.submission.exercise.position)
    reviews = {r.submission_version_id: r for r in session.scalars(
        select(Review).where(Review.submission_version_id.in_([v.id for v in versions])))}
    evidence = []
    for version in versions:
        exercise, review = version.submission.exercise, reviews.get(version.id)
        item = {"type": ["Evidence"], "name": exercise.title_ja,
                "description": exercise.title_en,
                "narrative": (f"第{version.number}版を{version.submitted_at:%Y-%m-%d}に提出し、合格"
                              + (f"（{review.total_points}/{review.max_points}点）" if review else "") + "。")}
        if credential.evidence_public:
            item["id"] = urls.evidence(credential.uuid, exercise.slug)
        evidence.append(item)
    cohort = record.enrolment.cohort
    evidence.append({"type": ["Evidence"], "name": f"受講期: {cohort.name}",
                     "narrative": f"修了日 {record.completed_at:%Y-%m-%d}。得点率 {record.score_percent:.1f}%。"})
    return evidence


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


def _sign(session: Session, credential: Credential, keys: KeyStore, urls: BadgeUrls, now: datetime) -> None:
    record = credential.completion_record
    document = documents.ob3_credential(credential, credential.recipient.email,
                                        _evidence(record, credential, session, urls), now, urls)
    key = credential.issuer.signing_key
    signed = proofs.sign(document, keys.private_key(key.public_key_multibase),
                         documents.verification_method(key, urls), now)
    credential.ob3_json = json.dumps(signed, ensure_ascii=False, separators=(",", ":"))
    credential.issued_at = now
    credential.status = CredentialStatus.ISSUED


def create_credential(session: Session, record: CompletionRecord, *, keys: KeyStore, urls: BadgeUrls,
                      defaults: IssuerDefaults, now: datetime) -> Credential:
    """The badge for a completion record: signed and issued at once, or waiting for approval when
    the cohort asks for it. A second call for the same record fails on the unique constraint."""
    issuer = ensure_issuer(session, keys, defaults)
    # Taking the index first locks the issuer's row, so simultaneous first badges of a module wait
    # here and then find the achievement the first one made.
    status_list_index = _next_status_index(session, issuer)
    achievement = ensure_module_achievement(session, issuer, record.module_version, urls)
    learner = record.enrolment.user
    credential = Credential(uuid=str(uuidlib.uuid4()), completion_record=record, achievement=achievement,
                            issuer=issuer, recipient=learner, status=CredentialStatus.AWAITING_APPROVAL,
                            status_list_index=status_list_index,
                            recipient_salt=secrets.token_hex(16), display_name=learner.display_name,
                            evidence_public=learner.publishes_badge_evidence)
    session.add(credential)
    session.flush()
    if not record.enrolment.cohort.badges_need_approval:
        _sign(session, credential, keys, urls, now)
    session.flush()
    return credential


def records_awaiting_credential(session: Session, record_ids: list[int] | None = None) -> list[int]:
    """Ids of completion records that have no credential yet, oldest first."""
    query = (select(CompletionRecord.id).outerjoin(Credential, Credential.completion_record_id == CompletionRecord.id)
             .where(Credential.id.is_(None)).order_by(CompletionRecord.id))
    if record_ids is not None:
        query = query.where(CompletionRecord.id.in_(record_ids))
    return list(session.scalars(query))


def approve(session: Session, credential: Credential, *, actor: User, keys: KeyStore, urls: BadgeUrls,
            now: datetime, narrative: str | None = None) -> None:
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


def revoke(session: Session, credential: Credential, *, reason: str, actor: User, now: datetime) -> None:
    """Revoke with a reason: the status list bit is set and the OB 2.0 assertion answers 410 Gone."""
    if not reason or not reason.strip():
        raise ReasonRequired()
    if credential.status == CredentialStatus.REVOKED:
        raise AlreadyRevoked()
    before = {"status": credential.status}
    credential.status = CredentialStatus.REVOKED
    credential.revoked_at = now
    credential.revocation_reason = reason.strip()
    audit.record(session, actor, "badge.revoke", "credential", credential.id, before=before,
                 after={"status": credential.status, "reason": credential.revocation_reason})
    session.flush()


def revoked_indexes(session: Session, issuer_id: int) -> set[int]:
    return set(session.scalars(select(Credential.status_list_index).where(
        Credential.issuer_id == issuer_id, Credential.status == CredentialStatus.REVOKED)))


def signed_status_list(session: Session, issuer: Issuer, *, keys: KeyStore, urls: BadgeUrls,
                       now: datetime) -> dict:
    document = documents.status_list_credential(issuer, revoked_indexes(session, issuer.id), now, urls)
    key = issuer.signing_key
    return proofs.sign(document, keys.private_key(key.public_key_multibase), documents.verification_method(key, urls),
                       now)


# Verification ----------------------------------------------------------------------------------

@dataclass
class VerificationReport:
    """genuine: signature and status check out; revoked; altered: the proof does not match;
    unknown: not a credential of ours, or not valid yet. `reasons` are codes (REASONS, proofs.REASONS)
    except for a revocation, whose reason is the organizer's text."""
    outcome: str
    reasons: list[str] = field(default_factory=list)
    credential: Credential | None = None
    document: dict | None = None


def _key_resolver(session: Session, urls: BadgeUrls):
    def resolve(verification_method: str):
        for key in session.scalars(select(IssuerKey)):
            if documents.verification_method(key, urls) == verification_method:
                return (public_key_from_multibase(key.public_key_multibase),
                        documents.issuer_identifier(key.issuer, urls))
        return None
    return resolve


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _credential_by_id(session: Session, value, prefix: str) -> Credential | None:
    """The credential whose id is `prefix` + its uuid. Only a well-formed uuid reaches the database:
    a NUL or a lone surrogate in an uploaded id would make the driver fail."""
    if not isinstance(value, str) or not value.startswith(prefix) or not _UUID.fullmatch(value[len(prefix):]):
        return None
    return session.scalar(select(Credential).where(Credential.uuid == value[len(prefix):]))


def _status_list_index(document: dict) -> int | None:
    status = document.get("credentialStatus")
    index = status.get("statusListIndex") if isinstance(status, dict) else None
    return int(index) if isinstance(index, (str, int)) and str(index).isdecimal() else None


def verify_document(session: Session, document: dict, urls: BadgeUrls, now: datetime) -> VerificationReport:
    """Check an OB 3.0 credential (proof, issuer, dates, revocation) or an OB 2.0 hosted assertion.
    Any JSON object is accepted: a field of the wrong type makes the credential unknown or altered."""
    if document.get("type") == "Assertion" or "badge" in document:
        return _verify_ob2(session, document, urls)
    try:
        proofs.verify(document, _key_resolver(session, urls))
    except proofs.ProofInvalid as e:
        return VerificationReport("altered", [e.code], document=document)
    credential = _credential_by_id(session, document.get("id"), "urn:uuid:")
    valid_from = str(document.get("validFrom", ""))
    if valid_from and valid_from > documents.iso(now):
        return VerificationReport("unknown", ["not_yet_valid"], credential, document)
    index = _status_list_index(document)
    if credential is not None and index is not None and index in revoked_indexes(session, credential.issuer_id):
        return VerificationReport("revoked", [credential.revocation_reason or ""], credential, document)
    return VerificationReport("genuine", [], credential, document)


def _verify_ob2(session: Session, document: dict, urls: BadgeUrls) -> VerificationReport:
    credential = _credential_by_id(session, document.get("id"), urls.ob2_assertion(""))
    if credential is None:
        return VerificationReport("unknown", ["not_issued_here"], document=document)
    if credential.status == CredentialStatus.REVOKED:
        return VerificationReport("revoked", [credential.revocation_reason or ""], credential, document)
    hosted = documents.ob2_assertion(credential, credential.recipient.email, urls)
    if {k: v for k, v in document.items() if k != "image"} != hosted:
        return VerificationReport("altered", ["differs_from_hosted"], credential, document)
    return VerificationReport("genuine", [], credential, document)


def update_public_settings(credential: Credential, *, display_name: str, evidence_public: bool) -> None:
    """The learner's choices for the public page: the name shown and whether accepted work can be read."""
    credential.display_name = display_name.strip()
    credential.evidence_public = evidence_public


def learner_credentials(session: Session, learner: User) -> list[Credential]:
    return list(session.scalars(select(Credential).where(Credential.recipient_id == learner.id)
                                .order_by(Credential.created_at.desc())))
