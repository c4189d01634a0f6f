from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.content.loader import load_all
from app.content.services import sync_modules
from app.core.rerender import rerender_stored_html
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


@content_cli.command("rerender")
@click.option("--dry-run", is_flag=True, help="List what would change and write nothing.")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(min=1),
              help="Rows read (and committed) at a time.")
def rerender(dry_run: bool, batch_size: int):
    """Render every stored HTML (answers, feedback, briefs, events, mentor packs, module summaries) again
    from its Markdown with today's allowlist. Run it after changing the Markdown pipeline or upgrading
    Markdown or bleach; a second run changes nothing."""
    totals: dict[str, list[int]] = {}  # table -> [rows, changed, without source]
    for batch in rerender_stored_html(db.session, db.metadata, write=not dry_run, batch_size=batch_size):
        if dry_run:
            for change in batch.changes:
                note = " (no Markdown source: re-sanitised)" if change.is_without_source else ""
                click.echo(f"{batch.table} {change.row_id}: {', '.join(change.columns)}{note}")
        else:
            db.session.commit()  # per batch: see app/core/rerender.py
        total = totals.setdefault(batch.table, [0, 0, 0])
        for i, count in enumerate((batch.rows, len(batch.changes), batch.rows_without_source)):
            total[i] += count
    db.session.rollback()
    verb = "would change" if dry_run else "re-rendered"
    for table, (rows, changed, without_source) in totals.items():
        click.echo(f"{table}: {changed} of {rows} row(s) {verb}")
        if without_source:
            click.echo(f"  {without_source} row(s) without Markdown source, re-sanitised only "
                       "(`flask content sync` records the current module versions' sources)")
