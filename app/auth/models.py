import secrets
from datetime import datetime
from enum import StrEnum
from typing import Optional

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from app.core.bilingual import Bilingual
from app.core.db import enum_type, utcnow
from app.extensions import db


class Role(StrEnum):
    LEARNER = "learner"
    MENTOR = "mentor"
    ORGANIZER = "organizer"
    ADMIN = "admin"


class OrganizationKind(StrEnum):
    SUBPREFECTURE = "subprefecture"
    MUNICIPALITY = "municipality"
    PREFECTURE_SECTION = "prefecture_section"
    COMPANY = "company"
    UNIVERSITY = "university"
    OTHER = "other"


class Organization(db.Model):
    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    # JIS X 0402 code with check digit for municipalities; a stable key for seed data.
    code: Mapped[Optional[str]] = mapped_column(String(32), unique=True)
    name_ja: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrganizationKind] = mapped_column(enum_type(OrganizationKind, 32, "kind"))
    # A municipality outlives a reorganised subprefecture: it becomes top-level.
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("organization.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Optional["Organization"]] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Organization"]] = relationship(back_populates="parent")
    users: Mapped[list["User"]] = relationship(back_populates="organization")

    name = Bilingual("name_{}")


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        # Emails are stored lower-cased, so the unique constraint compares them case-insensitively.
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint("locale IN ('ja', 'en')", name="locale"),
        Index("ix_user_account_role", "role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    # None until an invited user sets a password.
    password_hash: Mapped[Optional[str]] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_type(Role, 16, "role"), default=Role.LEARNER)
    locale: Mapped[str] = mapped_column(String(5), default="ja")
    is_active_account: Mapped[bool] = mapped_column(default=True)
    organization_id: Mapped[Optional[int]] = mapped_column(ForeignKey("organization.id", ondelete="SET NULL"),
                                                           index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[Optional[datetime]]
    # The learner's consent to link their accepted work from the badges issued to them.
    publishes_badge_evidence: Mapped[bool] = mapped_column(default=False)
    # Part of the id in the signed session cookie; replacing it ends every session of the user.
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)

    organization: Mapped[Optional[Organization]] = relationship(back_populates="users")
    # The header's unread count, loaded in the same query as the signed-in user (the app factory's user
    # loader fills it from app.notifications); None wherever the user was loaded otherwise.
    unread_notifications: Mapped[Optional[int]] = query_expression()
    # The database's write revision when the signed-in user was loaded, in the same query (app/core/page_memory.py).
    write_revision: Mapped[Optional[int]] = query_expression()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.is_active_account

    def get_id(self) -> str:  # what Flask-Login keeps in the session (and remember) cookie
        return f"{self.id}:{self.session_token}"

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.ORGANIZER, Role.ADMIN)


class AuditEntry(db.Model):
    """A staff action, with what it changed (before → after)."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The log keeps who acted: an account that acted cannot be deleted (accounts are deactivated).
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[Optional[int]]
    before: Mapped[Optional[dict]] = mapped_column(db.JSON)
    after: Mapped[Optional[dict]] = mapped_column(db.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
