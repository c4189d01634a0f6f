"""The JSON-LD documents of Open Badges 3.0 and 2.0, built from our records."""

import hashlib
from datetime import datetime

from app.badges import statuslist
from app.badges.ld import DID_V1, MULTIKEY_V1, OB_V2, OB_V3, VC_V2, date_time
from app.badges.models import Achievement, AchievementKind, Credential, IdentifierMethod, Issuer, IssuerKey
from app.badges.urls import BadgeUrls


def identity_hash(email: str, salt: str) -> str:
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


def issuer_identifier(issuer: Issuer, urls: BadgeUrls) -> str:
    if issuer.identifier_method == IdentifierMethod.DID_KEY:
        return f"did:key:{issuer.keys[0].public_key_multibase}"
    return urls.issuer(issuer.id)


def verification_method(key: IssuerKey, urls: BadgeUrls) -> str:
    if key.issuer.identifier_method == IdentifierMethod.DID_KEY:
        return f"did:key:{key.public_key_multibase}#{key.public_key_multibase}"
    return urls.key(key.issuer_id, key.fragment)


def controller_document(issuer: Issuer, urls: BadgeUrls) -> dict:
    """Served at the issuer id: every key, old and new, so old credentials keep verifying."""
    issuer_id = urls.issuer(issuer.id)
    methods = [{"id": urls.key(issuer.id, k.fragment), "type": "Multikey", "controller": issuer_id,
                "publicKeyMultibase": k.public_key_multibase} for k in issuer.keys]
    return {"@context": [DID_V1, MULTIKEY_V1], "id": issuer_id, "verificationMethod": methods,
            "assertionMethod": [m["id"] for m in methods]}


def issuer_profile(issuer: Issuer, urls: BadgeUrls) -> dict:
    return {"id": issuer_identifier(issuer, urls), "type": ["Profile"], "name": issuer.name_ja, "url": issuer.url,
            "email": issuer.email, "description": issuer.name_en}


def _alignments(achievement: Achievement) -> list[dict]:
    return [{"type": ["Alignment"], **{k: v for k, v in a.items() if v}} for a in achievement.alignments]


def achievement_document(achievement: Achievement, urls: BadgeUrls) -> dict:
    document = {
        "id": urls.achievement(achievement.id),
        "type": ["Achievement"],
        "achievementType": "Certificate" if achievement.kind == AchievementKind.MODULE else "Badge",
        "name": achievement.name_ja,
        "description": f"{achievement.description_ja}\n\n{achievement.name_en}: {achievement.description_en}",
        "criteria": {"narrative": f"{achievement.criteria_ja}\n\n{achievement.criteria_en}"},
        "image": {"id": urls.achievement_image(achievement.id), "type": "Image", "caption": achievement.name_ja},
        "inLanguage": "ja",
        "tag": list(achievement.tags),
        "creator": issuer_profile(achievement.issuer, urls),
    }
    alignments = _alignments(achievement)
    if alignments:
        document["alignment"] = alignments
    return document


def ob3_credential(credential: Credential, email: str, evidence: list[dict], issued_at: datetime,
                   urls: BadgeUrls) -> dict:
    """The unsigned OpenBadgeCredential for `credential`."""
    achievement = credential.achievement
    status_url = urls.status_list(credential.issuer.id)
    document = {
        "@context": [VC_V2, OB_V3],
        "id": f"urn:uuid:{credential.uuid}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement.name_ja,
        "description": achievement.description_ja,
        "issuer": issuer_profile(credential.issuer, urls),
        "validFrom": date_time(issued_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "hashed": True,
                            "identityHash": identity_hash(email, credential.recipient_salt),
                            "identityType": "emailAddress", "salt": credential.recipient_salt}],
            "achievement": achievement_document(achievement, urls),
        },
        "credentialStatus": {
            "id": f"{status_url}#{credential.status_list_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(credential.status_list_index),
            "statusListCredential": status_url,
        },
    }
    if evidence:
        document["evidence"] = evidence
    if credential.narrative:
        document["credentialSubject"]["narrative"] = credential.narrative
    return document


def status_list_credential(issuer: Issuer, revoked_indexes: set[int], valid_from: datetime,
                           urls: BadgeUrls) -> dict:
    status_url = urls.status_list(issuer.id)
    return {
        "@context": [VC_V2],
        "id": status_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_identifier(issuer, urls),
        "validFrom": date_time(valid_from),
        "credentialSubject": {"id": f"{status_url}#list", "type": "BitstringStatusList",
                              "statusPurpose": "revocation", "encodedList": statuslist.encode(revoked_indexes)},
    }


# Open Badges 2.0 (hosted verification): the same origin serves issuer, badge class and assertion.

def ob2_issuer(issuer: Issuer, urls: BadgeUrls) -> dict:
    return {"@context": OB_V2, "type": "Issuer", "id": urls.ob2_issuer(issuer.id), "name": issuer.name_ja,
            "url": issuer.url, "email": issuer.email, "description": issuer.name_en}


def ob2_badge_class(achievement: Achievement, urls: BadgeUrls) -> dict:
    document = {
        "@context": OB_V2, "type": "BadgeClass", "id": urls.ob2_badge_class(achievement.id),
        "name": achievement.name_ja,
        "description": f"{achievement.description_ja}\n\n{achievement.description_en}",
        "image": urls.achievement_image(achievement.id),
        "criteria": {"narrative": f"{achievement.criteria_ja}\n\n{achievement.criteria_en}"},
        "issuer": urls.ob2_issuer(achievement.issuer_id),
        "tags": list(achievement.tags),
    }
    alignments = [{k: v for k, v in a.items() if v} for a in achievement.alignments if a.get("targetUrl")]
    if alignments:
        document["alignment"] = alignments
    return document


def ob2_assertion(credential: Credential, email: str, urls: BadgeUrls) -> dict:
    if credential.revoked_at is not None:
        return {"@context": OB_V2, "type": "Assertion", "id": urls.ob2_assertion(credential.uuid), "revoked": True,
                "revocationReason": credential.revocation_reason or ""}
    return {
        "@context": OB_V2, "type": "Assertion", "id": urls.ob2_assertion(credential.uuid),
        "recipient": {"type": "email", "hashed": True, "salt": credential.recipient_salt,
                      "identity": identity_hash(email, credential.recipient_salt)},
        "badge": urls.ob2_badge_class(credential.achievement_id),
        "verification": {"type": "HostedBadge"},
        "issuedOn": date_time(credential.issued_at),
        "evidence": urls.public_page(credential.uuid),
    }
