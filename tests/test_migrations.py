"""Migrations build exactly the schema the models describe, and downgrade to nothing, on both engines."""

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from app.extensions import db


@pytest.fixture
def empty_database(database_url, tmp_path):
    """A database of its own, so migrating does not disturb the other tests' schema."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"enshu_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _drift(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        return compare_metadata(context, db.metadata)


def test_upgrade_matches_models_and_downgrade_reaches_base(app_with, empty_database):
    app = app_with(create_schema=False, SQLALCHEMY_DATABASE_URI=empty_database)
    engine = db.engine
    upgrade()
    assert _drift(engine) == []
    tables = set(inspect(engine).get_table_names())
    assert {"user_account", "submission_version", "completion_record"} <= tables
    downgrade(revision="base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade()  # and back up again: the chain is repeatable
    assert _drift(engine) == []
    downgrade(revision="base")
    engine.dispose()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == empty_database
