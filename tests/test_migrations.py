"""Migrations build exactly the schema the models describe, and downgrade to nothing, on both engines."""

import logging
import re

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from app.core.db import include_in_schema_comparison, is_search_index, utcnow
from app.extensions import db
from tests.conftest import TEST_DATABASE_URL
from tests.databases import scratch_database


@pytest.fixture
def empty_database(tmp_path):
    """A database of its own, so migrating does not disturb the other tests' schema."""
    with scratch_database(TEST_DATABASE_URL, tmp_path / "migrations.sqlite3", "enshu_migrations") as url:
        yield url


@pytest.fixture
def models_database(tmp_path):
    """A second database, for the schema create_all builds straight from the models."""
    with scratch_database(TEST_DATABASE_URL, tmp_path / "models.sqlite3", "enshu_models") as url:
        yield url


def _drift(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True,
                                                         "include_name": include_in_schema_comparison})
        return compare_metadata(context, db.metadata)


def _rules(engine) -> dict[str, str]:
    """CHECK constraints, server defaults and partial indexes' conditions as the database itself renders
    them (Alembic's comparison ignores them): compared with a database created from the models, the
    texts need no parsing."""
    inspector = inspect(engine)
    rules = {}
    for table in inspector.get_table_names():
        for check in inspector.get_check_constraints(table):
            rules[f"{table} check {check['name']}"] = re.sub(r"\s+", " ", check["sqltext"]).strip()
        for column in inspector.get_columns(table):
            if column.get("default") is not None:
                rules[f"{table}.{column['name']} default"] = column["default"]
        for index in inspector.get_indexes(table):  # a partial index's rows (sqlite_where, postgresql_where)
            for option, value in index.get("dialect_options", {}).items():
                if option.endswith("_where"):
                    rules[f"{table} index {index['name']} where"] = re.sub(r"\s+", " ", str(value)).strip()
    return rules


def _assert_no_drift(engine, models_database: str) -> None:
    assert _drift(engine) == []
    from_models = create_engine(models_database)
    try:
        db.metadata.create_all(from_models)
        assert _rules(engine) == _rules(from_models)
    finally:
        from_models.dispose()


def test_upgrade_matches_models_and_downgrade_reaches_base(app_with, empty_database, models_database):
    app = app_with(create_schema=False, SQLALCHEMY_DATABASE_URI=empty_database)
    engine = db.engine
    upgrade()
    _assert_no_drift(engine, models_database)
    tables = set(inspect(engine).get_table_names())
    assert {"user_account", "submission_version", "completion_record"} <= tables
    downgrade(revision="base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade()  # and back up again: the chain is repeatable
    _assert_no_drift(engine, models_database)
    downgrade(revision="base")
    engine.dispose()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == empty_database


def test_a_migration_leaves_the_apps_loggers_working(app_with, empty_database):
    # Alembic's logging set-up once disabled every existing logger: the sign-in throttle's outage log fell silent.
    app_with(create_schema=False, SQLALCHEMY_DATABASE_URI=empty_database)
    loggers = [logging.getLogger(name) for name in ("app.auth.throttle", "app.core.jobs", "app.core.mail")]
    upgrade(revision="0001")
    assert [logger.name for logger in loggers if logger.disabled] == []
    downgrade(revision="base")
    db.engine.dispose()


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
    kept = set(inspect(engine).get_table_names())
    upgrade()
    after = _row_counts(engine)
    # Every row of the tables 0003 had is back; tables that later migrations add start empty (the
    # notifications of the completed module went with their table).
    assert {t: after[t] for t in counts if t in kept} == {t: n for t, n in counts.items() if t in kept}
    assert {t: n for t, n in after.items() if t not in kept and n} == {}
    assert _drift(engine) == []
    downgrade(revision="base")
    engine.dispose()


def _row_counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar()
                for t in inspect(engine).get_table_names()
                if t != "alembic_version" and not is_search_index(t, "table")}  # FTS5 keeps rows of its own


def _alembic(command_name: str, revision: str) -> None:
    """Run Alembic itself: Flask-Migrate's commands turn a refusing migration's error into an exit."""
    getattr(command, command_name)(current_app.extensions["migrate"].migrate.get_config(), revision)


def _head() -> str:
    """The newest migration: the one a plain upgrade reaches."""
    return ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config()).get_current_head()


def _revision(engine) -> str:
    with engine.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()


def _insert(engine, statements: list[str]) -> None:
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


_ISSUER = ("INSERT INTO badge_issuer (id, name_ja, name_en, url, email, identifier_method, created_at) VALUES "
           "(1, '事務局', 'Office', 'https://example.jp', 'office@example.jp', 'https', '2026-01-01 00:00:00')")


def test_upgrade_retires_the_keys_newer_keys_replaced(app_with, empty_database):
    """Several unretired keys of one issuer break the new one-signing-key rule; the newest signed alone
    already, so the older ones are retired from when the next one was made."""
    app_with(create_schema=False, SQLALCHEMY_DATABASE_URI=empty_database)
    engine = db.engine
    upgrade(revision="0006")
    _insert(engine, [_ISSUER] + [
        "INSERT INTO badge_issuer_key (issuer_id, number, public_key_multibase, created_at) "
        f"VALUES (1, {n}, 'z{n}', '2026-0{n}-01 00:00:00')" for n in (1, 2, 3)])
    upgrade()
    with engine.connect() as conn:
        keys = conn.execute(text("SELECT k.number, k.retired_at = n.created_at FROM badge_issuer_key k "
                                 "LEFT JOIN badge_issuer_key n ON n.number = k.number + 1 ORDER BY k.number")).all()
    assert [tuple(k) for k in keys] == [(1, True), (2, True), (3, None)]
    downgrade(revision="base")
    engine.dispose()


def test_upgrade_refuses_rows_breaking_a_new_rule_and_changes_nothing(app_with, empty_database):
    app_with(create_schema=False, SQLALCHEMY_DATABASE_URI=empty_database)
    engine = db.engine
    upgrade(revision="0007")
    level = ("INSERT INTO badge_achievement (issuer_id, kind, talent_level, name_ja, name_en, description_ja, "
             "description_en, criteria_ja, criteria_en, alignments, tags, created_at) VALUES "
             "(1, 'talent_level', 2, 'L2', 'L2', 'd', 'd', 'c', 'c', '[]', '[]', '2026-01-01 00:00:00')")
    _insert(engine, [
        "INSERT INTO module (id, slug, created_at) VALUES (1, 'm', '2026-01-01 00:00:00')",
        "INSERT INTO module_version (module_id, number, content_hash, title_ja, title_en, summary_ja_html, "
        "summary_en_html, objectives, target_level, estimated_hours, synced_at) VALUES "
        "(1, 1, 'h', 't', 't', 's', 's', '[]', 1, 0, '2026-01-01 00:00:00')",
        _ISSUER, level, level])
    with pytest.raises(RuntimeError) as refusal:
        _alembic("upgrade", "0008")
    assert "module_version ids [1]: ck_module_version_estimated_hours_positive" in str(refusal.value)
    assert "badge_achievement: uq_badge_achievement_issuer_id_talent_level" in str(refusal.value)
    engine.dispose()
    assert _revision(engine) == "0007"
    assert "revoked_at" not in {c["name"] for c in inspect(engine).get_columns("completion_record")}
    _insert(engine, ["UPDATE module_version SET estimated_hours = 2",
                     "DELETE FROM badge_achievement WHERE id = (SELECT MAX(id) FROM badge_achievement)"])
    upgrade()
    assert _revision(engine) == _head()
    downgrade(revision="base")
    engine.dispose()


def test_downgrade_refuses_to_forget_revoked_completions(app_with, empty_database, make, tmp_path):
    app_with(create_schema=False, SQLALCHEMY_DATABASE_URI=empty_database, STORAGE_DIR=str(tmp_path / "files"),
             KEYS_DIR=str(tmp_path / "keys"))
    engine = db.engine
    upgrade()
    learner, mentor = make.user(), make.user(make.Role.MENTOR)
    record = make.complete_module(make.cohort(learners=[learner], mentors=[mentor]), learner, mentor,
                                  str(tmp_path / "files"))
    record.revoked_at, record.revocation_reason, record.revoked_by = utcnow(), "二重登録", mentor
    db.session.commit()
    record_id = record.id
    db.session.remove()
    _alembic("downgrade", "0008")  # the later migrations, which have nothing to say about it
    with pytest.raises(RuntimeError, match=rf"revoked completion records \[{record_id}\]"):
        _alembic("downgrade", "0007")
    engine.dispose()
    # 0008 refused and is still applied (PostgreSQL undoes the refused step in its transaction).
    assert _revision(engine) == "0008"
    engine.dispose()


def test_existing_cohorts_get_the_state_their_dates_imply_and_due_dates_survive_a_downgrade(
        app_with, empty_database, tmp_path):
    import sqlalchemy as sa
    from datetime import timedelta
    app_with(create_schema=False, SQLALCHEMY_DATABASE_URI=empty_database, STORAGE_DIR=str(tmp_path / "files"),
             KEYS_DIR=str(tmp_path / "keys"))
    engine = db.engine
    upgrade(revision="0008")
    now, day = utcnow(), timedelta(days=1)
    moment = sa.DateTime(timezone=True)
    cohort = sa.table("cohort", *(sa.column(c) for c in ("id", "name", "module_version_id", "badges_need_approval")),
                      sa.column("starts_at", moment), sa.column("ends_at", moment), sa.column("created_at", moment))
    scheduled = sa.table("scheduled_exercise", sa.column("cohort_id"), sa.column("exercise_id"),
                         sa.column("due_at", moment))
    _insert(engine, [
        "INSERT INTO module (id, slug, created_at) VALUES (1, 'm', '2026-01-01 00:00:00')",
        "INSERT INTO module_version (id, module_id, number, content_hash, title_ja, title_en, summary_ja_html, "
        "summary_en_html, objectives, personas, sources, target_level, estimated_hours, synced_at) VALUES "
        "(1, 1, 1, 'h', 't', 't', 's', 's', '[]', '[]', '[]', 1, 2, '2026-01-01 00:00:00')",
        "INSERT INTO exercise (id, module_version_id, slug, position, title_ja, title_en, brief_ja_md, brief_ja_html, "
        "brief_en_md, brief_en_html, is_required, weight, pass_threshold) VALUES "
        "(1, 1, 'e', 1, 't', 't', 'b', 'b', 'b', 'b', TRUE, 1, 0.6)"])
    with engine.begin() as conn:
        for cohort_id, starts, ends in ((1, -40, -10), (2, -5, 20), (3, 10, 40)):
            conn.execute(cohort.insert().values(id=cohort_id, name=f"期{cohort_id}", module_version_id=1,
                                                badges_need_approval=False, starts_at=now + starts * day,
                                                ends_at=now + ends * day, created_at=now))
            conn.execute(scheduled.insert().values(cohort_id=cohort_id, exercise_id=1, due_at=now + ends * day))
    upgrade()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, status, description FROM cohort ORDER BY id")).all() == [
            (1, "closed", ""), (2, "running", ""), (3, "open", "")]
    _insert(engine, ["UPDATE scheduled_exercise SET due_at = NULL WHERE cohort_id = 2"])
    downgrade(revision="0008")
    engine.dispose()
    with engine.connect() as conn:
        due, ends = conn.execute(text("SELECT s.due_at, c.ends_at FROM scheduled_exercise s "
                                      "JOIN cohort c ON c.id = s.cohort_id WHERE c.id = 2")).one()
    assert due == ends
    downgrade(revision="base")
    engine.dispose()


def test_extension_notices_go_on_a_downgrade_and_their_kinds_are_refused_without_them(app_with, empty_database,
                                                                                       models_database, make):
    """0027 adds the kinds of extension notices and the extension a notification names; going down deletes the
    notifications and mail choices of those kinds first (the older CHECK constraint would refuse them)."""
    from sqlalchemy.exc import IntegrityError
    from app.deadlines.models import Extension, ExtensionStatus
    from app.notifications.models import MailOptOut, Notification, NotificationKind
    app_with(create_schema=False, SQLALCHEMY_DATABASE_URI=empty_database)
    engine = db.engine
    upgrade()
    learner = make.user()
    group = make.cohort(make.module_version(exercises=1), learners=[learner])
    exercise = group.module_version.exercises[0]
    extension = Extension(enrolment_id=make.enrolment(group, learner).id, exercise_id=exercise.id,
                          status=ExtensionStatus.DECLINED, reason="大雪", requested_by_id=learner.id,
                          decided_at=utcnow(), decision_note="不可")
    db.session.add(extension)
    db.session.flush()
    for kind in (NotificationKind.EXTENSION_DECLINED, NotificationKind.WORK_RETURNED):
        db.session.add(Notification(recipient_id=learner.id, kind=kind, cohort_id=group.id, exercise_id=exercise.id,
                                    extension_id=extension.id if kind == NotificationKind.EXTENSION_DECLINED else None))
    db.session.add_all([MailOptOut(user_id=learner.id, kind=NotificationKind.EXTENSION_GRANTED),
                        MailOptOut(user_id=learner.id, kind=NotificationKind.OVERDUE)])
    db.session.commit()
    learner_id = learner.id
    db.session.remove()

    downgrade(revision="0026_award_courses")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT kind FROM notification")).scalars().all() == ["work_returned"]
        assert conn.execute(text("SELECT kind FROM notification_mail_opt_out")).scalars().all() == ["overdue"]
    assert "extension_id" not in {c["name"] for c in inspect(engine).get_columns("notification")}
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("INSERT INTO notification_mail_opt_out (user_id, kind, created_at) "
                          f"VALUES ({learner_id}, 'extension_granted', CURRENT_TIMESTAMP)"))
    upgrade()
    _assert_no_drift(engine, models_database)
    downgrade(revision="base")
    engine.dispose()
