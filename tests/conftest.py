import contextvars
import os
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import text

from app import create_app
from app.auth import passwords
from app.extensions import db, init_migrate

ROOT = Path(__file__).resolve().parents[1]
# Set by scripts/test for the PostgreSQL run; empty means SQLite.
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or None
# Each sign-in of a production-cost hash takes 0.1-0.4 s of this machine; tests that are about the cost
# set PASSWORD_HASHING themselves. Set before the factories hash their one password.
TEST_PASSWORD_HASHING = "CHEAPEST"
passwords.use_profile(TEST_PASSWORD_HASHING)


def pytest_sessionstart(session):
    # Compiled catalogs are build output (git-ignored); compile them so translated pages can be tested.
    for po_path in (ROOT / "app" / "translations").glob("*/LC_MESSAGES/messages.po"):
        with po_path.open("rb") as f:
            catalog = read_po(f)
        with po_path.with_suffix(".mo").open("wb") as f:
            write_mo(f, catalog)


# Written by the test command itself, not by tests: installs, compiled catalogues, caches, screenshots.
_BUILD_OUTPUT = {".git", ".venv", ".venv38", "node_modules", "__pycache__", ".pytest_cache", "test-output"}


def _repository_files() -> dict[str, tuple[int, int]]:
    files = {}
    for folder, subfolders, names in os.walk(ROOT):
        subfolders[:] = [d for d in subfolders if d not in _BUILD_OUTPUT]
        for name in names:
            if not name.endswith((".mo", ".pyc")):
                path = os.path.join(folder, name)
                stat = os.stat(path)
                files[os.path.relpath(path, ROOT)] = (stat.st_mtime_ns, stat.st_size)
    return files


@pytest.fixture(scope="session", autouse=True)
def repository_stays_untouched():
    """A test run writes nothing into the repository (keys, databases, mail and files go to tmp)."""
    before = _repository_files()
    yield
    after = _repository_files()
    written = sorted(path for path, stamp in after.items() if before.get(path) != stamp)
    assert written == [], f"the test run wrote into the repository: {written[:20]}"


def pytest_report_header(config):
    return f"database: {TEST_DATABASE_URL or 'SQLite'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if TEST_DATABASE_URL:
        return TEST_DATABASE_URL
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


_schema_ready: set[str] = set()


def _test_config(database_url: str, tmp_path: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "STORAGE_DIR": str(tmp_path / "files"),
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "KEYS_DIR": str(tmp_path / "keys"),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": None,
        "PASSWORD_HASHING": TEST_PASSWORD_HASHING,
    }


@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    """Override entries in a test before asking for `app`."""
    return _test_config(database_url, tmp_path)


class RequestInItsOwnContext(FlaskClient):
    """A test client whose every request runs as in production: in a new app context with its own
    database session, so the test sees only what the request really committed. The test's own session
    (factories, assertions) ends its transaction around each request, to read what the request wrote."""

    def open(self, *args, **kwargs):
        _end_test_transaction()
        try:
            return contextvars.Context().run(super().open, *args, **kwargs)
        finally:
            _end_test_transaction()


def _end_test_transaction():
    if has_app_context():
        db.session.rollback()


@contextmanager
def _running_app(config: dict, create_schema: bool = True):
    app = create_app(config)
    app.test_client_class = RequestInItsOwnContext
    if not create_schema:
        init_migrate(app)  # for the migration tests' flask_migrate.upgrade() and downgrade()
    # The test holds an app context open for its own use of db.session; requests get their own.
    with app.app_context():
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        if create_schema and url not in _schema_ready:
            db.drop_all()
            _drop_alembic_version()
            db.create_all()
            _schema_ready.add(url)
        try:
            yield app
        finally:
            db.session.remove()
            if create_schema:
                _empty_all_tables()
            db.engine.dispose()


@pytest.fixture
def app(app_config):
    with _running_app(app_config) as app:
        yield app


@pytest.fixture
def app_with(database_url, tmp_path):
    """app_with(KEY=value, ...) -> an app whose configuration differs from the default test one.
    With create_schema=False the database is left as it is and Flask-Migrate is bound (for migration tests)."""
    with ExitStack() as stack:
        yield lambda create_schema=True, **overrides: stack.enter_context(
            _running_app({**_test_config(database_url, tmp_path), **overrides}, create_schema))


def _drop_alembic_version():
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def _empty_all_tables():
    """One fresh database per test: every row goes, the schema stays."""
    tables = db.metadata.sorted_tables
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                conn.execute(table.delete())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make():
    from tests import factories
    return factories


def login(client, user, password=None):
    from tests.factories import PASSWORD
    response = client.post("/login", data={"email": user.email, "password": password or PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


@pytest.fixture
def login_as(app):
    """login_as(user) -> a test client signed in as that user."""
    def _login(user):
        return login(app.test_client(), user)
    return _login
