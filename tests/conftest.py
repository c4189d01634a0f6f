import contextvars
import os
import tempfile
from collections import Counter
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import has_app_context
from flask.testing import FlaskClient
from flask_sqlalchemy import SQLAlchemy
from jinja2 import BytecodeCache
from sqlalchemy import text
from werkzeug.routing import Rule

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
    # Written beside and then renamed: a run on the other database may be reading the catalog meanwhile.
    for po_path in (ROOT / "app" / "translations").glob("*/LC_MESSAGES/messages.po"):
        with po_path.open("rb") as f:
            catalog = read_po(f)
        with tempfile.NamedTemporaryFile(dir=po_path.parent, prefix=".messages-", suffix=".mo", delete=False) as f:
            write_mo(f, catalog)
        os.replace(f.name, po_path.with_suffix(".mo"))


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
        yield TEST_DATABASE_URL
        return
    # In memory where the system has it: every commit waits for the disk otherwise (4 ms each here).
    with tempfile.TemporaryDirectory(prefix="enshu-test-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None) as folder:
        yield "sqlite:///" + os.path.join(folder, "test.sqlite3")


_schema_ready: set[str] = set()


def _compile_each_url_builder_once():
    """Every test creates its app, and Werkzeug compiles two Python functions for each of its ~150
    URL rules: 0.2 s a test, 10 minutes of a run. A builder's code depends only on the rule's text
    and whether it appends unknown arguments (it reads converters from the rule it is bound to when
    called), so the suite compiles each once. Rules with defaults may fill a variable of theirs
    through a converter at compile time: those few are left to Werkzeug."""
    compile_builder = Rule._compile_builder
    compiled = {}

    def compile_builder_once(rule, append_unknown=True):
        if rule.defaults:
            return compile_builder(rule, append_unknown)
        key = (rule.rule, rule.subdomain, rule.host, append_unknown)
        if key not in compiled:
            compiled[key] = compile_builder(rule, append_unknown)
        return compiled[key]

    Rule._compile_builder = compile_builder_once


_compile_each_url_builder_once()


def _one_engine_per_database():
    """SQLAlchemy keeps the SQL it compiled for a statement in the engine, and each test's app would make
    its own and compile every statement again. Apps of the same database and engine options share one
    engine; the last of a test's apps on it closes its connections (`_running_app`)."""
    engines = {}

    def make_engine_once(extension, bind_key, options, app):
        key = repr(sorted(options.items()))
        if key not in engines:
            engines[key] = make_engine(extension, bind_key, options, app)
        return engines[key]

    make_engine = SQLAlchemy._make_engine
    SQLAlchemy._make_engine = make_engine_once


_one_engine_per_database()


class TemplatesCompiledOnce(BytecodeCache):
    """Each test's app has its own Jinja environment, which would parse and compile every template it
    renders again (about a sixth of a page test's time). Jinja's bytecode cache is checked against the
    template's source, so a changed template is compiled anew."""

    def __init__(self):
        self.code = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket):
        self.code[bucket.key] = bucket.bytecode_to_string()


_templates_compiled_once = TemplatesCompiledOnce()


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


_apps_on_engine: Counter = Counter()


@contextmanager
def _running_app(config: dict, create_schema: bool = True):
    app = create_app(config)
    app.test_client_class = RequestInItsOwnContext
    app.jinja_env.bytecode_cache = _templates_compiled_once
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
        engine = db.engine
        _apps_on_engine[engine] += 1
        try:
            yield app
        finally:
            db.session.remove()
            if create_schema:
                _empty_all_tables()
            _apps_on_engine[engine] -= 1
            # Not while another app of the test is on it (app and app_with): a connection its session
            # holds would be left out of the pool, never closed.
            if not _apps_on_engine[engine]:
                engine.dispose()


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


# Sequences a test used start again at 1, as SQLite's rowids do once their table is empty.
_RESTART_USED_SEQUENCES = text("SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false) "
                               "FROM pg_sequences WHERE last_value IS NOT NULL")


def _empty_all_tables():
    """One fresh database per test: every row goes, the schema stays. DELETE rather than TRUNCATE: the
    tables hold a test's few rows, and TRUNCATE's new files for 58 tables took 240 ms a test on PostgreSQL."""
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
        if db.engine.dialect.name == "postgresql":
            conn.execute(_RESTART_USED_SEQUENCES)


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
