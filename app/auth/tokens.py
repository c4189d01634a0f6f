"""Signed, expiring, single-use links for invitations and password resets.

A token carries a fingerprint of the user's current password hash; setting a password changes
the hash, so a used token no longer matches (single use without a table of used tokens)."""

import hashlib
from enum import StrEnum

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.auth.models import User


class TokenPurpose(StrEnum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password-reset"


class TokenExpired(Exception):
    pass


class TokenInvalid(Exception):
    """Tampered, for another purpose, or already used."""


def _fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "unset").encode()).hexdigest()[:20]


def _serializer(secret_key: str, purpose: TokenPurpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=f"enshu-{purpose}")


def make_token(user: User, purpose: TokenPurpose, secret_key: str) -> str:
    return _serializer(secret_key, purpose).dumps({"uid": user.id, "fp": _fingerprint(user)})


def read_token(token: str, purpose: TokenPurpose, secret_key: str, max_age: int,
               load_user) -> User:
    """The user the token was made for. Raises TokenExpired or TokenInvalid."""
    try:
        data = _serializer(secret_key, purpose).loads(token, max_age=max_age)
    except SignatureExpired as e:
        raise TokenExpired() from e
    except BadSignature as e:
        raise TokenInvalid() from e
    user = load_user(data.get("uid")) if isinstance(data, dict) else None
    if user is None or data.get("fp") != _fingerprint(user):
        raise TokenInvalid()
    return user
