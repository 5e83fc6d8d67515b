"""Working days follow the Algemene termijnenwet (domain.md §9.10; issue 17 item 12): Saturdays, Sundays and the
Act's general holidays are skipped — 5 May every year, not only in lustrum years; Good Friday only when the school
counts it; and the days the government declares equal to a holiday, from the environment."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured

from cases import deadlines
from meldcode.env import env_dates


def d(value: str) -> datetime.date:
    return datetime.date.fromisoformat(value)


@pytest.mark.parametrize(
    "day,working",
    [
        ("2026-01-01", False),  # New Year's Day
        ("2026-04-06", False),  # Easter Monday
        ("2026-04-27", False),  # King's Day
        ("2026-05-05", False),  # Liberation Day, not a lustrum year
        ("2027-05-05", False),  # Liberation Day, not a lustrum year
        ("2025-05-05", False),  # Liberation Day, a lustrum year
        ("2026-05-14", False),  # Ascension Day
        ("2026-05-25", False),  # Whit Monday
        ("2026-12-25", False),  # Christmas Day
        ("2026-12-28", True),  # Monday after Boxing Day
        ("2026-04-03", True),  # Good Friday: not a holiday of the Act
        ("2026-05-06", True),
        ("2026-05-09", False),  # a Saturday
    ],
)
def test_the_general_holidays_of_the_act(day, working):
    assert deadlines.is_working_day(d(day)) is working


def test_5_may_is_skipped_in_a_year_that_is_not_a_lustrum():
    # Monday 4 May 2026 + 1 working day: Tuesday 5 May is skipped.
    assert deadlines.add_working_days(d("2026-05-04"), 1) == d("2026-05-06")


def test_good_friday_counts_only_when_the_school_says_so(settings):
    assert deadlines.add_working_days(d("2026-04-02"), 1) == d("2026-04-03")
    settings.MELDCODE_GOOD_FRIDAY_HOLIDAY = True
    assert not deadlines.is_working_day(d("2026-04-03"))
    # Thursday 2 April + 1: Good Friday, the weekend and Easter Monday are skipped.
    assert deadlines.add_working_days(d("2026-04-02"), 1) == d("2026-04-07")


def test_a_day_declared_equal_to_a_holiday_is_skipped(settings):
    assert deadlines.is_working_day(d("2027-06-11"))
    settings.MELDCODE_EXTRA_HOLIDAYS = [d("2027-06-11")]
    assert not deadlines.is_working_day(d("2027-06-11"))
    # Thursday 10 June + 1 working day: the declared Friday and the weekend are skipped.
    assert deadlines.add_working_days(d("2027-06-10"), 1) == d("2027-06-14")
    assert deadlines.is_working_day(d("2028-06-12"))  # another year: unaffected


def test_extra_holidays_are_read_strictly_from_the_environment():
    assert env_dates("MELDCODE_EXTRA_HOLIDAYS", environ={}) == []
    assert env_dates("MELDCODE_EXTRA_HOLIDAYS", environ={"MELDCODE_EXTRA_HOLIDAYS": "2027-06-11, 2028-12-24"}) == [
        d("2027-06-11"),
        d("2028-12-24"),
    ]
    with pytest.raises(ImproperlyConfigured, match="MELDCODE_EXTRA_HOLIDAYS"):
        env_dates("MELDCODE_EXTRA_HOLIDAYS", environ={"MELDCODE_EXTRA_HOLIDAYS": "6-5-2027"})
