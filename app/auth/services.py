"""Users, passwords and organizations. Services flush; the caller commits."""

import csv
import hmac
from datetime import datetime
from pathlib import Path

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from app.auth import audit
from app.auth.models import Organization, OrganizationKind, Role, User, new_session_token
from app.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, needs_rehash, verify_password
from app.auth.tokens import TokenPurpose, make_token, read_token

MUNICIPALITIES_CSV = Path(__file__).parent / "data" / "hokkaido_municipalities.csv"


class EmailTaken(Exception):
    pass


class PasswordTooShort(Exception):
    pass


class WrongPassword(Exception):
    pass


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def authenticate(session: Session, email: str, password: str, now: datetime) -> User | None:
    """The active user with this email and password, or None. Upgrades old hashes.
    The password is checked even when the account is unknown or deactivated, so that every
    refusal takes as long as a wrong password does."""
    user = find_user_by_email(session, email)
    password_matches = verify_password(user.password_hash if user else None, password)
    if user is None or not user.is_active or not password_matches:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    return user


def user_for_session(session: Session, session_id: str, statement: Select | None = None) -> User | None:
    """The active user a session cookie's id ("<user id>:<session token>") names, or None when the
    token has since been replaced (signed out, password changed, deactivated). `statement`: a SELECT of the
    User whose id is the bind parameter `user_id`, that loads more with the user in the same query."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = session.scalar(statement if statement is not None else select(User).where(User.id == bindparam("user_id")),
                          {"user_id": int(user_id)})
    if user is None or not user.is_active or not hmac.compare_digest(user.session_token.encode(), token.encode()):
        return None
    return user


def end_sessions(user: User) -> None:
    """Every session cookie issued to the user stops working (on every device)."""
    user.session_token = new_session_token()


def sign_out_everywhere(session: Session, user: User, actor: User) -> None:
    end_sessions(user)
    session.flush()
    audit.record(session, actor, "user.sign_out_everywhere", "user", user.id)


def set_password(user: User, password: str) -> None:
    """Raises PasswordTooShort. Ends the user's other sessions: whoever had the old password
    (or a cookie copied while it was valid) is signed out."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordTooShort()
    user.password_hash = hash_password(password)
    end_sessions(user)


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Raises WrongPassword or PasswordTooShort."""
    if not verify_password(user.password_hash, current_password):
        raise WrongPassword()
    set_password(user, new_password)


def _user_snapshot(user: User) -> dict:
    return {"email": user.email, "display_name": user.display_name, "role": user.role,
            "organization_id": user.organization_id, "is_active": user.is_active_account}


def create_user(session: Session, *, email: str, display_name: str, role: Role | str,
                organization_id: int | None, actor: User | None, password: str | None = None,
                locale: str = "ja") -> User:
    """Create an account. Without a password the user sets one through an invitation link.
    Raises EmailTaken."""
    email = normalize_email(email)
    if find_user_by_email(session, email) is not None:
        raise EmailTaken(email)
    user = User(email=email, display_name=display_name.strip(), role=str(role),
                organization_id=organization_id, locale=locale)
    if password is not None:
        set_password(user, password)
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.create", "user", user.id, after=_user_snapshot(user))
    return user


def update_user(session: Session, user: User, *, display_name: str, role: Role | str,
                organization_id: int | None, is_active: bool, actor: User) -> None:
    before = _user_snapshot(user)
    user.display_name = display_name.strip()
    user.role = str(role)
    user.organization_id = organization_id
    if user.is_active_account and not is_active:
        end_sessions(user)
    user.is_active_account = is_active
    session.flush()
    after = _user_snapshot(user)
    if before != after:
        audit.record(session, actor, "user.update", "user", user.id, before=before, after=after)


def invitation_link_token(user: User, secret_key: str) -> str:
    return make_token(user, TokenPurpose.INVITATION, secret_key)


def password_reset_token(user: User, secret_key: str) -> str:
    return make_token(user, TokenPurpose.PASSWORD_RESET, secret_key)


def user_for_token(session: Session, token: str, purpose: TokenPurpose, secret_key: str,
                   max_age: int) -> User:
    """Raises TokenExpired or TokenInvalid (tampered or already used)."""
    return read_token(token, purpose, secret_key, max_age,
                      lambda uid: session.get(User, uid) if isinstance(uid, int) else None)


def create_organization(session: Session, *, name_ja: str, name_en: str, kind: OrganizationKind | str,
                        parent_id: int | None, actor: User) -> Organization:
    org = Organization(name_ja=name_ja.strip(), name_en=name_en.strip(), kind=str(kind), parent_id=parent_id)
    session.add(org)
    session.flush()
    audit.record(session, actor, "organization.create", "organization", org.id,
                 after={"name_ja": org.name_ja, "name_en": org.name_en, "kind": org.kind})
    return org


def _subprefecture_code(name_en: str) -> str:
    return "hokkaido-" + name_en.split()[0].lower()


def load_municipalities(session: Session, csv_path: Path = MUNICIPALITIES_CSV) -> tuple[int, int]:
    """Upsert Hokkaido's subprefectures and municipalities from the shipped CSV, keyed by code.
    Idempotent. Returns (subprefectures, municipalities) in the file."""
    with csv_path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    existing = {o.code: o for o in session.scalars(select(Organization).where(Organization.code.is_not(None)))}
    changed = []

    def upsert(code: str, name_ja: str, name_en: str, kind: OrganizationKind, parent: Organization | None):
        org = existing.get(code)
        if org is None:
            org = Organization(code=code)
            session.add(org)
            existing[code] = org
        loaded = (name_ja, name_en, str(kind), parent)
        if org.id is None or (org.name_ja, org.name_en, org.kind, org.parent) != loaded:
            changed.append(code)
        org.name_ja, org.name_en, org.kind, org.parent = loaded
        return org

    subprefectures = {}
    for row in rows:
        key = row["subprefecture_ja"]
        if key not in subprefectures:
            subprefectures[key] = upsert(_subprefecture_code(row["subprefecture_en"]), key,
                                         row["subprefecture_en"], OrganizationKind.SUBPREFECTURE, None)
        upsert(row["code"], row["name_ja"], row["name_en"], OrganizationKind.MUNICIPALITY, subprefectures[key])
    session.flush()
    if changed:
        # The names show on pages remembered under the work's fingerprint (app/reviews/revision.py), which
        # an audit entry changes.
        audit.record(session, None, "organization.load", "organization", None, after={"codes": changed})
    return len(subprefectures), len(rows)


# Hokkaido's subprefectures in the order of the local-government codes of their towns and villages (the
# order of 総務省's code table: 石狩 from 01303, 渡島 from 01331, …, 根室 from 01691), not by romaji.
SUBPREFECTURE_ORDER = ("石狩振興局", "渡島総合振興局", "檜山振興局", "後志総合振興局", "空知総合振興局", "上川総合振興局",
                       "留萌振興局", "宗谷総合振興局", "オホーツク総合振興局", "胆振総合振興局", "日高振興局",
                       "十勝総合振興局", "釧路総合振興局", "根室振興局")
_KIND_ORDER = (OrganizationKind.SUBPREFECTURE, OrganizationKind.MUNICIPALITY, OrganizationKind.PREFECTURE_SECTION,
               OrganizationKind.UNIVERSITY, OrganizationKind.COMPANY, OrganizationKind.OTHER)


def official_order(org: Organization) -> tuple:
    """Sort key of the official order: subprefectures as above, municipalities by their code (cities
    first, as the code puts them), then the other organizations by name."""
    kind = _KIND_ORDER.index(org.kind) if org.kind in _KIND_ORDER else len(_KIND_ORDER)
    place = SUBPREFECTURE_ORDER.index(org.name_ja) if org.name_ja in SUBPREFECTURE_ORDER else len(SUBPREFECTURE_ORDER)
    return kind, place, org.code or "", org.name_ja


def organizations_in_order(session: Session) -> list[Organization]:
    """Every organization in the official order (official_order)."""
    return sorted(session.scalars(select(Organization)), key=official_order)


def organization_choices(session: Session, locale: str) -> list[tuple[int, str]]:
    """Organizations for a select box: each subprefecture followed by its municipalities, in the official order."""
    orgs = organizations_in_order(session)
    by_parent: dict[int | None, list[Organization]] = {}
    for org in orgs:
        by_parent.setdefault(org.parent_id, []).append(org)
    choices = []
    for top in by_parent.get(None, []):
        choices.append((top.id, top.name(locale)))
        choices.extend((child.id, f"— {child.name(locale)}") for child in by_parent.get(top.id, []))
    return choices


def count_users(session: Session) -> int:
    return session.scalar(select(func.count(User.id)))
