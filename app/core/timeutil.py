"""Times are stored in UTC and shown and entered in Asia/Tokyo."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from app.core.db import utcnow

TOKYO = ZoneInfo("Asia/Tokyo")

__all__ = ["TOKYO", "utcnow", "tokyo_to_utc"]


def tokyo_to_utc(local: datetime) -> datetime:
    """A naive wall-clock time entered in Tokyo, as an aware UTC datetime."""
    return local.replace(tzinfo=TOKYO).astimezone(timezone.utc)

