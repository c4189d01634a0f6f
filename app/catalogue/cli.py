import click
from flask.cli import AppGroup

from app.catalogue import services
from app.core.transaction import commit
from app.extensions import db

catalogue_cli = AppGroup("catalogue", help="The course catalogue.")


@catalogue_cli.command("load-starter")
def load_starter() -> None:
    """Add the starter catalogue of free courses (app/catalogue/data/starter.csv); changes nothing twice."""
    changed = services.load_starter(db.session)
    commit(db.session)
    click.echo(f"catalogue: {changed} course(s) added or updated")
