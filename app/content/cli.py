from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.content.loader import load_all
from app.content.services import sync_modules
from app.core.storage import FileStorage
from app.core.timeutil import utcnow
from app.extensions import db

content_cli = AppGroup("content", help="Validate and load the modules under exercises/.")

DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "exercises"


@content_cli.command("validate")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def validate(path: Path | None):
    """Check every module under PATH (default: exercises/). Exits 1 if anything is wrong."""
    specs, errors = load_all(path or DEFAULT_ROOT)
    for error in errors:
        click.echo(str(error), err=True)
    if errors:
        raise SystemExit(1)
    click.echo(f"{len(specs)} module(s) valid.")


@content_cli.command("sync")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def sync(path: Path | None):
    """Load modules into the database. Changed content becomes a new module version."""
    specs, errors = load_all(path or DEFAULT_ROOT)
    if errors:
        for error in errors:
            click.echo(str(error), err=True)
        click.echo("Nothing was synced: fix the errors above first.", err=True)
        raise SystemExit(1)
    results = sync_modules(db.session, specs, FileStorage(current_app.config["STORAGE_DIR"]), utcnow())
    db.session.commit()
    for result in results:
        click.echo(f"{result.slug}: {result.action}" + (f" (v{result.version})" if result.version else ""))
