"""Databases of their own for tests that must not touch the shared test schema (migrations, a server)."""

import secrets
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def scratch_database(base_url: str | None, sqlite_file: Path, prefix: str):
    """Yield a database URL: `sqlite_file` unless `base_url` is PostgreSQL, in which case a new database
    is created on that server and dropped afterwards."""
    if not base_url or make_url(base_url).get_backend_name() != "postgresql":
        yield "sqlite:///" + str(sqlite_file)
        return
    url = make_url(base_url)
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
