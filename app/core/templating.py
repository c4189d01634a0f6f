"""Jinja filters and globals that every feature's templates use."""

from datetime import datetime

from flask import Flask
from flask_babel import format_date, format_datetime, get_locale
from flask_wtf import FlaskForm


class ActionForm(FlaskForm):
    """An empty form: the CSRF token of a button that changes state (logout, language)."""


def current_locale() -> str:
    locale = get_locale()
    return locale.language if locale else "ja"


def localized(obj, attribute: str):
    """Call a model's per-locale accessor, e.g. `exercise|localized('title')`."""
    return getattr(obj, attribute)(current_locale())


def tokyo_datetime(moment: datetime | None, style: str = "yyyy/MM/dd HH:mm") -> str:
    """In Japan time, to the minute (seconds only confuse a due date)."""
    return format_datetime(moment, style) if moment else ""


def tokyo_date(moment: datetime | None) -> str:
    return format_date(moment, "medium") if moment else ""


def init_app(app: Flask) -> None:
    app.jinja_env.filters["localized"] = localized
    app.jinja_env.filters["datetime"] = tokyo_datetime
    app.jinja_env.filters["date"] = tokyo_date
    app.jinja_env.globals["current_locale"] = current_locale
    app.jinja_env.add_extension("jinja2.ext.do")
