import os
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from flask import g
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy import text

from app import create_app
from app.extensions import db

ROOT = Path(__file__).resolve().parents[1]
# Set by scripts/test for the PostgreSQL run; empty means SQLite.
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or None


def pytest_sessionstart(session):
    # Compiled catalogs are build output (git-ignored); compile them so translated pages can be tested.
    for po_path in (ROOT / "app" / "translations").glob("*/LC_MESSAGES/messages.po"):
        with po_path.open("rb") as f:
            catalog = read_po(f)
        with po_path.with_suffix(".mo").open("wb") as f:
            write_mo(f, catalog)


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
    }


@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    """Override entries in a test before asking for `app`."""
    return _test_config(database_url, tmp_path)


@contextmanager
def _running_app(config: dict, create_schema: bool = True):
    app = create_app(config)

    # The test holds an app context open so it can use db.session; requests then share it, and
    # so would `g` (Flask-Login's user, Flask-Babel's locale). Start each request with an empty g.
    def fresh_g():
        g.__dict__.clear()

    app.before_request_funcs.setdefault(None, []).insert(0, fresh_g)
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
    With create_schema=False the database is left as it is (for migration tests)."""
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
