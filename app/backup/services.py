"""Backups: one .tar.gz archive holding the database, the stored files, the signing keys and a manifest.

The archive starts with manifest.json; then come the database (database.sqlite3 made with SQLite's
online backup API, or database.pgdump from pg_dump's custom format), files/<path in STORAGE_DIR>
and keys/<name in KEYS_DIR>. The manifest lists the sha256 of every other entry.
"""

import gzip
import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from app.backup import pgclient
from app.core.storage import PARTIAL_PREFIX, atomic_file

FORMAT = "enshu-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_ENTRIES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
FILES = "files"
KEYS = "keys"


class BackupError(Exception):
    """A backup cannot be made or restored; the message says why."""


class CorruptedBackup(BackupError):
    def __init__(self, detail: str):
        super().__init__(f"The backup is corrupted: {detail}")


class IncompatibleBackup(BackupError):
    pass


@dataclass(frozen=True)
class Manifest:
    created_at: str
    engine: str
    alembic_revision: str | None
    tables: tuple[str, ...]
    checksums: dict[str, str]  # entry name -> sha256 hex, for every entry but the manifest

    @property
    def database_entry(self) -> str:
        return DATABASE_ENTRIES[self.engine]

    def entries_under(self, folder: str) -> list[str]:
        return sorted(name for name in self.checksums if name.startswith(folder + "/"))

    def to_json(self) -> bytes:
        return json.dumps({
            "format": FORMAT, "format_version": FORMAT_VERSION, "created_at": self.created_at,
            "engine": self.engine, "alembic_revision": self.alembic_revision, "tables": list(self.tables),
            "database": self.database_entry, "file_count": len(self.entries_under(FILES)),
            "key_count": len(self.entries_under(KEYS)), "sha256": self.checksums,
        }, indent=2, sort_keys=True).encode()


@dataclass(frozen=True)
class Migrations:
    known: frozenset[str]
    heads: frozenset[str]


@dataclass(frozen=True)
class Restored:
    files: int
    removed_files: int
    keys: int


def migrations_of(migrations_dir: str | os.PathLike) -> Migrations:
    """The Alembic revisions this code knows, and its head(s)."""
    script = ScriptDirectory(str(migrations_dir))
    return Migrations(frozenset(s.revision for s in script.walk_revisions()), frozenset(script.get_heads()))


def create_backup(engine: Engine, storage_dir: Path, keys_dir: Path, archive: Path, now: datetime) -> Manifest:
    """Write a backup of the database, `storage_dir` and `keys_dir` to `archive`, readable by its owner
    only (it holds the private signing keys). The database is read consistently while the app runs.
    Raises BackupError (or pgclient.PgClientError) and leaves no archive when that fails."""
    if archive.exists():
        raise BackupError(f"{archive} exists already")
    engine_name = _engine_name(engine)
    archive.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="enshu-backup-") as scratch:
        database = Path(scratch) / DATABASE_ENTRIES[engine_name]
        with engine.connect() as conn:
            revision = MigrationContext.configure(conn).get_current_revision()
            tables = tuple(sorted(inspect(conn).get_table_names()))
        _dump_database(engine, database)
        # Files are listed after the dump: storage writes a file before the row naming it is committed,
        # so every file the dumped rows need is in the listing.
        sources = {database.name: database, **_folder_entries(FILES, storage_dir),
                   **_folder_entries(KEYS, keys_dir)}
        manifest = Manifest(created_at=now.isoformat(), engine=engine_name, alembic_revision=revision,
                            tables=tables, checksums={name: _sha256(path) for name, path in sources.items()})
        _write_archive(archive, manifest, sources, now)
    return manifest


def read_backup(archive: Path, staging: Path) -> Manifest:
    """Unpack `archive` into `staging`, checking every entry against the manifest's checksums.
    Raises CorruptedBackup for an unreadable archive, a changed, missing or unexpected entry."""
    unpacked: set[str] = set()
    try:
        with tarfile.open(archive, "r:gz") as tar:
            first = tar.next()
            if first is None or first.name != MANIFEST or not first.isfile():
                raise CorruptedBackup(f"{archive} does not start with {MANIFEST}: it is not an Enshu backup")
            manifest = _parse_manifest(tar.extractfile(first).read())
            # Not `for entry in tar`: that would start again at the manifest.
            while (entry := tar.next()) is not None:
                expected = manifest.checksums.get(entry.name)
                if expected is None or not entry.isfile() or entry.name in unpacked:
                    raise CorruptedBackup(f"unexpected entry {entry.name!r}")
                target = staging / entry.name
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                with tar.extractfile(entry) as source, target.open("wb") as out:
                    while chunk := source.read(1 << 20):
                        digest.update(chunk)
                        out.write(chunk)
                if digest.hexdigest() != expected:
                    raise CorruptedBackup(f"checksum mismatch for {entry.name}")
                unpacked.add(entry.name)
            # tarfile stops at the end-of-archive block; reading the gzip stream to its end checks its
            # CRC and length, which is what notices damage in headers, padding or the trailer.
            while tar.fileobj.read(1 << 20):
                pass
    except (tarfile.TarError, gzip.BadGzipFile, zlib.error, EOFError) as e:
        raise CorruptedBackup(f"the archive cannot be read ({e})") from None
    missing = sorted(set(manifest.checksums) - unpacked)
    if missing:
        raise CorruptedBackup(f"missing from the archive: {', '.join(missing)}")
    return manifest


def check_restorable(manifest: Manifest, engine_name: str, migrations: Migrations) -> None:
    """Raises IncompatibleBackup when the backup is of another engine or was made by newer code."""
    if manifest.engine != engine_name:
        raise IncompatibleBackup(f"This backup is of a {manifest.engine} database, but the configured "
                                 f"database is {engine_name}.")
    if manifest.alembic_revision is not None and manifest.alembic_revision not in migrations.known:
        raise IncompatibleBackup(f"The backup's database is at migration {manifest.alembic_revision}, which this "
                                 f"version of Enshu does not know: it was made by a newer version. Update the "
                                 f"code before restoring it.")


def restore_backup(engine: Engine, manifest: Manifest, staging: Path, storage_dir: Path,
                   keys_dir: Path) -> Restored:
    """Replace the database and the stored files with those unpacked in `staging` by read_backup, and
    add its signing keys (keys made since stay: a private key is never deleted). Stored files the
    backup does not have are removed. Verifies the checksums of what was written.
    Raises BackupError (or pgclient.PgClientError)."""
    _restore_database(engine, manifest, staging / manifest.database_entry)
    restored_files = _restore_folder(manifest, FILES, staging, storage_dir)
    removed = [path for name, path in _folder_entries(FILES, storage_dir).items() if name not in manifest.checksums]
    for path in removed:
        path.unlink()
    keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    restored_keys = _restore_folder(manifest, KEYS, staging, keys_dir)
    return Restored(files=restored_files, removed_files=len(removed), keys=restored_keys)


def _engine_name(engine: Engine) -> str:
    if engine.dialect.name not in DATABASE_ENTRIES:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {engine.dialect.name}")
    return engine.dialect.name


def _dump_database(engine: Engine, target: Path) -> None:
    if engine.dialect.name == "postgresql":
        pgclient.dump(engine.url, target)
        return
    # SQLite's online backup API in one step: a consistent snapshot while other connections write.
    with _driver_connection(engine) as live, closing(sqlite3.connect(target)) as copy:
        live.backup(copy)


def _restore_database(engine: Engine, manifest: Manifest, dump: Path) -> None:
    # Pooled connections would keep the old schema and, on PostgreSQL, could hold locks the restore needs.
    engine.dispose()
    if manifest.engine == "postgresql":
        _drop_tables_not_in(engine, set(manifest.tables))
        pgclient.restore(engine.url, dump)
    else:
        with closing(sqlite3.connect(dump)) as source, _driver_connection(engine) as live:
            source.backup(live)
    engine.dispose()


@contextmanager
def _driver_connection(engine: Engine) -> Iterator[sqlite3.Connection]:
    raw = engine.raw_connection()
    try:
        yield raw.driver_connection
    finally:
        raw.close()


def _drop_tables_not_in(engine: Engine, tables: set[str]) -> None:
    # Tables from migrations newer than the backup: pg_restore --clean leaves them (and their foreign
    # keys would stop it dropping the backup's tables), and `flask db upgrade` could not create them again.
    with engine.begin() as conn:
        quote = conn.dialect.identifier_preparer.quote
        for name in inspect(conn).get_table_names():
            if name not in tables:
                conn.execute(text(f"DROP TABLE IF EXISTS {quote(name)} CASCADE"))


def _folder_entries(prefix: str, folder: Path) -> dict[str, Path]:
    """Archive entry name -> path for every complete regular file below `folder`."""
    entries = {}
    for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
        if path.is_file() and not path.is_symlink() and not path.name.startswith(PARTIAL_PREFIX):
            entries[str(PurePosixPath(prefix, *path.relative_to(folder).parts))] = path
    return entries


def _restore_folder(manifest: Manifest, prefix: str, staging: Path, folder: Path) -> int:
    names = manifest.entries_under(prefix)
    for name in names:
        target = folder.joinpath(*PurePosixPath(name).parts[1:])
        with (staging / name).open("rb") as source, atomic_file(target) as out:
            shutil.copyfileobj(source, out)
        if _sha256(target) != manifest.checksums[name]:
            raise BackupError(f"{target} differs from the backup after restoring it")
    return len(names)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _write_archive(archive: Path, manifest: Manifest, sources: dict[str, Path], now: datetime) -> None:
    with atomic_file(archive) as out, tarfile.open(fileobj=out, mode="w:gz") as tar:
        data = manifest.to_json()
        tar.addfile(_entry(MANIFEST, len(data), now), fileobj=io.BytesIO(data))
        for name, path in sources.items():
            with path.open("rb") as f:
                tar.addfile(_entry(name, path.stat().st_size, now), fileobj=f)


def _entry(name: str, size: int, now: datetime) -> tarfile.TarInfo:
    entry = tarfile.TarInfo(name)
    entry.size, entry.mode, entry.mtime = size, 0o600, int(now.timestamp())
    return entry


def _parse_manifest(data: bytes) -> Manifest:
    try:
        fields = json.loads(data)
        if fields["format"] != FORMAT or fields["format_version"] != FORMAT_VERSION:
            raise ValueError("not an Enshu backup of this format version")
        manifest = Manifest(created_at=str(fields["created_at"]), engine=fields["engine"],
                            alembic_revision=fields["alembic_revision"], tables=tuple(fields["tables"]),
                            checksums=dict(fields["sha256"]))
        if manifest.engine not in DATABASE_ENTRIES:
            raise ValueError(f"unknown database engine {manifest.engine!r}")
        if manifest.database_entry not in manifest.checksums:
            raise ValueError("no database in the list of entries")
        for name in manifest.checksums:
            if not _is_safe_entry(name, manifest):
                raise ValueError(f"bad entry {name!r}")
    except (ValueError, KeyError, TypeError) as e:
        raise CorruptedBackup(f"unreadable {MANIFEST} ({e})") from None
    return manifest


def _is_safe_entry(name: str, manifest: Manifest) -> bool:
    """Only the database and files below files/ and keys/, never a path that leaves the folder."""
    parts = PurePosixPath(name).parts
    return name == manifest.database_entry or (
        len(parts) >= 2 and parts[0] in (FILES, KEYS) and str(PurePosixPath(name)) == name and ".." not in parts)
