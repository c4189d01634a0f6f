"""A real gunicorn with two workers takes parallel multipart submits while one worker is killed with
SIGKILL: every submit that was acknowledged (302) is stored with all its files, and after
`flask storage sweep` no file is left that no row points to. Runs in the normal suite (a few seconds)."""

import hashlib
import http.cookiejar
import os
import re
import secrets
import signal
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from sqlalchemy import select

from app.auth.models import Role
from app.core.storage import STAGING, FileStorage
from app.extensions import db
from app.submissions.models import SubmissionVersion
from tests.conftest import TEST_DATABASE_URL
from tests.databases import scratch_database
from tests.factories import PASSWORD
from tests.servers import free_port, gunicorn, server_env

SUBMITS = 24
CLIENTS = 8
FILE_BYTES = 256 * 1024


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A signed-in HTTP client (cookies, CSRF token) using only the standard library."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode()

    def post(self, path: str, body: bytes, content_type: str) -> int:
        request = urllib.request.Request(self.base + path, data=body, headers={"Content-Type": content_type})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as e:
            return e.code

    def csrf_token(self, path: str) -> str:
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.get(path)).group(1)


def _multipart(fields: dict, files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = secrets.token_hex(16)
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for filename, data in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="{filename}"\r\n'
                     f'Content-Type: application/octet-stream\r\n\r\n'.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _files_of(i: int) -> list[tuple[str, bytes]]:
    return [(f"memo-{i}.txt", (f"提出{i} メモ\n".encode() * (FILE_BYTES // 16))[:FILE_BYTES]),
            (f"report-{i}.pdf", b"%PDF-1.4\n" + hashlib.sha256(str(i).encode()).digest() * (FILE_BYTES // 32))]


def _worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def test_kill_9_of_a_worker_mid_upload_loses_nothing_acknowledged(app_with, make, tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    with scratch_database(TEST_DATABASE_URL, instance / "enshu.sqlite3", "enshu_crash") as database_url:
        config = {"SECRET_KEY": secrets.token_hex(16), "SQLALCHEMY_DATABASE_URI": database_url,
                  "STORAGE_DIR": str(instance / "files"), "OUTBOX_DIR": str(instance / "outbox"),
                  "KEYS_DIR": str(instance / "keys"), "RATELIMIT_ENABLED": False}
        app = app_with(create_schema=False, **config)
        db.create_all()
        learner = make.user(Role.LEARNER)
        group = make.cohort(make.module_version(exercises=1), learners=[learner])
        path = f"/cohorts/{group.id}/exercises/{group.module_version.exercises[0].id}"

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = server_env({**config, "BASE_URL": base})
        with gunicorn(env, port, tmp_path / "gunicorn.log", workers=2, threads=2, graceful_timeout=2) as server:
            browser = Browser(base)
            token = browser.csrf_token("/login")
            body = urllib.parse.urlencode({"csrf_token": token, "email": learner.email,
                                           "password": PASSWORD}).encode()
            assert browser.post("/login", body, "application/x-www-form-urlencoded") == 302
            token = browser.csrf_token(path)

            def submit(i: int) -> int | str:
                data, content_type = _multipart({"csrf_token": token, "body": f"回答 {i}", "submit": "1"},
                                                _files_of(i))
                try:
                    return browser.post(path, data, content_type)
                except OSError as e:  # the connection died with the worker
                    return type(e).__name__

            victim = _worker_pids(server.pid)[0]
            outcomes = {}
            with ThreadPoolExecutor(CLIENTS) as pool:
                futures = {pool.submit(submit, i): i for i in range(SUBMITS)}
                for done, future in enumerate(as_completed(futures)):
                    outcomes[futures[future]] = future.result()
                    if done == SUBMITS // 3:
                        os.kill(victim, signal.SIGKILL)
            assert victim not in _worker_pids(server.pid)  # gunicorn replaced the killed worker

        acknowledged = {i for i, outcome in outcomes.items() if outcome == 302}
        print(f"{len(acknowledged)} of {SUBMITS} submits acknowledged; others: "
              f"{sorted(str(o) for o in outcomes.values() if o != 302)}")
        assert len(acknowledged) >= SUBMITS // 3
        db.session.expire_all()
        storage = FileStorage(config["STORAGE_DIR"])
        stored = {v.body_md: v for v in db.session.scalars(select(SubmissionVersion))}
        for i in acknowledged:
            version = stored[f"回答 {i}"]
            assert sorted((a.filename, storage.read(a.content_hash)) for a in version.attachments) == sorted(
                _files_of(i))

        result = app.test_cli_runner().invoke(args=["storage", "sweep", "--min-age", "0"])
        assert result.exit_code == 0, result.output
        referenced = {a.content_hash for v in stored.values() for a in v.attachments}
        assert {p.name for p in Path(config["STORAGE_DIR"]).glob("??/??/*")} == referenced
        assert list((Path(config["STORAGE_DIR"]) / STAGING).glob("*")) == []
        db.session.remove()
        db.engine.dispose()  # before the scratch database is dropped
