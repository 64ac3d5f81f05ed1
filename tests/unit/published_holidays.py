"""The published bank holidays of England and Wales, 2026-2030 (tests/data), and working days read from them.

Tests check the calendar against this list, never against the `holidays` library the calendar uses.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

PUBLISHED: dict[date, str] = {
    date.fromisoformat(line.split()[0]): line.split(None, 1)[1].strip()
    for line in (Path(__file__).parent.parent / "data" / "bank-holidays-england-wales.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
}
FIRST, LAST = date(2026, 1, 1), date(2030, 12, 31)


def published_working_day(day: date, closures: frozenset[date] = frozenset()) -> bool:
    """Monday to Friday, not a published bank holiday, not a closure day (only for days the list covers)."""
    assert FIRST <= day <= LAST, f"{day} is outside the published list"
    return day.weekday() < 5 and day not in PUBLISHED and day not in closures
