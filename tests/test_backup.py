"""`flask backup create` / `restore`: the database, stored files and signing keys round-trip, and a
damaged or foreign archive is refused before anything changes."""

import gzip
import hashlib
import io
import json
import stat
import tarfile
import zlib
from pathlib import Path

import pytest
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from app.auth.models import Role, User
from app.backup import pgclient, services
from app.core.storage import FileStorage
from app.core.timeutil import utcnow
from app.extensions import MIGRATIONS_DIR, db
from app.submissions.models import Attachment
from app.submissions.services import Upload, submit_version


def _snapshot() -> dict[str, list[tuple]]:
    """Every table's rows, in primary key order."""
    with db.engine.connect() as conn:
        return {table.name: [tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key))]
                for table in db.metadata.sorted_tables}


def _names() -> list[str]:
    return list(db.session.scalars(select(User.display_name).order_by(User.id)))


def _files(folder: str) -> dict[str, bytes]:
    root = Path(folder)
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _build_site(app, make) -> None:
    """Users, a cohort, a submission with an attachment in STORAGE_DIR and an issued badge (a signing key)."""
    learner, mentor = make.user(), make.user(Role.MENTOR)
    group = make.cohort(learners=[learner], mentors=[mentor])
    pdf, name = make.pdf_file()
    submit_version(db.session, enrolment=make.enrolment(group, learner), exercise=group.module_version.exercises[0],
                   body_md="添付つきの回答", uploads=[Upload(name, pdf)], keep_attachment_ids=set(),
                   storage=FileStorage(app.config["STORAGE_DIR"]), now=utcnow(), max_answer_chars=10_000,
                   max_attachment_bytes=10_000)
    db.session.commit()
    make.complete_module(group, learner, mentor, app.config["STORAGE_DIR"])


def _repack(archive: Path, target: Path, change) -> Path:
    """A copy of `archive` whose entries (name -> bytes, manifest parsed) `change` has edited."""
    with tarfile.open(archive, "r:gz") as tar:
        entries = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    manifest = json.loads(entries.pop(services.MANIFEST))
    change(manifest, entries)
    with tarfile.open(target, "w:gz") as tar:
        for name, data in [(services.MANIFEST, json.dumps(manifest).encode()), *entries.items()]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return target


@pytest.fixture
def archive(app, make, tmp_path) -> Path:
    """A backup of a small site (a user, a stored file); afterwards another user and file are added."""
    make.user(name="バックアップ前")
    FileStorage(app.config["STORAGE_DIR"]).put_bytes(b"before the backup")
    path = tmp_path / "backups" / "site.tar.gz"
    services.create_backup(db.engine, Path(app.config["STORAGE_DIR"]), Path(app.config["KEYS_DIR"]), path, utcnow())
    make.user(name="バックアップ後")
    FileStorage(app.config["STORAGE_DIR"]).put_bytes(b"after the backup")
    db.session.remove()
    return path


def _refused(app, runner, archive: Path, *options: str) -> str:
    """Run a restore that must fail; check that the database and the files are as they were."""
    rows, files = _snapshot(), _files(app.config["STORAGE_DIR"])
    result = runner.invoke(args=["backup", "restore", *options, str(archive)])
    assert result.exit_code == 1
    assert _snapshot() == rows and _files(app.config["STORAGE_DIR"]) == files
    return result.output


def test_restore_brings_back_every_row_stored_file_and_key(app, runner, make, tmp_path):
    _build_site(app, make)
    rows, files, keys = _snapshot(), _files(app.config["STORAGE_DIR"]), _files(app.config["KEYS_DIR"])
    assert rows["attachment"] and rows["badge_credential"] and rows["cohort"] and len(files) == 1 and len(keys) == 1
    archive = tmp_path / "site.tar.gz"

    result = runner.invoke(args=["backup", "create", str(archive)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert "1 stored files, 1 signing keys" in result.output

    # The site moves on: a row changed, one deleted, one added; a stored file lost, another added, a key damaged.
    attachment = db.session.scalars(select(Attachment)).one()
    attachment.submission_version.submission.enrolment.user.display_name = "変更後の名前"
    db.session.delete(attachment)
    make.user()
    storage = FileStorage(app.config["STORAGE_DIR"])
    storage.path_for(attachment.content_hash).unlink()
    storage.put_bytes(b"uploaded after the backup")
    key_file = next(Path(app.config["KEYS_DIR"]).iterdir())
    key_file.write_text("damaged\n")
    new_key = Path(app.config["KEYS_DIR"]) / "made-after-the-backup.ed25519"
    new_key.write_text("new\n")
    assert _snapshot() != rows

    result = runner.invoke(args=["backup", "restore", "--yes", str(archive)])
    assert result.exit_code == 0, result.output
    assert "1 stored files (removed 1 not in the backup) and 1 signing keys; checksums verified" in result.output
    assert _snapshot() == rows
    assert _files(app.config["STORAGE_DIR"]) == files
    assert _files(app.config["KEYS_DIR"]) == {**keys, new_key.name: b"new\n"}  # a private key is never deleted
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # Sequences came back too: the next row gets a new id.
    assert make.user().id > max(row[0] for row in rows["user_account"])


def test_manifest_names_engine_revision_and_each_files_checksum(app, make, tmp_path):
    data = b"%PDF-1.4 attachment"
    content_hash = FileStorage(app.config["STORAGE_DIR"]).put_bytes(data)
    head = next(iter(services.migrations_of(MIGRATIONS_DIR).heads))
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        conn.execute(text("INSERT INTO alembic_version VALUES (:head)"), {"head": head})
    try:
        services.create_backup(db.engine, Path(app.config["STORAGE_DIR"]), Path(app.config["KEYS_DIR"]),
                               tmp_path / "site.tar.gz", utcnow())
    finally:
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE alembic_version"))
    with tarfile.open(tmp_path / "site.tar.gz", "r:gz") as tar:
        assert tar.getnames()[0] == "manifest.json"
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert manifest["engine"] == db.engine.dialect.name and manifest["alembic_revision"] == head
    assert manifest["file_count"] == 1 and manifest["key_count"] == 0
    assert manifest["sha256"][f"files/{content_hash[:2]}/{content_hash[2:4]}/{content_hash}"] == \
        hashlib.sha256(data).hexdigest()
    assert "user_account" in manifest["tables"]


def test_create_does_not_overwrite_an_archive(app, runner, archive):
    before = archive.read_bytes()
    result = runner.invoke(args=["backup", "create", str(archive)])
    assert result.exit_code == 1 and f"{archive} exists already" in result.output
    assert archive.read_bytes() == before


def test_restore_refuses_a_changed_byte(app, runner, archive, tmp_path):
    def change_a_byte(manifest, entries):
        name = next(n for n in entries if n.startswith("files/"))
        entries[name] = b"X" + entries[name][1:]
        return name

    changed = _repack(archive, tmp_path / "changed.tar.gz", change_a_byte)
    output = _refused(app, runner, changed, "--yes")
    assert "Error: The backup is corrupted: checksum mismatch for files/" in output


def _damaged_from(data: bytes, start: int) -> bytes:
    """`data` with the first byte from `start` on inverted that changes what the archive holds or makes it
    unreadable. (Some bytes of a deflate stream can change without changing the data: such an archive is
    not damaged, and restoring it is right.)"""
    def unpacked(archive: bytes) -> bytes | None:
        try:
            return gzip.decompress(archive)
        except (OSError, EOFError, zlib.error):
            return None

    original = unpacked(data)
    for at in range(start, len(data)):
        damaged = bytearray(data)
        damaged[at] ^= 0xFF
        if unpacked(bytes(damaged)) != original:
            return bytes(damaged)
    raise AssertionError(f"no byte from {start} on matters")


@pytest.mark.parametrize("where", [
    pytest.param(lambda size: size // 2, id="in the middle"),
    # The end-of-archive padding and the gzip trailer (CRC, length) come after the last entry; tarfile alone
    # never reads them.
    pytest.param(lambda size: size - 40, id="near the end"),
    pytest.param(lambda size: size - 8, id="in the gzip trailer"),
])
def test_restore_refuses_an_archive_damaged_on_disk(app, runner, archive, where):
    data = archive.read_bytes()
    archive.write_bytes(_damaged_from(data, where(len(data))))
    assert "Error: The backup is corrupted: " in _refused(app, runner, archive, "--yes")


def test_restore_refuses_an_archive_missing_a_file(app, runner, archive, tmp_path):
    def drop_stored_file(manifest, entries):
        del entries[next(n for n in entries if n.startswith("files/"))]

    missing = _repack(archive, tmp_path / "missing.tar.gz", drop_stored_file)
    assert "Error: The backup is corrupted: missing from the archive: files/" in \
        _refused(app, runner, missing, "--yes")


def test_restore_refuses_a_backup_of_the_other_engine(app, runner, archive, tmp_path):
    engine = db.engine.dialect.name
    other = "sqlite" if engine == "postgresql" else "postgresql"

    def pretend_other_engine(manifest, entries):
        ours, theirs = services.DATABASE_ENTRIES[engine], services.DATABASE_ENTRIES[other]
        entries[theirs] = entries.pop(ours)
        manifest["sha256"][theirs] = manifest["sha256"].pop(ours)
        manifest["engine"] = other

    foreign = _repack(archive, tmp_path / "foreign.tar.gz", pretend_other_engine)
    assert f"Error: This backup is of a {other} database, but the configured database is {engine}." in \
        _refused(app, runner, foreign, "--yes")


def test_restore_refuses_a_migration_newer_than_the_code(app, runner, archive, tmp_path):
    def from_the_future(manifest, entries):
        manifest["alembic_revision"] = "9999_from_the_future"

    newer = _repack(archive, tmp_path / "newer.tar.gz", from_the_future)
    assert "Error: The backup's database is at migration 9999_from_the_future, which this version of Enshu " \
           "does not know" in _refused(app, runner, newer, "--yes")


def test_restore_asks_first_and_changes_nothing_when_declined(app, runner, archive):
    rows, files = _snapshot(), _files(app.config["STORAGE_DIR"])
    result = runner.invoke(args=["backup", "restore", str(archive)], input="n\n")
    assert result.exit_code == 1
    assert "Replace the database" in result.output and "Aborted!" in result.output
    assert _snapshot() == rows and _files(app.config["STORAGE_DIR"]) == files
    assert _names() == ["バックアップ前", "バックアップ後"]


def test_restore_removes_tables_the_backup_does_not_have(app, runner, archive):
    # As a migration newer than the backup would have left them, with a foreign key into the backup's tables.
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE later_feature (id INTEGER PRIMARY KEY, "
                          "user_id INTEGER REFERENCES user_account (id))"))
    result = runner.invoke(args=["backup", "restore", "--yes", str(archive)])
    assert result.exit_code == 0, result.output
    with db.engine.connect() as conn:
        assert "later_feature" not in db.inspect(conn).get_table_names()
    assert _names() == ["バックアップ前"]


def test_pg_tools_come_from_path_or_the_newest_versioned_folder(tmp_path):
    for version in ("9.6", "15", "13"):
        program = tmp_path / "versions" / version / "bin" / "pg_dump"
        program.parent.mkdir(parents=True)
        program.write_text("#!/bin/sh\n")
        program.chmod(0o755)
    empty_path = str(tmp_path / "nothing-here")
    assert pgclient.find_tool("pg_dump", empty_path, tmp_path / "versions") == \
        tmp_path / "versions" / "15" / "bin" / "pg_dump"
    assert pgclient.find_tool("pg_dump", str(tmp_path / "versions" / "13" / "bin"), tmp_path / "versions") == \
        tmp_path / "versions" / "13" / "bin" / "pg_dump"
    with pytest.raises(pgclient.PgClientError, match="pg_restore was found neither on PATH nor in .*: install"):
        pgclient.find_tool("pg_restore", empty_path, tmp_path / "versions")


def test_database_url_becomes_quoted_libpq_parameters_with_the_password_outside():
    url = make_url("postgresql+psycopg://enshu:p%40ss%20'word@db.example:6543/enshu live?sslmode=require")
    conninfo, env = pgclient.libpq_connection(url)
    assert conninfo_to_dict(conninfo) == {"host": "db.example", "port": "6543", "user": "enshu",
                                          "dbname": "enshu live", "sslmode": "require"}
    assert env["PGPASSWORD"] == "p@ss 'word" and "word" not in conninfo
    with pytest.raises(pgclient.PgClientError, match="not a valid PostgreSQL connection"):
        pgclient.libpq_connection(make_url("postgresql+psycopg://h/db?no_such_option=1"))
