"""Flask extensions, created unbound; `create_app` binds them (Flask-Migrate: `init_migrate`, on first use)."""

from pathlib import Path

from flask import Flask
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from app.core.db import Base

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def init_migrate(app: Flask) -> None:
    """Bind Flask-Migrate to `app`: for `flask db` and for code that calls flask_migrate.upgrade() and the
    like. Not done by create_app: Flask-Migrate imports Alembic and Mako, about 7 MB that a web worker,
    which never migrates, would carry (issue 10)."""
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate
        Migrate(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True)
