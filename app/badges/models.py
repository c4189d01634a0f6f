from datetime import datetime
from enum import StrEnum
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Organization, User
from app.completions.models import CompletionRecord
from app.content.models import Module
from app.core.bilingual import Bilingual
from app.core.db import enum_type, utcnow
from app.extensions import db


class IdentifierMethod(StrEnum):
    HTTPS = "https"      # the issuer id is our URL serving a controller document; keys can rotate
    DID_KEY = "did:key"  # the issuer id is derived from its one key; verifies fully offline


class Issuer(db.Model):
    """An issuing organization's profile. Its id URL serves the controller document with its keys."""

    __tablename__ = "badge_issuer"
    __table_args__ = (CheckConstraint("next_status_list_index >= 0", name="next_status_list_index_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # None is the programme office's own issuer, so SET NULL would turn an organization's issuer into a
    # second default one: an organization that issues badges cannot be deleted.
    organization_id: Mapped[Optional[int]] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"),
                                                           unique=True)
    name_ja: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(500))
    email: Mapped[str] = mapped_column(String(254))
    identifier_method: Mapped[IdentifierMethod] = mapped_column(
        enum_type(IdentifierMethod, 16, "identifier_method"), default=IdentifierMethod.HTTPS)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Status list indexes are handed out from this counter (issuing._next_status_index).
    next_status_list_index: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    organization: Mapped[Optional[Organization]] = relationship()
    keys: Mapped[list["IssuerKey"]] = relationship(back_populates="issuer", order_by="IssuerKey.number")

    name = Bilingual("name_{}")

    @property
    def signing_key(self) -> "IssuerKey | None":
        active = [k for k in self.keys if k.retired_at is None]
        return active[-1] if active else None


class IssuerKey(db.Model):
    """An Ed25519 key. The private half lives in instance/keys/, never in the database or repository.
    Retired keys stay published so that credentials signed with them keep verifying."""

    __tablename__ = "badge_issuer_key"
    __table_args__ = (
        UniqueConstraint("issuer_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        # One signing key per issuer: adding a key retires the one before.
        Index("uq_badge_issuer_key_signing", "issuer_id", unique=True,
              sqlite_where=text("retired_at IS NULL"), postgresql_where=text("retired_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Keys stay published as long as credentials signed with them exist, so never vanish with the issuer.
    issuer_id: Mapped[int] = mapped_column(ForeignKey("badge_issuer.id", ondelete="RESTRICT"))
    number: Mapped[int]
    public_key_multibase: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[Optional[datetime]]

    issuer: Mapped[Issuer] = relationship(back_populates="keys")

    @property
    def fragment(self) -> str:
        return f"key-{self.number}"


class AchievementKind(StrEnum):
    MODULE = "module"
    TALENT_LEVEL = "talent_level"


class Achievement(db.Model):
    """What a badge certifies (OB BadgeClass): completing a module, or reaching a talent level."""

    __tablename__ = "badge_achievement"
    __table_args__ = (
        CheckConstraint(f"(kind = '{AchievementKind.MODULE}') = (module_id IS NOT NULL)",
                        name="module_achievement_has_module"),
        CheckConstraint("talent_level BETWEEN 0 AND 3", name="talent_level"),
        UniqueConstraint("issuer_id", "module_id"),
        # module_id is NULL for talent levels, so the constraint above leaves them to this index.
        Index("uq_badge_achievement_issuer_id_talent_level", "issuer_id", "talent_level", unique=True,
              sqlite_where=text(f"kind = '{AchievementKind.TALENT_LEVEL}'"),
              postgresql_where=text(f"kind = '{AchievementKind.TALENT_LEVEL}'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # An achievement is a published document (its URL is in every credential): RESTRICT throughout.
    issuer_id: Mapped[int] = mapped_column(ForeignKey("badge_issuer.id", ondelete="RESTRICT"))
    kind: Mapped[AchievementKind] = mapped_column(enum_type(AchievementKind, 16, "kind"))
    module_id: Mapped[Optional[int]] = mapped_column(ForeignKey("module.id", ondelete="RESTRICT"))
    talent_level: Mapped[int]
    name_ja: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    description_ja: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str] = mapped_column(Text)
    criteria_ja: Mapped[str] = mapped_column(Text)
    criteria_en: Mapped[str] = mapped_column(Text)
    alignments: Mapped[list] = mapped_column(db.JSON, default=list)
    tags: Mapped[list] = mapped_column(db.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    issuer: Mapped[Issuer] = relationship()
    module: Mapped[Optional[Module]] = relationship()

    name = Bilingual("name_{}")
    description = Bilingual("description_{}")


class CredentialStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    ISSUED = "issued"
    REVOKED = "revoked"


class Credential(db.Model):
    """An issued badge for one completion record (a module badge), or for the component credentials of a
    learning path (a level badge, app/paths: no completion record of its own). The signed OB 3.0 credential
    is stored as issued and never changed; revocation flips its bit in the status list."""

    __tablename__ = "badge_credential"
    __table_args__ = (
        # Issuing twice for the same completion record is impossible.
        UniqueConstraint("completion_record_id"),
        UniqueConstraint("issuer_id", "status_list_index"),
        CheckConstraint(f"(status = '{CredentialStatus.REVOKED}') = (revoked_at IS NOT NULL)", name="revoked_has_time"),
        CheckConstraint("(revoked_at IS NULL) = (revocation_reason IS NULL)", name="revoked_has_reason"),
        CheckConstraint(f"status = '{CredentialStatus.AWAITING_APPROVAL}' "
                        "OR (ob3_json IS NOT NULL AND issued_at IS NOT NULL)", name="issued_has_document"),
        CheckConstraint("status_list_index >= 0", name="status_list_index_not_negative"),
        Index("ix_badge_credential_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    # Credentials are never deleted (they are revoked), and nothing they name may vanish under them.
    completion_record_id: Mapped[Optional[int]] = mapped_column(ForeignKey("completion_record.id",
                                                                           ondelete="RESTRICT"))
    achievement_id: Mapped[int] = mapped_column(ForeignKey("badge_achievement.id", ondelete="RESTRICT"))
    issuer_id: Mapped[int] = mapped_column(ForeignKey("badge_issuer.id", ondelete="RESTRICT"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"), index=True)
    status: Mapped[CredentialStatus] = mapped_column(enum_type(CredentialStatus, 20, "status"))
    status_list_index: Mapped[int]
    recipient_salt: Mapped[str] = mapped_column(String(64))
    narrative: Mapped[Optional[str]] = mapped_column(Text)
    # Name as the learner chose to show it on the public page.
    display_name: Mapped[str] = mapped_column(String(100))
    evidence_public: Mapped[bool] = mapped_column(default=False)
    ob3_json: Mapped[Optional[str]] = mapped_column(Text)
    issued_at: Mapped[Optional[datetime]]
    revoked_at: Mapped[Optional[datetime]]
    revocation_reason: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    completion_record: Mapped[Optional[CompletionRecord]] = relationship()
    achievement: Mapped[Achievement] = relationship()
    issuer: Mapped[Issuer] = relationship()
    recipient: Mapped[User] = relationship()
