"""Japan's public holidays (app/core/japanese_holidays.py) against the `holidays` package, day by day."""

from datetime import date, timedelta

import holidays
import pytest

from app.core.japanese_holidays import FIRST_YEAR, LAST_YEAR, holiday_name, is_public_holiday


@pytest.mark.parametrize("locale, language", [("ja", "ja"), ("en", "en_US")])
def test_every_day_of_every_year_matches_the_holidays_package(locale, language):
    differences = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        reference = holidays.country_holidays("JP", years=year, language=language)
        day = date(year, 1, 1)
        while day.year == year:
            if holiday_name(day, locale) != reference.get(day):
                differences.append((day, holiday_name(day, locale), reference.get(day)))
            day += timedelta(days=1)
    assert differences == []


@pytest.mark.parametrize("day, name", [
    (date(2026, 5, 6), "振替休日"),  # Constitution Day fell on a Sunday; 4 and 5 May are holidays themselves
    (date(2026, 9, 22), "国民の休日"),  # between Respect for the Aged Day and the autumnal equinox
    (date(2019, 4, 30), "国民の休日"),  # between Showa Day and the enthronement
    (date(2019, 5, 1), "天皇の即位の日"),
    (date(2020, 7, 24), "スポーツの日"),  # moved for the Tokyo Olympics
    (date(2019, 10, 14), "体育の日"),  # its name until 2019
    (date(2027, 3, 21), "春分の日"),
    (date(2027, 9, 23), "秋分の日"),
])
def test_substitute_between_and_one_off_holidays(day, name):
    assert holiday_name(day, "ja") == name


def test_plain_days_and_years_outside_the_calendar_have_no_holiday():
    assert not is_public_holiday(date(2026, 12, 1))
    assert is_public_holiday(date(2026, 11, 23))
    assert holiday_name(date(2026, 11, 23), "en") == "Labor Thanksgiving Day"
    assert not is_public_holiday(date(FIRST_YEAR - 1, 1, 1)) and not is_public_holiday(date(LAST_YEAR + 1, 1, 1))
