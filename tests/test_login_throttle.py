"""Sign-in throttling per account and per client address, in the limiter's (shareable) storage, and
sign-in failures that take the same time whether or not the account exists."""

import os
import secrets
import time

import pytest
from argon2 import PasswordHasher
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from app.auth import passwords, services
from app.auth.throttle import LoginThrottle, address_key
from app.extensions import db, limiter
from tests.conftest import login
from tests.factories import PASSWORD

# Set by scripts/test, which starts a Redis when none is running.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")


def _throttled_app(app_with, **settings):
    """An app that throttles (the test default switches rate limiting off), behind one proxy."""
    return app_with(**{"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://", "PROXY_FIX_X_FOR": 1,
                       "LOGIN_ATTEMPTS_PER_ACCOUNT": "3 per 15 minutes",
                       "LOGIN_FAILURES_PER_ADDRESS": "100 per 15 minutes", **settings})


def _sign_in(client, email, password="a-wrong-password", address="203.0.113.1"):
    return client.post("/login", data={"email": email, "password": password},
                       headers={"X-Forwarded-For": address})


def _pause(app, email: str, attempts: int = 4):
    """Use up the account's attempts through the throttle itself (quicker than wrong passwords)."""
    throttle = LoginThrottle.from_settings(limiter.limiter, app.config["LOGIN_ATTEMPTS_PER_ACCOUNT"],
                                           app.config["LOGIN_FAILURES_PER_ADDRESS"],
                                           app.config.get("RATELIMIT_KEY_PREFIX", ""))
    return [throttle.begin_attempt(email, "198.51.100.1") for _ in range(attempts)][-1]


def test_one_account_is_paused_whatever_address_the_attempts_come_from(app_with, make):
    app = _throttled_app(app_with)
    user = make.user(email="taro@example.jp")
    client = app.test_client()
    responses = [_sign_in(client, "Taro@example.jp", address=f"203.0.113.{n}") for n in range(1, 5)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    page = responses[-1].get_data(as_text=True)
    assert "ログインを一時停止しています" in page and "以降にもう一度お試しください" in page
    assert 0 < int(responses[-1].headers["Retry-After"]) <= 15 * 60
    # While paused even the right password is refused, and from a fresh address.
    assert _sign_in(client, user.email, PASSWORD, address="192.0.2.77").status_code == 429
    assert db.session.get(type(user), user.id).last_login_at is None


def test_unknown_email_is_paused_like_a_known_one(app_with, make):
    app = _throttled_app(app_with)
    client = app.test_client()
    codes = [_sign_in(client, "nobody@example.jp", address=f"203.0.113.{n}").status_code for n in range(1, 5)]
    assert codes == [200, 200, 200, 429]


def test_pause_is_explained_in_english_too(app_with, make):
    app = _throttled_app(app_with)
    _pause(app, "taro@example.jp")
    client = app.test_client()
    client.post("/language", data={"locale": "en"})
    response = _sign_in(client, "taro@example.jp")
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "There were too many sign-in attempts for this account or from your network." in page
    assert "Resetting your password ends the pause." in page


def test_an_address_is_paused_across_accounts_and_x_forwarded_for_is_ignored_without_a_proxy(app_with):
    app = app_with(RATELIMIT_ENABLED=True, LOGIN_FAILURES_PER_ADDRESS="2 per 15 minutes")
    assert app.config["PROXY_FIX_X_FOR"] == 0
    client = app.test_client()
    codes = [_sign_in(client, f"person{n}@example.jp", address=f"203.0.113.{n}").status_code for n in range(1, 4)]
    assert codes == [200, 200, 429]


def test_behind_the_proxy_each_forwarded_address_counts_for_itself(app_with):
    app = _throttled_app(app_with, LOGIN_FAILURES_PER_ADDRESS="2 per 15 minutes")
    client = app.test_client()
    codes = [_sign_in(client, f"person{n}@example.jp", address=f"203.0.113.{n % 2}").status_code
             for n in range(1, 5)]
    assert codes == [200, 200, 200, 200]
    assert _sign_in(client, "person5@example.jp", address="203.0.113.1").status_code == 429


def test_successful_sign_in_clears_the_accounts_count(app_with, make):
    app = _throttled_app(app_with)
    user = make.user()
    client = app.test_client()
    assert _pause(app, user.email, attempts=2) is None
    assert _sign_in(client, user.email, PASSWORD).status_code == 302
    client.post("/logout")
    assert _pause(app, user.email, attempts=3) is None  # three more: the count started again


def test_real_user_signs_in_again_after_the_window(app_with, make):
    app = _throttled_app(app_with, LOGIN_ATTEMPTS_PER_ACCOUNT="3 per 2 seconds")
    user = make.user()
    paused_until = _pause(app, user.email)
    assert paused_until is not None
    client = app.test_client()
    assert _sign_in(client, user.email, PASSWORD).status_code == 429
    time.sleep(max(0.0, paused_until.timestamp() - time.time()) + 0.05)
    assert _sign_in(client, user.email, PASSWORD).status_code == 302


def test_password_reset_ends_the_pause(app_with, make):
    app = _throttled_app(app_with)
    user = make.user()
    _pause(app, user.email)
    token = services.password_reset_token(user, app.config["SECRET_KEY"])
    client = app.test_client()
    client.post(f"/password/reset/{token}", data={"password": "brand-new-pass", "confirm": "brand-new-pass"})
    client.post("/logout")
    assert _sign_in(client, user.email, "brand-new-pass").status_code == 302


def test_the_password_change_page_is_paused_with_the_account(app_with, make):
    app = _throttled_app(app_with)
    user = make.user()
    client = login(app.test_client(), user)
    _pause(app, user.email)
    response = client.post("/password", data={"current_password": PASSWORD, "password": "brand-new-pass",
                                              "confirm": "brand-new-pass"})
    assert response.status_code == 429
    assert "ログインを一時停止しています" in response.get_data(as_text=True)


def test_password_reset_requests_are_limited_per_address(app_with):
    client = app_with(RATELIMIT_ENABLED=True, PASSWORD_RESET_REQUEST_LIMIT="2 per minute").test_client()
    codes = [client.post("/password/forgot", data={"email": "x@example.jp"}).status_code for _ in range(3)]
    assert codes == [302, 302, 429]


def test_ipv6_clients_are_counted_by_their_64_network():
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::2") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("203.0.113.5") == "203.0.113.5"


@pytest.fixture
def redis_prefix():
    """A key prefix of this test's own in the local Redis (scripts/test starts one), removed afterwards.
    Without Redis the test fails: the shared-storage path is what it proves."""
    client = Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except RedisConnectionError as e:
        pytest.fail(f"Redis is required for this test and is not reachable at {REDIS_URL}: {e}")
    prefix = f"enshu-test-{secrets.token_hex(6)}"
    yield prefix
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)
    client.close()


def test_workers_sharing_redis_share_the_count(app_with, make, redis_prefix):
    settings = {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": redis_prefix}
    first = _throttled_app(app_with, **settings)
    user = make.user()
    _pause(first, user.email)
    first_storage = limiter.storage
    # Another process would connect just like this (create_schema=False: the first app owns the schema
    # and empties it afterwards; two apps emptying it would wait on each other's locks on PostgreSQL).
    second = _throttled_app(app_with, create_schema=False, **settings)
    assert limiter.storage is not first_storage
    assert _sign_in(second.test_client(), user.email, PASSWORD).status_code == 429
    assert list(Redis.from_url(REDIS_URL).scan_iter(f"*{redis_prefix}/login-account*"))


@pytest.mark.parametrize("email, fields", [("nobody@example.jp", None),
                                           ("invited@example.jp", {"password_hash": None})])
def test_sign_in_without_a_hash_checks_the_dummy_hash(app, make, monkeypatch, email, fields):
    if fields is not None:
        make.user(email=email, **fields)
    checked = _record_verified_hashes(monkeypatch)
    assert services.authenticate(db.session, email, PASSWORD, None) is None
    assert checked == [passwords._dummy_hash()]


def test_deactivated_account_has_its_password_checked_before_the_refusal(app, make, monkeypatch):
    user = make.user(email="gone@example.jp", is_active_account=False)
    checked = _record_verified_hashes(monkeypatch)
    assert services.authenticate(db.session, "gone@example.jp", PASSWORD, None) is None
    assert checked == [user.password_hash]


def _record_verified_hashes(monkeypatch) -> list[str]:
    checked = []
    real_verify = PasswordHasher.verify

    def verify(self, hash, password):
        checked.append(hash)
        return real_verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", verify)
    return checked


# Nothing listens on port 1: the connection is refused at once, as when Redis is down or restarting.
UNREACHABLE_REDIS = "redis://127.0.0.1:1"


@pytest.fixture
def storage_was_up(monkeypatch):
    """The outage flag is per process: each test starts with the shared storage last seen up."""
    from app.auth import throttle

    monkeypatch.setitem(throttle._SHARED_STORAGE_DOWN, "now", False)


def test_sign_in_works_and_stays_throttled_while_the_shared_storage_is_down(app_with, make, caplog,
                                                                              storage_was_up):
    app = _throttled_app(app_with, RATELIMIT_STORAGE_URI=UNREACHABLE_REDIS)
    user = make.user(email="kushiro@example.jp")
    other = make.user(email="nemuro@example.jp")
    assert _sign_in(app.test_client(), other.email, PASSWORD).status_code == 302
    client = app.test_client()
    codes = [_sign_in(client, user.email, address=f"203.0.113.{n}").status_code for n in range(1, 5)]
    assert codes == [200, 200, 200, 429]  # counted in this process meanwhile
    # Logged when the outage starts, not at each of the five attempts.
    assert caplog.text.count("rate limit storage unreachable") == 1


def test_the_end_of_an_outage_is_logged_once(caplog, storage_was_up):
    from limits import parse
    from limits.storage import MemoryStorage, storage_from_string
    from limits.strategies import FixedWindowRateLimiter

    from app.auth.throttle import FailSafeLimiter

    limiter = FailSafeLimiter(FixedWindowRateLimiter(storage_from_string(UNREACHABLE_REDIS)))
    item = parse("5/minute")
    assert limiter.hit(item, "a") and limiter.hit(item, "a")
    limiter.shared = FixedWindowRateLimiter(MemoryStorage())  # Redis is back
    assert limiter.hit(item, "a") and limiter.hit(item, "a")
    assert caplog.text.count("unreachable") == 1
    assert caplog.text.count("reachable again") == 1


def test_a_rate_limited_page_answers_while_the_shared_storage_is_down(app_with):
    app = app_with(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=UNREACHABLE_REDIS)
    response = app.test_client().post("/verify", data={}, content_type="multipart/form-data")
    # The form's own refusal, not a server error.
    assert response.status_code == 422 and "証明データのファイル（JSON）を選択してください" in response.get_data(as_text=True)
