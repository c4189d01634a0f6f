"""Password hashing with argon2id (memory-hard)."""

import secrets
from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

# One cost per process, set from PASSWORD_HASHING when the app is created (a gunicorn worker runs one app).
_hasher = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)

MIN_PASSWORD_LENGTH = 10


PROFILES = ("RFC_9106_LOW_MEMORY", "RFC_9106_HIGH_MEMORY", "CHEAPEST")


def use_profile(name: str) -> None:
    """Hash new passwords with argon2-cffi's profile `name`. A stored hash is checked with the parameters it
    was made with, and upgraded to these at the next sign-in."""
    global _hasher
    if name not in PROFILES:
        raise RuntimeError(f"PASSWORD_HASHING must be one of {', '.join(PROFILES)}, not {name!r}")
    _hasher = PasswordHasher.from_parameters(getattr(profiles, name))
    _dummy_hash.cache_clear()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@cache
def _dummy_hash() -> str:
    # Same parameters as real hashes, so checking against it costs what checking a real one does.
    return _hasher.hash(secrets.token_urlsafe(16))


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches. Without a hash (unknown account, invitation not yet accepted) a
    dummy hash is checked all the same, so the time taken does not tell whether an account exists."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
