"""Small form helpers shared by features."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import InstrumentedAttribute
from wtforms import SelectChoice
from wtforms.validators import Length, ValidationError

from app.core.db import column_length

# Dates a programme can plausibly use; 0001-01-01 or 9999-12-31 would overflow when moved to UTC.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def select_choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def fits(column: InstrumentedAttribute) -> Length:
    """A Length validator as long as the column that stores the field, so the form refuses what the
    database would (PostgreSQL raises on an overlong value; SQLite stores it)."""
    limit = column_length(column)
    return Length(max=limit, message=_l("Use at most %(max)d characters.", max=limit))


def plausible_date(form, field) -> None:
    """A DateField validator: the date lies in FIRST_YEAR..LAST_YEAR."""
    if field.data is not None and not date(FIRST_YEAR, 1, 1) <= field.data <= date(LAST_YEAR, 12, 31):
        raise ValidationError(_l("Enter a date between the years %(first)d and %(last)d.",
                                 first=FIRST_YEAR, last=LAST_YEAR))
