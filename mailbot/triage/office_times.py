"""A body's times as the rule files write them: office hours ("HH:MM-HH:MM") and closure days (dates)."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from mailbot.workdays import OfficeHours


def office_hours(text: Any) -> OfficeHours | None:
    """`"09:00-17:00"` as OfficeHours; None when it is not two times, the opening first."""
    try:
        opens, closes = (time.fromisoformat(part.strip()) for part in str(text).split("-"))
    except ValueError:
        return None
    return OfficeHours(opens, closes) if opens < closes else None


def closed_days(at: str, path: Path, key: str, days: Any, problems: list[str]) -> frozenset[date]:
    """`closed_days: [2026-12-24, "2026-12-31"]`: the days a body's office is shut besides bank holidays."""
    if days is None:
        return frozenset()
    if not isinstance(days, list):
        problems.append(f"{at}: {key}: expected a list of dates (YYYY-MM-DD), got {days!r}")
        return frozenset()
    found = set()
    for index, (day, line) in enumerate(zip(days, days.lines)):
        if isinstance(day, str):
            try:
                day = datetime.strptime(day.strip(), "%Y-%m-%d").date()
            except ValueError:
                pass
        if isinstance(day, date) and not isinstance(day, datetime):   # YAML reads 2026-12-24 10:00 as a datetime
            found.add(day)
        else:
            problems.append(f"{path}:{line}: {key}[{index}]: expected a date (YYYY-MM-DD), got {day!r}")
    return frozenset(found)
