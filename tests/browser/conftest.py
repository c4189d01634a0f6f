"""Real-browser tests: Debian's Chromium, driven by Playwright, against Enshu served by gunicorn.

One server per test session, in a fresh instance folder (a temporary directory) with its own database:
a SQLite file there, or a database created for this run on the PostgreSQL server named by
TEST_DATABASE_URL (and dropped afterwards). Each test makes its own people and cohorts, so tests do not
depend on each other's data.
"""

import os
import secrets
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.browser import checks
from tests.browser.world import World
from tests.databases import scratch_database
from tests.servers import ROOT, free_port, gunicorn, server_env

FIXTURE_CONTENT = ROOT / "tests" / "fixtures" / "content"
CHROMIUM = os.environ.get("ENSHU_TEST_CHROMIUM", "/usr/bin/chromium")
# Playwright cannot download its own browser here; it drives the system Chromium with these switches.
# --lang pins the browser's own language, which sets the order of the parts of a date field (month/day/year).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--lang=en-US"]
BROWSER_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if BROWSER_DIR in item.path.parents:
            item.add_marker(pytest.mark.browser)


def pytest_terminal_summary(terminalreporter):
    checks.print_summary(terminalreporter)


# -- the server ------------------------------------------------------------------------------------------

def _database(instance: Path):
    """A database for this run: a SQLite file in the instance folder, or a fresh PostgreSQL database."""
    return scratch_database(os.environ.get("TEST_DATABASE_URL"), instance / "enshu.sqlite3", "enshu_browser")


class Server:
    def __init__(self, url: str, instance: Path, config: dict):
        self.url = url
        self.instance = instance
        self.config = config


@contextmanager
def serve(instance: Path):
    """Enshu served by gunicorn on 127.0.0.1 from the fresh instance folder `instance`, set up the way an
    operator does it (prepare_instance.py: migrations, municipalities, content sync of
    tests/fixtures/content, badge issuer); yields its Server until the block ends."""
    with _database(instance) as database_url:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        config = {
            "SECRET_KEY": secrets.token_hex(32),
            "SQLALCHEMY_DATABASE_URI": database_url,
            "STORAGE_DIR": str(instance / "files"),
            "OUTBOX_DIR": str(instance / "outbox"),
            "KEYS_DIR": str(instance / "keys"),
            "BASE_URL": url,
            "RATELIMIT_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
        env = server_env(config, FLASK_APP="wsgi.py")
        prepared = subprocess.run([sys.executable, "-m", "tests.browser.prepare_instance", str(FIXTURE_CONTENT)],
                                  cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
        assert prepared.returncode == 0, f"preparing the instance failed:\n{prepared.stdout}\n{prepared.stderr}"

        with gunicorn(env, port, instance / "gunicorn.log", workers=2, threads=4, graceful_timeout=5):
            yield Server(url, instance, config)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The server of the whole test session (see serve)."""
    with serve(tmp_path_factory.mktemp("browser-instance")) as running:
        yield running


@pytest.fixture(scope="session")
def world(server):
    world = World(server.config)
    yield world
    world.close()


# -- the browser -----------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (scripts/test does it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, server):
    """new_page(locale='ja', javascript=True, width=1280) -> a page in a fresh browser context (no cookies)."""
    contexts = []

    def _new_page(locale: str = "ja", javascript: bool = True, width: int = 1280, height: int = 900):
        context = browser.new_context(base_url=server.url, locale="ja-JP" if locale == "ja" else "en-US",
                                      java_script_enabled=javascript, viewport={"width": width, "height": height},
                                      timezone_id="Asia/Tokyo")
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield _new_page
    for context in contexts:
        context.close()
