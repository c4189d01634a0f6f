import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.badges.models import Credential, CredentialStatus
from app.badges.urls import BadgeUrls
from app.core.storage import FileStorage
from app.core.timeutil import utcnow
from app.core.transaction import commit
from app.demo.services import DEMO_PASSWORD, create_demo_data
from app.extensions import db

demo_cli = AppGroup("demo", help="Demo data for trying Enshu out.")


@demo_cli.command("seed")
def seed():
    """Create demo accounts and a cohort in progress if the database has no users yet."""
    accounts = create_demo_data(db.session, FileStorage(current_app.config["STORAGE_DIR"]), utcnow())
    if accounts is None:
        click.echo("The database already has users; no demo data was added.")
    else:
        commit(db.session)
        click.echo("Demo data created.")
    click.echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for email, role in (("learner@example.jp", "learner / 受講者"), ("mentor@example.jp", "mentor / メンター"),
                        ("organizer@example.jp", "organizer / 事務局"), ("admin@example.jp", "admin / 管理者"),
                        ("completed@example.jp", "learner with a badge / 修了者")):
        click.echo(f"  {role:32} {email}")
    urls = BadgeUrls(current_app.config["BASE_URL"])
    for uuid in db.session.scalars(select(Credential.uuid).where(Credential.status == CredentialStatus.ISSUED)
                                   .order_by(Credential.id).limit(3)):
        click.echo(f"Public badge page: {urls.public_page(uuid)}")
