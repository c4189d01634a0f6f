"""Enshu (演習): the application factory."""

import os
from pathlib import Path

import click
from flask import Flask, request, session
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from app.auth import passwords
from app.extensions import babel, csrf, db, init_migrate, limiter, login_manager


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object("app.config")
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "enshu.sqlite3")
    app.config["STORAGE_DIR"] = os.path.join(app.instance_path, "files")
    app.config["OUTBOX_DIR"] = os.path.join(app.instance_path, "outbox")
    app.config["KEYS_DIR"] = os.path.join(app.instance_path, "keys")
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("ENSHU")
    else:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY is not set: put it in instance/config.py or ENSHU_SECRET_KEY")
    _configure_transport(app)
    passwords.use_profile(app.config["PASSWORD_HASHING"])

    _init_extensions(app)
    _register_unit_of_work(app)
    _register_input_checks(app)
    _register_blueprints(app)
    _register_template_helpers(app)
    _register_error_pages(app)
    _register_security(app)
    _register_cli(app)
    return app


def _configure_transport(app: Flask) -> None:
    """Secure cookies when the site is served over https; client addresses from a trusted proxy."""
    is_https = app.config["BASE_URL"].startswith("https://")
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if app.config.get(key) is None:
            app.config[key] = is_https
    x_for, x_proto = app.config["PROXY_FIX_X_FOR"], app.config["PROXY_FIX_X_PROTO"]
    if x_for or x_proto:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=x_for, x_proto=x_proto)


def _select_locale() -> str:
    languages = ("ja", "en")
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return "ja"


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale,
                   default_translation_directories=str(Path(__file__).parent / "translations"))
    limiter.init_app(app)

    from flask_babel import lazy_gettext as _l
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"

    from sqlalchemy import bindparam, select
    from sqlalchemy.orm import with_expression

    from app.auth.models import User
    from app.auth.services import user_for_session
    # Importing page_memory also connects its session events: from here on every write is counted.
    from app.core.page_memory import write_revision_column
    from app.notifications.queries import unread_count_of_user

    # The header's unread count comes with the user: no query of its own on every page. Built once: building
    # it with its cache key on every request cost more than the query.
    signed_in_user = (select(User).where(User.id == bindparam("user_id"))
                      .options(with_expression(User.unread_notifications, unread_count_of_user()),
                               with_expression(User.write_revision, write_revision_column())))

    @login_manager.user_loader
    def load_user(session_id: str):
        return user_for_session(db.session, session_id, signed_in_user)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    # Foreign keys are off by default in SQLite; WAL lets readers run beside the one writer.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def _register_input_checks(app: Flask) -> None:
    # Before the blueprints: their routes' <int:...> take the converter registered here.
    from app.core import inputs
    inputs.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from app.admin.views import bp as admin_bp
    from app.badges import listeners as badge_listeners  # noqa: F401  (issues a badge per completion)
    from app.badges.views import bp as badges_bp
    from app.cases.views import bp as cases_bp
    from app.catalogue.views import bp as catalogue_bp
    from app.auth.views import bp as auth_bp
    from app.cohorts.enrolment_views import bp as enrolments_bp
    from app.cohorts.join_views import bp as selfenrol_bp
    from app.cohorts.views import bp as cohorts_bp
    from app.completions import listeners  # noqa: F401  (connects the signal listener)
    from app.deadlines.views import bp as deadlines_bp
    from app.groups import listeners as group_listeners  # noqa: F401  (a learner moving cohort leaves their group)
    from app.groups.views import bp as groups_bp
    from app.home.views import bp as home_bp
    from app.learn.views import bp as learn_bp
    from app.modules.views import bp as modules_bp
    from app.notifications import listeners as notification_listeners  # noqa: F401  (tells people what happened)
    from app.notifications.views import bp as notifications_bp
    from app.paths import listeners as path_listeners  # noqa: F401  (issues level badges, flags revoked ones)
    from app.paths.views import bp as paths_bp
    from app.progress.views import bp as progress_bp
    from app.record.views import bp as record_bp
    from app.reviews import listeners as review_listeners  # noqa: F401  (assigns arriving work by load)
    from app.reviews.comment_views import bp as comments_bp
    from app.reviews.moderation_views import bp as moderation_bp
    from app.reviews.views import bp as reviews_bp
    from app.submissions import listeners as submission_listeners  # noqa: F401  (answers schedule changes)
    from app.visibility.views import bp as visibility_bp

    for bp in (auth_bp, home_bp, learn_bp, reviews_bp, comments_bp, moderation_bp, cohorts_bp, enrolments_bp,
               selfenrol_bp, groups_bp, progress_bp, modules_bp, badges_bp, admin_bp, visibility_bp, notifications_bp,
               catalogue_bp, cases_bp, paths_bp, deadlines_bp, record_bp):
        app.register_blueprint(bp)
    if app.config.get("BENCH_FLOOR_PAGES"):
        from app.seed.floor import bp as floor_bp
        app.register_blueprint(floor_bp)


def _register_unit_of_work(app: Flask) -> None:
    from app.core import transaction, urls
    transaction.init_app(app, db.session)
    urls.init_app(app)


def _register_template_helpers(app: Flask) -> None:
    from app.core import templating
    templating.init_app(app)


def _register_error_pages(app: Flask) -> None:
    from app.core import errors
    errors.init_app(app, db.session)


def _register_security(app: Flask) -> None:
    from app.core import authz

    app.view_functions["static"].access_rule = authz.PUBLIC

    @app.before_request
    def deny_routes_without_rule():
        view = app.view_functions.get(request.endpoint) if request.endpoint else None
        if view is not None and not hasattr(view, "access_rule"):
            from flask import abort
            abort(403)

    hsts = app.config["BASE_URL"].startswith("https://") and app.config["HSTS_MAX_AGE"]

    @app.after_request
    def security_headers(response):
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", f"max-age={hsts}")
        # Pages for a signed-in user are theirs alone: no browser back-button or proxy copy of them.
        if request.endpoint != "static" and current_user.is_authenticated:
            response.headers.setdefault("Cache-Control", "no-store")
            response.vary.add("Cookie")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; "
            "base-uri 'self'; form-action 'self'")
        return response


# The command groups by module; each is imported when the command line uses it (app/core/lazy_cli.py).
_CLI_GROUPS = {
    "content": "app.content.cli:content_cli",
    "orgs": "app.auth.cli:orgs_cli",
    "users": "app.auth.cli:users_cli",
    "badges": "app.badges.cli:badges_cli",
    "demo": "app.demo.cli:demo_cli",
    "seed": "app.seed.cli:seed_cli",
    "backup": "app.backup.cli:backup_cli",
    "storage": "app.submissions.cli:storage_cli",
    "jobs": "app.core.job_worker:jobs_cli",
    "notifications": "app.notifications.cli:notifications_cli",
    "catalogue": "app.catalogue.cli:catalogue_cli",
    "paths": "app.paths.cli:paths_cli",
}


def _register_cli(app: Flask) -> None:
    from app.core.lazy_cli import LazyGroup

    for name, path in _CLI_GROUPS.items():
        app.cli.add_command(LazyGroup.imported(name, path))
    app.cli.add_command(LazyGroup("db", lambda: _migrate_cli(app)))


def _migrate_cli(app: Flask) -> click.Group:
    """Flask-Migrate's `flask db` group, with Flask-Migrate bound to the app first."""
    init_migrate(app)
    from flask_migrate.cli import db as db_cli
    return db_cli
