import click
from flask.cli import AppGroup

from app.core.timeutil import utcnow
from app.core.transaction import commit
from app.extensions import db
from app.paths import services
from app.paths.awarding import award_on_save

paths_cli = AppGroup("paths", help="Learning paths.")


@paths_cli.command("load-starter")
def load_starter() -> None:
    """Add the starter paths (app/paths/data/starter_paths.toml) that do not exist yet, and issue their level
    badge to the learners who already hold every required step (a job after the commit). Needs the shipped
    modules (`flask content sync`) and the starter catalogue (`flask catalogue load-starter`)."""
    created = services.load_starter(db.session, utcnow())
    awaiting = award_on_save(db.session, created, actor=None)
    commit(db.session)
    click.echo(f"paths: {len(created)} starter path(s) added; {awaiting} level badge(s) to issue to learners who "
               f"already hold every required step (a job after the commit)")
