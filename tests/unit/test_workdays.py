"""Working days, day 0 and deadlines, checked against the published bank holidays (tests/data)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from mailbot.workdays import OfficeHours, day_zero, deadline_passed, is_working_day, working_days_due
from tests.unit.published_holidays import PUBLISHED

CAMBS = OfficeHours()
CLEVELAND = OfficeHours(time(8, 30), time(16, 30))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


def test_every_day_2026_to_2030_agrees_with_the_published_list():
    day = date(2026, 1, 1)
    while day <= date(2030, 12, 31):
        expected = day.weekday() < 5 and day not in PUBLISHED
        assert is_working_day(day) == expected, day
        day += timedelta(days=1)


@pytest.mark.parametrize("received, hours, count, due", [
    ("2026-12-23T10:00:00+00:00", CAMBS, 5, date(2027, 1, 4)),     # over Christmas (corpus p27)
    ("2026-11-26T10:00:00+00:00", CLEVELAND, 2, date(2026, 11, 30)),  # over a weekend (corpus p30)
    ("2026-11-16T10:12:05+00:00", CAMBS, 5, date(2026, 11, 23)),
    ("2026-11-26T16:45:00+00:00", CLEVELAND, 2, date(2026, 12, 1)),   # after Cleveland's 16:30 close
    ("2026-11-26T16:45:00+00:00", CAMBS, 2, date(2026, 11, 30)),      # before Cambridgeshire's 17:00
    ("2026-11-28T11:00:00+00:00", CAMBS, 5, date(2026, 12, 7)),       # a Saturday: day 0 is Monday
    ("2026-06-30T16:30:00+01:00", CAMBS, 1, date(2026, 7, 1)),        # summer time: 16:30 BST is before 17:00
    ("2026-06-30T16:30:00+00:00", CAMBS, 1, date(2026, 7, 2)),        # 17:30 BST is after the close
])
def test_first_contact_due(received, hours, count, due):
    assert working_days_due(utc(received), count, hours) == due


def test_day_zero_of_a_bank_holiday_is_the_next_working_day():
    assert day_zero(utc("2026-12-25T10:00:00+00:00"), CAMBS) == date(2026, 12, 29)


def test_a_deadline_is_met_until_midnight_london_after_its_last_day():
    due = date(2026, 6, 30)
    assert not deadline_passed(due, utc("2026-06-30T22:59:00+00:00"))   # 23:59 BST
    assert deadline_passed(due, utc("2026-06-30T23:00:00+00:00"))       # 00:00 BST on 1 July
