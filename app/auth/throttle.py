"""Sign-in throttling, per account and per client address, in the rate limiter's storage (Redis when
configured, so every worker and host counts together).

Per account (the normalised e-mail, whether or not an account has it, so a pause tells nothing about
who has an account): every attempt counts and a successful one clears the count, so an attacker
spread over many addresses gets at most the limit's guesses per window, while the real user is
paused only until the window ends, or until they reset their password.
Per address: only failures count, because many colleagues may share one office address."""

import hashlib
import ipaddress
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Generic, TypeVar

from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage
from limits.strategies import RateLimiter

from app.auth.services import normalize_email


T = TypeVar("T")


@dataclass(frozen=True)
class Attempt(Generic[T]):
    """What a throttled check came to: paused (it did not run), or its result (None: refused)."""

    paused_until: datetime | None = None
    result: T | None = None


def address_key(address: str) -> str:
    """IPv6 clients usually hold a whole /64, so they are counted by it; IPv4 by the address."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    return str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)


log = logging.getLogger(__name__)


def _unreachable(storage: Storage) -> tuple[type[Exception], ...]:
    """What `storage` raises when it cannot be reached. limits passes its backend's own errors through
    (Redis's RedisError), which the storage names: redis is imported only where it is the storage, not
    by every web worker (issue 10, a worker's memory). This process's memory is always reachable."""
    down = (StorageError, ConnectionError, TimeoutError)
    return down if isinstance(storage, MemoryStorage) else (storage.base_exceptions, *down)


# Per process: counts kept while the shared storage is down, so that they add up across requests.
_LOCAL_LIMITERS: dict[type, RateLimiter] = {}
# Per process: whether the shared storage was down at the last call, so that an outage is logged once
# when it starts and once when it ends, not at every sign-in attempt.
_SHARED_STORAGE_DOWN = {"now": False}


class FailSafeLimiter:
    """The shared limiter, or while its storage cannot be reached (Redis down or restarting) one in this
    process's memory: signing in keeps working and stays throttled, per worker, instead of failing."""

    def __init__(self, shared: RateLimiter):
        self.shared = shared
        self.local = _LOCAL_LIMITERS.setdefault(type(shared), type(shared)(MemoryStorage()))

    def _call(self, name: str, *args):
        try:
            result = getattr(self.shared, name)(*args)
        except _unreachable(self.shared.storage) as e:
            if not _SHARED_STORAGE_DOWN["now"]:
                _SHARED_STORAGE_DOWN["now"] = True
                log.warning("rate limit storage unreachable, counting in this process: %s", e)
            return getattr(self.local, name)(*args)
        if _SHARED_STORAGE_DOWN["now"]:
            _SHARED_STORAGE_DOWN["now"] = False
            log.warning("rate limit storage reachable again: counting there")
        return result

    def hit(self, item: RateLimitItem, *keys: str) -> bool:
        return self._call("hit", item, *keys)

    def test(self, item: RateLimitItem, *keys: str) -> bool:
        return self._call("test", item, *keys)

    def get_window_stats(self, item: RateLimitItem, *keys: str):
        return self._call("get_window_stats", item, *keys)

    def clear(self, item: RateLimitItem, *keys: str) -> None:
        return self._call("clear", item, *keys)


@dataclass(frozen=True)
class LoginThrottle:
    """With no limits (rate limiting switched off) nothing is counted or refused."""

    limiter: "FailSafeLimiter | RateLimiter | None"
    per_account: tuple[RateLimitItem, ...]
    per_address: tuple[RateLimitItem, ...]
    key_prefix: str = ""

    @classmethod
    def from_settings(cls, limiter: RateLimiter, per_account: str, per_address: str,
                      key_prefix: str = "") -> "LoginThrottle":
        """`per_account` and `per_address` in the limits notation, e.g. "10 per 15 minutes"."""
        return cls(FailSafeLimiter(limiter), tuple(parse_many(per_account)), tuple(parse_many(per_address)),
                   key_prefix)

    def _account(self, email: str) -> tuple[str, ...]:
        # A digest, so the shared storage holds no e-mail addresses.
        digest = hashlib.sha256(normalize_email(email).encode()).hexdigest()
        return tuple(k for k in (self.key_prefix, "login-account", digest) if k)

    def _address(self, address: str) -> tuple[str, ...]:
        return tuple(k for k in (self.key_prefix, "login-address", address_key(address)) if k)

    def begin_attempt(self, email: str, address: str) -> datetime | None:
        """Count an attempt against the account. None when it may go ahead, otherwise the time (UTC)
        from which the account or address may try again."""
        account, client = self._account(email), self._address(address)
        over = [(item, account) for item in self.per_account if not self.limiter.hit(item, *account)]
        over += [(item, client) for item in self.per_address if not self.limiter.test(item, *client)]
        if not over:
            return None
        reset_at = max(self.limiter.get_window_stats(item, *keys).reset_time for item, keys in over)
        return datetime.fromtimestamp(reset_at, tz=timezone.utc)

    def attempt(self, email: str, address: str, check: Callable[[], T | None]) -> Attempt[T]:
        """Run `check` (a password check) under both limits: not at all while paused; a None result
        counts as a failure of the address, any other clears the account's attempts."""
        paused_until = self.begin_attempt(email, address)
        if paused_until is not None:
            return Attempt(paused_until=paused_until)
        result = check()
        if result is None:
            self.failed(address)
        else:
            self.clear_account(email)
        return Attempt(result=result)

    def failed(self, address: str) -> None:
        for item in self.per_address:
            self.limiter.hit(item, *self._address(address))

    def clear_account(self, email: str) -> None:
        """Forget the account's attempts: after a successful sign-in, and after a password reset
        (whoever can reset the password is the owner, and is no longer paused)."""
        for item in self.per_account:
            self.limiter.clear(item, *self._account(email))
