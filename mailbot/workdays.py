"""Working days in England and Wales: weekends and bank holidays do not count.

The calendar is the `holidays` library's (United Kingdom, subdivision
England, whose bank holidays Wales shares). Office hours decide day 0: mail
received on a working day before the office closes counts from that day,
anything later from the next working day (INTERFACE.md, "Time").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from mailbot.clock import LONDON


@lru_cache(maxsize=None)
def _bank_holidays(year: int) -> frozenset[date]:
    calendar = holidays.country_holidays("GB", subdiv="ENG", years=year)
    return frozenset(calendar.keys())


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a bank holiday of England and Wales."""
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def next_working_day(day: date) -> date:
    """The first working day strictly after `day`."""
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(start: date, count: int) -> date:
    """The `count`-th working day after `start` (`start` itself when count is 0)."""
    day = start
    for _ in range(count):
        day = next_working_day(day)
    return day


@dataclass(frozen=True)
class OfficeHours:
    """When a body's office is open, in Europe/London local time."""

    opens: time = time(9, 0)
    closes: time = time(17, 0)


def day_zero(received_at: datetime, hours: OfficeHours) -> date:
    """The working day from which a deadline counts for mail received at `received_at`."""
    local = received_at.astimezone(LONDON)
    day = local.date()
    if is_working_day(day) and local.time() < hours.closes:
        return day
    return next_working_day(day)


def working_days_due(received_at: datetime, count: int, hours: OfficeHours) -> date:
    """The last day of a deadline of `count` working days: met until 00:00 after it."""
    return add_working_days(day_zero(received_at, hours), count)


@dataclass(frozen=True)
class Calendar:
    """One body's working days: England and Wales bank holidays and weekends, its own closure days, its hours."""

    hours: OfficeHours = OfficeHours()
    closures: frozenset[date] = frozenset()     # extra days the office is shut (rules: bodies.ID.closed_days)

    def is_working_day(self, day: date) -> bool:
        return is_working_day(day) and day not in self.closures

    def next_working_day(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def previous_working_day(self, day: date) -> date:
        day -= timedelta(days=1)
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def add_working_days(self, start: date, count: int) -> date:
        day = start
        for _ in range(count):
            day = self.next_working_day(day)
        return day

    def day_zero(self, received_at: datetime) -> date:
        local = received_at.astimezone(LONDON)
        if self.is_working_day(local.date()) and local.time() < self.hours.closes:
            return local.date()
        return self.next_working_day(local.date())

    def due(self, received_at: datetime, working_days: int) -> date:
        """The last day of a deadline of `working_days`: met until 00:00 after it."""
        return self.add_working_days(self.day_zero(received_at), working_days)

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days after `start`, up to and including `end` (0 when `end` <= `start`)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count


def deadline_passed(due: date, now: datetime) -> bool:
    """Whether a deadline ending with the day `due` has passed at `now` (London midnight after it)."""
    return now.astimezone(LONDON).date() > due
