"""Migrations build exactly the schema the models describe, and downgrade to nothing, on both engines."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app.extensions import db
from tests.conftest import TEST_DATABASE_URL
from tests.databases import scratch_database


@pytest.fixture
def empty_database(tmp_path):
    """A database of its own, so migrating does not disturb the other tests' schema."""
    with scratch_database(TEST_DATABASE_URL, tmp_path / "migrations.sqlite3", "enshu_migrations") as url:
        yield url


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


def test_existing_accounts_get_a_session_token_of_their_own(app_with, empty_database):
    app_with(create_schema=False, SQLALCHEMY_DATABASE_URI=empty_database)
    engine = db.engine
    upgrade(revision="0005")
    with engine.begin() as conn:
        for n in (1, 2):
            conn.execute(text("INSERT INTO user_account (email, display_name, role, locale, is_active_account, "
                              "created_at, publishes_badge_evidence) VALUES "
                              f"('u{n}@example.jp', 'u{n}', 'learner', 'ja', true, CURRENT_TIMESTAMP, false)"))
    upgrade(revision="0006")
    with engine.connect() as conn:
        tokens = conn.execute(text("SELECT session_token FROM user_account")).scalars().all()
    assert len(tokens) == 2 and len(set(tokens)) == 2 and all(len(t) == 32 for t in tokens)
    downgrade(revision="0005")
    assert "session_token" not in {c["name"] for c in inspect(engine).get_columns("user_account")}
    downgrade(revision="base")
    engine.dispose()


def test_a_database_full_of_data_migrates_down_and_up(app_with, empty_database, make, tmp_path):
    """Batch migrations rebuild tables that other rows point to (on SQLite): they must work on a
    database in use, not only on an empty one."""
    app_with(create_schema=False, SQLALCHEMY_DATABASE_URI=empty_database, STORAGE_DIR=str(tmp_path / "files"),
             KEYS_DIR=str(tmp_path / "keys"))
    engine = db.engine
    upgrade()
    learner, mentor = make.user(), make.user(make.Role.MENTOR)
    group = make.cohort(learners=[learner], mentors=[mentor])
    make.complete_module(group, learner, mentor, str(tmp_path / "files"))
    counts = _row_counts(engine)
    assert counts["badge_credential"] == 1 and counts["badge_issuer"] == 1
    db.session.remove()
    downgrade(revision="0003")
    upgrade()
    assert _row_counts(engine) == counts
    assert _drift(engine) == []
    downgrade(revision="base")
    engine.dispose()


def _row_counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar()
                for t in inspect(engine).get_table_names() if t != "alembic_version"}
