"""A body's `Calendar`, checked against the published bank holidays of England and Wales, 2026-2030.

Expected days come from tests/data/bank-holidays-england-wales.txt or are written out by hand; the
`holidays` library the calendar uses never computes them.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from mailbot.config import shipped_dir
from mailbot.triage import load_ruleset
from mailbot.workdays import Calendar, OfficeHours, deadline_passed
from tests.unit.published_holidays import FIRST, LAST, PUBLISHED, published_working_day

CAMBS = Calendar()
LONDON = ZoneInfo("Europe/London")
CHRISTMAS_CLOSURES = frozenset({date(2026, 12, 24), date(2026, 12, 31)})
SCENARIOS = Path(__file__).parent.parent / "corpus" / "scenarios"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


def every_day(first: date = FIRST, last: date = LAST):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


# Bank holidays, weekends, closure days

def test_every_published_day_is_no_working_day_and_every_other_weekday_is():
    for day in every_day():
        assert CAMBS.is_working_day(day) == published_working_day(day), (day, PUBLISHED.get(day))


@pytest.mark.parametrize("day", sorted(day for day, name in PUBLISHED.items() if "substitute" in name))
def test_substitute_days_are_weekdays_off_for_a_holiday_that_fell_at_a_weekend(day):
    assert day.weekday() < 5 and not CAMBS.is_working_day(day)
    holiday = {"Christmas": (12, 25), "Boxing": (12, 26), "New Year": (1, 1)}
    [(month, dom)] = [when for name, when in holiday.items() if PUBLISHED[day].startswith(name)]
    assert date(day.year, month, dom).weekday() >= 5


def test_boxing_day_2026_is_taken_on_monday_28_december():
    assert date(2026, 12, 26).weekday() == 5 and date(2026, 12, 28).weekday() == 0
    assert not CAMBS.is_working_day(date(2026, 12, 28))
    assert CAMBS.next_working_day(date(2026, 12, 24)) == date(2026, 12, 29)
    assert CAMBS.is_working_day(date(2026, 12, 29))


def test_closure_days_are_no_working_days_and_change_nothing_else():
    closed = Calendar(closures=CHRISTMAS_CLOSURES)
    for day in every_day():
        assert closed.is_working_day(day) == published_working_day(day, CHRISTMAS_CLOSURES), day
    assert closed.next_working_day(date(2026, 12, 23)) == date(2026, 12, 29)
    assert closed.day_zero(utc("2026-12-24T10:00:00+00:00")) == date(2026, 12, 29)   # received while closed


def test_a_closure_on_a_weekend_or_bank_holiday_moves_no_deadline():
    redundant = Calendar(closures=frozenset({date(2026, 12, 25), date(2026, 12, 26), date(2027, 1, 2)}))
    received = utc("2026-12-23T11:00:00+00:00")
    assert [redundant.due(received, n) for n in range(8)] == [CAMBS.due(received, n) for n in range(8)]


# Day 0 and office hours, across the clock changes

def test_the_clock_change_days_below_are_the_last_sundays_of_march_and_october():
    for day in (date(2026, 3, 29), date(2026, 10, 25)):
        assert day.weekday() == 6 and (day + timedelta(days=7)).month != day.month


@pytest.mark.parametrize("received, day_zero", [
    # GMT, the Friday before summer time starts (Sun 29 March 2026): London is UTC
    ("2026-03-27T16:59:00+00:00", date(2026, 3, 27)),
    ("2026-03-27T17:01:00+00:00", date(2026, 3, 30)),
    ("2026-03-29T00:30:00+00:00", date(2026, 3, 30)),   # the change day itself is a Sunday
    # BST, the Monday after: London is UTC+1, so 16:59/17:01 London are 15:59/16:01 UTC
    ("2026-03-30T15:59:00+00:00", date(2026, 3, 30)),
    ("2026-03-30T16:01:00+00:00", date(2026, 3, 31)),
    ("2026-03-30T16:59:00+00:00", date(2026, 3, 31)),   # 16:59 UTC is 17:59 London: after the close
    # BST, the Friday before summer time ends (Sun 25 October 2026)
    ("2026-10-23T15:59:00+00:00", date(2026, 10, 23)),
    ("2026-10-23T16:01:00+00:00", date(2026, 10, 26)),
    # GMT again, the Monday after
    ("2026-10-26T16:59:00+00:00", date(2026, 10, 26)),
    ("2026-10-26T17:01:00+00:00", date(2026, 10, 27)),
    ("2026-10-26T17:00:00+00:00", date(2026, 10, 27)),   # at the close is after it
    ("2026-10-26T06:00:00+00:00", date(2026, 10, 26)),   # before opening still counts the day
])
def test_day_zero_either_side_of_the_close_in_gmt_and_bst(received, day_zero):
    assert CAMBS.day_zero(utc(received)) == day_zero


def test_the_christmas_2026_scenario_is_due_on_monday_4_january():
    scenario = yaml.safe_load(next(SCENARIOS.glob("p27-*.yaml")).read_text())
    received = utc(next(step["deliver"]["at"] for step in scenario["steps"] if "deliver" in step))
    assert received == utc("2026-12-23T11:00:00+00:00")
    panel = load_ruleset(shipped_dir("rules"), "cambridgeshire").bodies["cambs-panel"]
    assert panel.calendar.day_zero(received) == date(2026, 12, 23)
    # working days 1-5: Thu 24 Dec, Tue 29, Wed 30, Thu 31 Dec, Mon 4 Jan (25, 28 Dec and 1 Jan are holidays)
    assert [panel.calendar.due(received, n) for n in range(1, 6)] == [
        date(2026, 12, 24), date(2026, 12, 29), date(2026, 12, 30), date(2026, 12, 31), date(2027, 1, 4)]
    assert panel.calendar.previous_working_day(date(2027, 1, 4)) == date(2026, 12, 31)   # the reminder's day
    assert not deadline_passed(date(2027, 1, 4), utc("2027-01-04T23:59:00+00:00"))   # GMT: London is UTC
    assert deadline_passed(date(2027, 1, 4), utc("2027-01-05T00:00:00+00:00"))
    assert Calendar(closures=CHRISTMAS_CLOSURES).due(received, 5) == date(2027, 1, 6)


@pytest.mark.parametrize("received, due", [
    ("2026-11-26T10:00:00+00:00", date(2026, 11, 30)),   # Thursday (corpus p30): the weekend does not count
    ("2026-11-26T16:29:00+00:00", date(2026, 11, 30)),   # GMT, before the 16:30 close
    ("2026-11-26T16:31:00+00:00", date(2026, 12, 1)),    # after it: day 0 is Friday
    ("2026-06-25T15:29:00+00:00", date(2026, 6, 29)),    # BST: 16:29 London
    ("2026-06-25T15:31:00+00:00", date(2026, 6, 30)),    # BST: 16:31 London
    ("2026-05-21T12:00:00+00:00", date(2026, 5, 26)),    # Thursday before the Spring bank holiday
    ("2026-04-02T16:45:00+00:00", date(2026, 4, 9)),     # Thursday before Easter, after the close: day 0 Tue 7 April
])
def test_cleveland_two_working_days_with_its_hours(received, due):
    cleveland = load_ruleset(shipped_dir("rules"), "cleveland").bodies["cleveland-opcc"]
    assert cleveland.office_hours == OfficeHours(time(8, 30), time(16, 30))
    assert cleveland.first_contact_working_days == 2
    assert cleveland.calendar.due(utc(received), cleveland.first_contact_working_days) == due


# Counting backwards and between

@pytest.mark.parametrize("day, previous", [
    (date(2026, 5, 26), date(2026, 5, 22)),    # Spring bank holiday weekend
    (date(2026, 4, 7), date(2026, 4, 2)),      # Easter: Good Friday to Easter Monday
    (date(2026, 12, 29), date(2026, 12, 24)),  # Christmas with the substitute Boxing Day
    (date(2027, 12, 29), date(2027, 12, 24)),  # two substitute days
    (date(2028, 1, 4), date(2027, 12, 31)),    # the substitute New Year's Day
    (date(2026, 12, 26), date(2026, 12, 24)),  # from a day that is no working day itself
    (date(2026, 11, 18), date(2026, 11, 17)),  # an ordinary Wednesday
])
def test_previous_working_day(day, previous):
    assert CAMBS.previous_working_day(day) == previous


def test_previous_working_day_skips_closure_days():
    assert Calendar(closures=CHRISTMAS_CLOSURES).previous_working_day(date(2026, 12, 29)) == date(2026, 12, 23)


@pytest.mark.parametrize("start, end, count", [
    (date(2026, 12, 23), date(2027, 1, 4), 5),
    (date(2026, 5, 22), date(2026, 5, 26), 1),
    (date(2026, 5, 23), date(2026, 5, 25), 0),   # Saturday to the bank holiday Monday
    (date(2026, 11, 18), date(2026, 11, 18), 0),
    (date(2026, 11, 18), date(2026, 11, 16), 0),   # an end before the start
])
def test_working_days_between(start, end, count):
    assert CAMBS.working_days_between(start, end) == count


@pytest.mark.parametrize("year", range(2026, 2031))
def test_working_days_in_each_year_agree_with_the_published_list(year):
    expected = sum(published_working_day(day) for day in every_day(date(year, 1, 1), date(year, 12, 31)))
    assert CAMBS.working_days_between(date(year, 1, 1) - timedelta(days=1), date(year, 12, 31)) == expected


# Every receipt, every count

RECEIPTS = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 9, 30),
                        timezones=st.just(timezone.utc))
CLOSURES = st.frozensets(st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)), max_size=30)
HOURS = st.sampled_from([OfficeHours(), OfficeHours(time(8, 30), time(16, 30))])


@settings(max_examples=300, deadline=None)
@given(received=RECEIPTS, closures=CLOSURES, hours=HOURS, counts=st.integers(min_value=1, max_value=40))
def test_due_is_a_working_day_increasing_with_the_count_and_that_many_working_days_after_day_zero(
        received, closures, hours, counts):
    calendar = Calendar(hours=hours, closures=closures)
    start = calendar.day_zero(received)
    local = received.astimezone(LONDON)
    if published_working_day(local.date(), closures) and local.time() < hours.closes:
        assert start == local.date()
    else:
        assert local.date() < start and published_working_day(start, closures)
        assert not any(published_working_day(day, closures) for day in every_day(local.date() + timedelta(days=1),
                                                                                  start - timedelta(days=1)))
    dues = [calendar.due(received, n) for n in range(counts + 1)]
    assert dues[0] == start
    for n, due in enumerate(dues):
        assert published_working_day(due, closures), (n, due)
        assert calendar.working_days_between(start, due) == n
    assert all(earlier < later for earlier, later in zip(dues, dues[1:]))
