"""Japan's public holidays (国民の祝日に関する法律) as the law has stood since 2007, with the one-off days of
2019 to 2021, for the years 2007 to 2099; other years have none here.

Our own sixty lines rather than the `holidays` package: that package loads the calendars of every
country it knows once Japan's is asked for, about 15 MB in each server process, against a memory budget
of 150 MB. tests/test_japanese_holidays.py compares every year with that package, so a change of law
that reaches it reaches the suite too."""

from datetime import date, timedelta
from functools import lru_cache

FIRST_YEAR, LAST_YEAR = 2007, 2099

# Each holiday's name in Japanese and in English (the English ones as the `holidays` package gives them).
NAMES = {
    "new_year": ("元日", "New Year's Day"),
    "coming_of_age": ("成人の日", "Coming of Age Day"),
    "foundation": ("建国記念の日", "Foundation Day"),
    "emperor": ("天皇誕生日", "Emperor's Birthday"),
    "vernal_equinox": ("春分の日", "Vernal Equinox Day"),
    "showa": ("昭和の日", "Showa Day"),
    "constitution": ("憲法記念日", "Constitution Day"),
    "greenery": ("みどりの日", "Greenery Day"),
    "children": ("こどもの日", "Children's Day"),
    "marine": ("海の日", "Marine Day"),
    "mountain": ("山の日", "Mountain Day"),
    "aged": ("敬老の日", "Respect for the Aged Day"),
    "autumnal_equinox": ("秋分の日", "Autumnal Equinox Day"),
    "physical_education": ("体育の日", "Physical Education Day"),
    "sports": ("スポーツの日", "Sports Day"),
    "culture": ("文化の日", "Culture Day"),
    "labour_thanksgiving": ("勤労感謝の日", "Labor Thanksgiving Day"),
    "enthronement": ("天皇の即位の日", "Emperor's Enthronement Day"),
    "enthronement_ceremony": ("即位礼正殿の儀が行われる日", "Emperor's Enthronement Day"),
    "substitute": ("振替休日", "Substitute Holiday"),
    "between": ("国民の休日", "National Holiday"),
}

# Days moved or added by special laws: the enthronement (2019) and the Tokyo Olympics (2020, 2021).
ONE_OFF = {
    2019: {"enthronement": (5, 1), "enthronement_ceremony": (10, 22)},
    2020: {"marine": (7, 23), "sports": (7, 24), "mountain": (8, 10)},
    2021: {"marine": (7, 22), "sports": (7, 23), "mountain": (8, 8)},
}


def _monday(year: int, month: int, nth: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7 + 7 * (nth - 1))


def _equinox_day(year: int, base: float) -> int:
    # The day the National Astronomical Observatory's published equinoxes fall on (valid 1980–2099).
    return int(base + 0.242194 * (year - 1980) - (year - 1980) // 4)


def _holidays_by_law(year: int) -> dict[date, str]:
    days = {
        "new_year": date(year, 1, 1), "coming_of_age": _monday(year, 1, 2), "foundation": date(year, 2, 11),
        "emperor": date(year, 2, 23) if year >= 2020 else date(year, 12, 23),
        "vernal_equinox": date(year, 3, _equinox_day(year, 20.8431)), "showa": date(year, 4, 29),
        "constitution": date(year, 5, 3), "greenery": date(year, 5, 4), "children": date(year, 5, 5),
        "marine": _monday(year, 7, 3), "mountain": date(year, 8, 11) if year >= 2016 else None,
        "aged": _monday(year, 9, 3), "autumnal_equinox": date(year, 9, _equinox_day(year, 23.2488)),
        "sports" if year >= 2020 else "physical_education": _monday(year, 10, 2),
        "culture": date(year, 11, 3), "labour_thanksgiving": date(year, 11, 23),
    }
    if year == 2019:  # no emperor's birthday: the old emperor abdicated, the new one's birthday came in 2020
        del days["emperor"]
    days.update({key: date(year, month, day) for key, (month, day) in ONE_OFF.get(year, {}).items()})
    return {day: key for key, day in days.items() if day is not None}


@lru_cache(maxsize=128)
def _holidays(year: int) -> dict[date, str]:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return {}
    national = _holidays_by_law(year)
    holidays = dict(national)
    for day in sorted(national):
        # A day between two national holidays is a holiday too (国民の休日).
        between = day + timedelta(days=1)
        if between not in national and between + timedelta(days=1) in national:
            holidays[between] = "between"
        # A national holiday on a Sunday moves to the next day that is not one (振替休日).
        if day.weekday() == 6:
            substitute = day + timedelta(days=1)
            while substitute in national:
                substitute += timedelta(days=1)
            holidays[substitute] = "substitute"
    return holidays


def holiday_name(day: date, locale: str) -> str | None:
    """The public holiday's name in Japanese ("ja") or English (any other locale), None on other days."""
    key = _holidays(day.year).get(day)
    return None if key is None else NAMES[key][0 if locale == "ja" else 1]


def is_public_holiday(day: date) -> bool:
    return day in _holidays(day.year)

