"""Jinja filters and globals that every feature's templates use."""

from datetime import date, datetime

from flask import Flask, g
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime
from babel.numbers import format_decimal
from flask_babel import get_locale, get_timezone, get_translations, to_user_timezone
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import HiddenField
from jinja2 import pass_eval_context
from markupsafe import Markup


class ActionForm(FlaskForm):
    """An empty form: the CSRF token of a button that changes state (logout, language)."""


class ConfirmForm(FlaskForm):
    """The form of an action that cannot be undone (withdraw, revoke, add a signing key): only the
    confirmation page (macro `danger_zone`) sends `confirm=yes`; a POST without it changes nothing and
    shows that page. Works without JavaScript."""

    confirm = HiddenField()

    @property
    def is_confirmed(self) -> bool:
        return self.validate_on_submit() and self.confirm.data == "yes"


def current_locale() -> str:
    locale = get_locale()
    return locale.language if locale else "ja"


def localized(obj, attribute: str):
    """Call a model's per-locale accessor, e.g. `exercise|localized('title')`."""
    return getattr(obj, attribute)(current_locale())


# One way to write a moment for people in each language: Japanese with the day of the week
# (2026年10月2日（金）19:11), English in one format (Fri 2 Oct 2026, 19:11). "short" and "weekday" are the
# names templates used before there was one format; they give it too. Other styles are Babel patterns.
DATETIME_PATTERNS = {"ja": "yyyy年M月d日（E）H:mm", "en": "EEE d MMM yyyy, HH:mm"}
DATE_PATTERNS = {"ja": "yyyy年M月d日（E）", "en": "EEE d MMM yyyy"}
NAMED_PATTERNS = {name: DATETIME_PATTERNS for name in ("default", "short", "weekday")} | {"date": DATE_PATTERNS}


def tokyo_datetime(moment: datetime | None, style: str = "default") -> str:
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
        language = locale.language if locale else "ja"
        pattern = NAMED_PATTERNS[style].get(language, NAMED_PATTERNS[style]["en"]) if style in NAMED_PATTERNS \
            else style
        if isinstance(moment, datetime):
            label = format_datetime(moment, pattern, tzinfo=get_timezone(), locale=locale)
        else:  # a calendar day has no zone to convert
            label = babel_format_date(moment, pattern, locale=locale)
        labels[key] = label
    return label


def figure(number: float | int | None) -> str:
    """A number as a person writes it: 10 (not 10.0), 2.5, 1,200."""
    if number is None:
        return ""
    return format_decimal(number, format="#,##0.#", locale=get_locale())


def draft_label(saved_at: datetime, now: datetime) -> str:
    """「下書き（保存 14:32）」: the time alone on the day it was saved (in Japan), else date and time."""
    same_day = tokyo_datetime(saved_at, "yyyyMMdd") == tokyo_datetime(now, "yyyyMMdd")
    return _("Draft (saved %(time)s)", time=tokyo_datetime(saved_at, "HH:mm") if same_day else tokyo_datetime(saved_at))


def tokyo_date(moment: datetime | date | None) -> str:
    """The day in Japan, in the one format of each language: 2026年10月2日（金）, Fri 2 Oct 2026."""
    return tokyo_datetime(moment, "date")


# Japan's eras from their first day, newest first: certificates give the date both ways (和暦).
ERAS = ((date(2019, 5, 1), "令和"), (date(1989, 1, 8), "平成"))


def wareki(moment: datetime | None) -> str:
    """The day in Japan time in the Japanese era calendar, e.g. 令和8年11月30日 (the first year is 元年)."""
    if not moment:
        return ""
    day = to_user_timezone(moment).date()
    for start, era in ERAS:
        if day >= start:
            year = day.year - start.year + 1
            return f"{era}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    return ""


def translations_of_this_render() -> dict:
    """`_`, `gettext` and `ngettext` bound to the catalogue of the locale in force when a template is
    rendered (a mail under `force_locale` included). Flask-Babel's own template callables look the
    catalogue up again on every string, through several context proxies: about 10 µs a string, which
    made translation the largest single cost of long pages (450 strings on a page of the review queue).
    Templates imported without context (macros) still use Flask-Babel's callables, which give the same
    result more slowly."""
    translations = get_translations()
    gettext = _newstyle_gettext(translations.ugettext)
    return {"_": gettext, "gettext": gettext, "ngettext": _newstyle_ngettext(translations.ungettext)}


# Jinja's "newstyle" gettext semantics (jinja2.ext, not public there): the result is marked safe where
# the template autoescapes, and always %-formatted with the keyword arguments (so "%%" reads "%").
# They take the evaluation context, not the template context: Jinja copies the template context for
# each call of a context function inside a loop, which cost more than the translation itself.
def _newstyle_gettext(translate):
    # A string without variables is translated once per render: table headers and labels repeat per row.
    plain: dict[tuple[str, bool], str] = {}

    @pass_eval_context
    def gettext(eval_context, string: str, **variables) -> str:
        key = (string, eval_context.autoescape)
        if not variables and key in plain:
            return plain[key]
        text = translate(string)
        if eval_context.autoescape:
            text = Markup(text)
        text = text % variables
        if not variables:
            plain[key] = text
        return text
    return gettext


def _newstyle_ngettext(translate):
    @pass_eval_context
    def ngettext(eval_context, singular: str, plural: str, num: int, **variables) -> str:
        variables.setdefault("num", num)
        text = translate(singular, plural, num)
        if eval_context.autoescape:
            text = Markup(text)
        return text % variables
    return ngettext


def init_app(app: Flask) -> None:
    app.context_processor(translations_of_this_render)
    app.jinja_env.filters["localized"] = localized
    app.jinja_env.filters["datetime"] = tokyo_datetime
    app.jinja_env.filters["date"] = tokyo_date
    app.jinja_env.filters["wareki"] = wareki
    app.jinja_env.filters["figure"] = figure
    app.jinja_env.globals["current_locale"] = current_locale
    app.jinja_env.globals["draft_label"] = draft_label
    app.jinja_env.add_extension("jinja2.ext.do")
