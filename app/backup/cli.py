import tempfile
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.backup import services
from app.backup.pgclient import PgClientError
from app.core.timeutil import utcnow
from app.extensions import MIGRATIONS_DIR, db

backup_cli = AppGroup("backup", help=(
    "Back up and restore the database, the stored files and the signing keys. An archive holds the "
    "issuers' private signing keys: keep it as secret as instance/keys/."))


@backup_cli.command("create")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
def create(path: Path | None):
    """Write a backup to PATH (default instance/backups/enshu-<UTC time>.tar.gz).

    The .tar.gz holds manifest.json, the database (SQLite's online backup, or pg_dump's custom
    format), the stored files and the private signing keys; it is readable by its owner only.
    The app may keep running."""
    now = utcnow()
    path = path or Path(current_app.instance_path) / "backups" / f"enshu-{now:%Y%m%dT%H%M%SZ}.tar.gz"
    try:
        manifest = services.create_backup(db.engine, _storage_dir(), _keys_dir(), path, now)
    except (services.BackupError, PgClientError) as e:
        raise click.ClickException(str(e))
    click.echo(f"{path}: {_describe(manifest)}")


@backup_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Restore without asking for confirmation.")
def restore(path: Path, yes: bool):
    """Replace the database and the stored files with the backup in PATH and add its signing keys.

    The archive is checked first: a changed or missing entry, another database engine or a
    migration this code does not know refuses it. Stop the app servers before restoring."""
    migrations = services.migrations_of(MIGRATIONS_DIR)
    storage_dir, keys_dir = _storage_dir(), _keys_dir()
    with tempfile.TemporaryDirectory(prefix="enshu-restore-") as staging:
        try:
            manifest = services.read_backup(path, Path(staging))
            services.check_restorable(manifest, db.engine.dialect.name, migrations)
        except services.BackupError as e:
            raise click.ClickException(str(e))
        click.echo(f"{path}: {_describe(manifest)}")
        if not yes:
            click.confirm(f"Replace the database {db.engine.url.render_as_string(hide_password=True)} and the "
                          f"files in {storage_dir}?", abort=True)
        db.session.remove()  # the restore replaces the rows under any open session
        try:
            restored = services.restore_backup(db.engine, manifest, Path(staging), storage_dir, keys_dir)
        except (services.BackupError, PgClientError) as e:
            raise click.ClickException(str(e))
    click.echo(f"Restored the database, {restored.files} stored files (removed {restored.removed_files} "
               f"not in the backup) and {restored.keys} signing keys; checksums verified.")
    if manifest.alembic_revision not in migrations.heads:
        click.echo("The backup predates the latest migrations: run `flask db upgrade`.")


def _describe(manifest: services.Manifest) -> str:
    return (f"{manifest.engine} database at migration {manifest.alembic_revision or '(none)'}, "
            f"{len(manifest.entries_under(services.FILES))} stored files, "
            f"{len(manifest.entries_under(services.KEYS))} signing keys, made {manifest.created_at}")


def _storage_dir() -> Path:
    return Path(current_app.config["STORAGE_DIR"])


def _keys_dir() -> Path:
    return Path(current_app.config["KEYS_DIR"])
