import click
from flask import current_app
from flask.cli import AppGroup

from app.core.storage import FileStorage
from app.extensions import db
from app.submissions.queries import referenced_file_hashes

storage_cli = AppGroup("storage", help="The files under STORAGE_DIR: attachments and exercise materials.")


@storage_cli.command("sweep")
@click.option("--min-age", default=3600, show_default=True, type=click.IntRange(min=0),
              help="Only remove files older than this many seconds (younger ones may belong to a submit "
                   "being committed; use 0 only while nothing is being submitted).")
def sweep(min_age: int):
    """Remove stored files that no attachment or material refers to, and temporary files left behind by
    interrupted uploads."""
    result = FileStorage(current_app.config["STORAGE_DIR"]).sweep(referenced_file_hashes(db.session), min_age)
    click.echo(f"removed {len(result.removed_files)} unreferenced file(s) and "
               f"{len(result.removed_temps)} temporary file(s)")
