import click
from flask.cli import AppGroup

from app.core.timeutil import utcnow
from app.core.transaction import commit
from app.extensions import db
from app.paths import services

paths_cli = AppGroup("paths", help="Learning paths.")


@paths_cli.command("load-starter")
def load_starter() -> None:
    """Add the starter paths (app/paths/data/starter_paths.toml) that do not exist yet. Needs the shipped
    modules (`flask content sync`) and the starter catalogue (`flask catalogue load-starter`)."""
    created = services.load_starter(db.session, utcnow())
    commit(db.session)
    click.echo(f"paths: {created} starter path(s) added")
