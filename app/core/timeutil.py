"""Times are stored in UTC and shown and entered in Asia/Tokyo."""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from app.core.db import utcnow

TOKYO = ZoneInfo("Asia/Tokyo")

__all__ = ["TOKYO", "utcnow", "tokyo_to_utc", "start_of_day", "end_of_day", "tokyo_date", "next_day_starts", "first_to_come"]


def tokyo_to_utc(local: datetime) -> datetime:
    """A naive wall-clock time entered in Tokyo, as an aware UTC datetime."""
    return local.replace(tzinfo=TOKYO).astimezone(timezone.utc)



def start_of_day(day: date) -> datetime:
    """The first moment of a day in Tokyo, in UTC."""
    return tokyo_to_utc(datetime.combine(day, time.min))


def end_of_day(day: date) -> datetime:
    """The last moment of a day in Tokyo, in UTC: due dates and end dates include the whole day."""
    return tokyo_to_utc(datetime.combine(day + timedelta(days=1), time.min)) - timedelta(seconds=1)


def tokyo_date(moment: datetime) -> date:
    """The calendar day of a moment in Tokyo."""
    return moment.astimezone(TOKYO).date()


def next_day_starts(now: datetime) -> datetime:
    """The first moment of the day after `now`'s in Tokyo, in UTC: when a page's "today" becomes another day."""
    return start_of_day(tokyo_date(now) + timedelta(days=1))


def first_to_come(now: datetime, *moments: datetime | None) -> datetime | None:
    """The earliest of `moments` at or after `now` (None and past ones left out), or None: when a page next
    shows otherwise with the same data."""
    return min((moment for moment in moments if moment is not None and moment >= now), default=None)
