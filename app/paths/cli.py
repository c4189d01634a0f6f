import click
from flask import current_app
from flask.cli import AppGroup

from app.badges.listeners import badge_settings
from app.core.timeutil import utcnow
from app.core.transaction import commit
from app.extensions import db
from app.paths import services

paths_cli = AppGroup("paths", help="Learning paths.")


@paths_cli.command("load-starter")
def load_starter() -> None:
    """Add the starter paths (app/paths/data/starter_paths.toml) that do not exist yet, and issue their level
    badge to the learners who already hold every required step. Needs the shipped modules (`flask content
    sync`) and the starter catalogue (`flask catalogue load-starter`)."""
    now = utcnow()
    created = services.load_starter(db.session, now)
    keys, urls, defaults = badge_settings(current_app.config)
    awarded = sum(len(services.award_completers(db.session, path, actor=None, keys=keys, urls=urls,
                                                defaults=defaults, now=now)) for path in created)
    commit(db.session)
    click.echo(f"paths: {len(created)} starter path(s) added, {awarded} level badge(s) issued")
