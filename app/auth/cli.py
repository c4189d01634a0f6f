import click
from flask.cli import AppGroup

from app.auth import services
from app.auth.models import Role
from app.extensions import db

orgs_cli = AppGroup("orgs", help="Organizations.")
users_cli = AppGroup("users", help="User accounts.")


@orgs_cli.command("load-municipalities")
def load_municipalities():
    """Load Hokkaido's 14 subprefectures and 179 municipalities (idempotent)."""
    subprefectures, municipalities = services.load_municipalities(db.session)
    db.session.commit()
    click.echo(f"{subprefectures} subprefectures and {municipalities} municipalities loaded.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.LEARNER.value)
@click.password_option()
def create(email: str, display_name: str, role: str, password: str):
    """Create an account with a password (for the first administrator)."""
    try:
        user = services.create_user(db.session, email=email, display_name=display_name, role=role,
                                    organization_id=None, actor=None, password=password)
    except services.EmailTaken:
        raise click.ClickException(f"an account with {email} already exists")
    except services.PasswordTooShort:
        raise click.ClickException("the password is too short")
    db.session.commit()
    click.echo(f"created {user.email} ({user.role})")
