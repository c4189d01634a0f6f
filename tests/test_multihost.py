"""Two app servers (separate gunicorn processes on their own ports, as on two hosts) share one PostgreSQL
database, one Redis and one directory of stored files and signing keys: whatever happens through one is
seen through the other.
PostgreSQL is the multi-host path, so on the SQLite pass of scripts/test this is skipped (with the reason);
the PostgreSQL pass runs it. Deselect with -m "not multihost" (it starts two servers: a few seconds)."""

import json
import secrets
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from app.auth.models import Role
from app.badges.models import Credential
from app.extensions import db
from app.reviews.models import Decision, Review
from app.submissions.models import Attachment, Submission
from tests.conftest import TEST_DATABASE_URL
from tests.databases import scratch_database
from tests.factories import PASSWORD, scores
from tests.servers import free_port, gunicorn, server_env
from tests.test_login_throttle import REDIS_URL, redis_prefix  # noqa: F401 (redis_prefix is a fixture)
from tests.test_server_crash import Browser, _multipart

FORM = "application/x-www-form-urlencoded"

pytestmark = [
    pytest.mark.multihost,
    pytest.mark.skipif(not TEST_DATABASE_URL or make_url(TEST_DATABASE_URL).get_backend_name() != "postgresql",
                       reason="several app servers share a database only on PostgreSQL (the multi-host path); "
                              "this runs in the PostgreSQL pass of scripts/test"),
]


@contextmanager
def _gunicorn(env: dict, log_path: Path):
    """One app server on a port of its own; yields its base URL and stops it afterwards."""
    port = free_port()
    with gunicorn(env, port, log_path, workers=1, threads=2, graceful_timeout=2):
        yield f"http://127.0.0.1:{port}"


def _signed_in(base: str, email: str) -> Browser:
    browser = Browser(base)
    body = urllib.parse.urlencode({"csrf_token": browser.csrf_token("/login"), "email": email,
                                   "password": PASSWORD}).encode()
    assert browser.post("/login", body, FORM) == 302
    return browser


def _wrong_sign_in(base: str, email: str) -> int:
    browser = Browser(base)
    body = urllib.parse.urlencode({"csrf_token": browser.csrf_token("/login"), "email": email,
                                   "password": "a-wrong-password"}).encode()
    return browser.post("/login", body, FORM)


def _download(browser: Browser, path: str) -> bytes:
    with browser.opener.open(browser.base + path, timeout=30) as response:
        return response.read()


def test_two_app_servers_share_database_redis_and_storage(app_with, make, tmp_path, redis_prefix):
    shared = tmp_path / "shared"  # what every host mounts: files and signing keys
    with scratch_database(TEST_DATABASE_URL, tmp_path / "unused.sqlite3", "enshu_multihost") as database_url:
        config = {"SECRET_KEY": secrets.token_hex(16), "SQLALCHEMY_DATABASE_URI": database_url,
                  "STORAGE_DIR": str(shared / "files"), "KEYS_DIR": str(shared / "keys"),
                  "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": REDIS_URL,
                  "RATELIMIT_KEY_PREFIX": redis_prefix, "LOGIN_ATTEMPTS_PER_ACCOUNT": "3 per 15 minutes"}
        app = app_with(create_schema=False, **config)
        try:
            db.create_all()
            # The issuer's signing key is made once, here, in the shared keys directory.
            assert app.test_cli_runner().invoke(args=["badges", "init"]).exit_code == 0
            _learner_mentor_and_throttle_across_servers(config, make, tmp_path)
        finally:
            db.session.remove()
            db.engine.dispose()  # before the scratch database is dropped


def _learner_mentor_and_throttle_across_servers(config: dict, make, tmp_path: Path) -> None:
    learner, mentor = make.user(Role.LEARNER), make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=1), learners=[learner], mentors=[mentor])
    exercise = group.module_version.exercises[0]
    path = f"/cohorts/{group.id}/exercises/{exercise.id}"
    review_form = scores(exercise)
    attachment = ("report.pdf", b"%PDF-1.4\n" + secrets.token_bytes(64 * 1024))

    # One BASE_URL for both, as behind one proxy; the mail outbox is each host's own.
    with (_gunicorn(server_env({**config, "BASE_URL": "http://127.0.0.1",
                                 "OUTBOX_DIR": str(tmp_path / "outbox_a")}), tmp_path / "a.log") as first,
          _gunicorn(server_env({**config, "BASE_URL": "http://127.0.0.1",
                                 "OUTBOX_DIR": str(tmp_path / "outbox_b")}), tmp_path / "b.log") as second):
        as_learner = _signed_in(first, learner.email)
        body, content_type = _multipart({"csrf_token": as_learner.csrf_token(path), "body": "回答です",
                                         "submit": "1"}, [attachment])
        assert as_learner.post(path, body, content_type) == 302

        db.session.expire_all()
        submission = db.session.scalars(select(Submission)).one()
        version = submission.versions[-1]
        stored = db.session.scalars(select(Attachment)).one()

        as_mentor = _signed_in(second, mentor.email)
        assert f"/review/submissions/{submission.id}" in as_mentor.get("/review/")
        review_path = f"/review/submissions/{submission.id}"
        # The file uploaded through the first server is served by the second.
        assert _download(as_mentor, f"/attachments/{stored.id}") == attachment[1]
        decision = urllib.parse.urlencode({
            "csrf_token": as_mentor.csrf_token(review_path), "version_id": version.id, **review_form,
            "feedback": "よくできました。", "accept": "1"}).encode()
        assert as_mentor.post(review_path, decision, FORM) == 302
        # ...and the learner sees the mentor's decision through the first.
        assert "よくできました。" in as_learner.get(path)
        # The second signed the badge with the key made elsewhere; the first serves it.
        db.session.expire_all()
        credential = db.session.scalars(select(Credential)).one()
        signed = json.loads(credential.ob3_json)
        assert signed["proof"]
        assert json.loads(_download(Browser(first), f"/c/{credential.uuid}/credential.json")) == signed

        # Sign-in attempts counted on one server pause the account on the other.
        assert [_wrong_sign_in(first, "nobody@example.jp") for _ in range(3)] == [200, 200, 200]
        assert _wrong_sign_in(second, "nobody@example.jp") == 429

    db.session.expire_all()
    review = db.session.scalars(select(Review)).one()
    assert (review.submission_version_id, review.decision) == (version.id, Decision.ACCEPTED)
