"""Jinja filters and globals that every feature's templates use."""

from datetime import datetime

from flask import Flask, g
from babel.dates import format_datetime
from flask_babel import format_date, get_locale, get_timezone
from flask_wtf import FlaskForm


class ActionForm(FlaskForm):
    """An empty form: the CSRF token of a button that changes state (logout, language)."""


def current_locale() -> str:
    locale = get_locale()
    return locale.language if locale else "ja"


def localized(obj, attribute: str):
    """Call a model's per-locale accessor, e.g. `exercise|localized('title')`."""
    return getattr(obj, attribute)(current_locale())


# Named patterns per locale, for `|datetime('weekday')`: a due date reads better with its day of the week.
NAMED_PATTERNS = {"weekday": {"ja": "yyyy年M月d日（E）H:mm", "en": "EEE d MMM yyyy, HH:mm"}}


def tokyo_datetime(moment: datetime | None, style: str = "yyyy/MM/dd HH:mm") -> str:
    """In Japan time, to the minute (seconds only confuse a due date). Each distinct moment is formatted
    once per request and locale: long lists (the mentor queue) repeat dates, and Babel's formatting per
    cell was most of their rendering time."""
    if not moment:
        return ""
    locale = get_locale()
    labels = g.setdefault("datetime_labels", {})
    key = (moment, style, locale)
    label = labels.get(key)
    if label is None:
        # Babel itself, with the request's zone: Flask-Babel's wrapper repeats its look-ups on every call.
        pattern = NAMED_PATTERNS[style][current_locale()] if style in NAMED_PATTERNS else style
        label = labels[key] = format_datetime(moment, pattern, tzinfo=get_timezone(), locale=locale)
    return label


def tokyo_date(moment: datetime | None) -> str:
    return format_date(moment, "medium") if moment else ""


def init_app(app: Flask) -> None:
    app.jinja_env.filters["localized"] = localized
    app.jinja_env.filters["datetime"] = tokyo_datetime
    app.jinja_env.filters["date"] = tokyo_date
    app.jinja_env.globals["current_locale"] = current_locale
    app.jinja_env.add_extension("jinja2.ext.do")
