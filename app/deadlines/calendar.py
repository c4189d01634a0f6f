"""iCalendar (RFC 5545) feeds of due dates, built with the icalendar library: one event per due date, in
Asia/Tokyo with its VTIMEZONE, a UID that stays the same for the same learner, cohort and exercise (so a
calendar updates the event when an extension moves it), and a DTSTAMP."""

from collections.abc import Callable
from datetime import datetime, timedelta

from app.core.timeutil import TOKYO
from app.deadlines.queries import DueItem

# An event ends at the due time and starts this long before it: a calendar shows it on the due day.
EVENT_LENGTH = timedelta(hours=1)


def feed(items: list[DueItem], *, name: str, host: str, now: datetime, locale: str,
         link: Callable[[DueItem], str]) -> bytes:
    """The feed called `name` with one event per item; `link(item)` is the page of its exercise."""
    # Imported here: only a calendar's fetch needs icalendar (3 MB), not every web worker (issue 10).
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//Enshu//deadlines//JA")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Asia/Tokyo")
    for item in items:
        event = Event()
        owner = f"e{item.enrolment_id}" if item.enrolment_id else "cohort"
        event.add("uid", f"due-{owner}-c{item.cohort.id}-x{item.exercise.id}@{host}")
        event.add("dtstamp", now)
        due = item.due_at.astimezone(TOKYO)
        event.add("dtstart", due - EVENT_LENGTH)
        event.add("dtend", due)
        title = item.exercise.title(locale)
        event.add("summary", f"期限: {title}" if locale == "ja" else f"Due: {title}")
        event.add("description", f"{item.cohort.name}\n{link(item)}")
        event.add("url", link(item))
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
