"""Refusing hostile input once, at the edge, instead of in each view.

- Integer URL parameters: the `int` converter only matches ids 1..2**31-1, so a huge or zero id is a 404
  on every route (the database would overflow or raise on it).
- Integer query arguments (page numbers, filters) go through `positive_int`.
- Control characters: PostgreSQL rejects NUL in text and SQLite stores it, so a request carrying a C0
  control character (other than tab and line breaks) in its path, query string, form fields or upload
  file names is refused with a 400 page that says so; nothing is stripped silently.
"""

import re

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

# The largest value of a 32-bit signed integer column (PostgreSQL `integer`).
MAX_ID = 2**31 - 1

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` for ids and numbers stored in integer columns: 1..MAX_ID, at most 10 digits."""

    regex = r"\d{1,10}"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = 1, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def whole_number(value) -> int | None:
    """A number 0..MAX_ID given as ASCII digits or as an int (a form field, a JSON value), else None. Checked
    before converting: Python refuses to convert more than 4,300 digits either way, with a ValueError."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= MAX_ID else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10:
        number = int(value)
        return number if number <= MAX_ID else None
    return None


def positive_int(value: str) -> int:
    """A query argument as an id or page number (1..MAX_ID). Raises ValueError otherwise, so
    `request.args.get(name, default, type=positive_int)` falls back to the default."""
    number = whole_number(value) if isinstance(value, str) else None
    if not number:
        raise ValueError(value)
    return number


class ControlCharacters(BadRequest):
    """A request with a control character (such as NUL) in a field, the query string or the path."""

    user_message = _l("The request contained an invisible control character (such as NUL), which we do not "
                      "accept. Remove it, for example by typing the text again instead of pasting it, "
                      "and send it again. Nothing was saved.")


def has_control_characters(text: str) -> bool:
    return _CONTROL_CHARACTERS.search(text) is not None


def _request_texts():
    yield request.path
    for key, value in request.args.items(multi=True):
        yield key
        yield value
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        for key, value in request.form.items(multi=True):
            yield key
            yield value
        for key, upload in request.files.items(multi=True):
            yield key
            yield upload.filename or ""


def refuse_control_characters() -> None:
    if any(has_control_characters(text) for text in _request_texts()):
        raise ControlCharacters()


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseIdConverter
    app.before_request(refuse_control_characters)
