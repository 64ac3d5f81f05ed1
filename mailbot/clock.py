"""The one seam through which mailbot learns the time (`--now` sets it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Clock:
    """Gives the current time as an aware UTC datetime.

    `fixed` pins every reading to one instant (the `--now` of a run); without
    it the clock reads the system time.
    """

    fixed: datetime | None = None

    def now(self) -> datetime:
        if self.fixed is not None:
            return self.fixed.astimezone(timezone.utc)
        return datetime.now(timezone.utc)


def parse_instant(text: str) -> datetime:
    """An ISO 8601 time with an offset (`2026-11-23T10:15:00+00:00`, or `Z`).

    Raises ValueError for a time without an offset: a bare local time would
    be ambiguous across the clock change.
    """
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset (write e.g. 2026-11-23T10:15:00+00:00)")
    return value.astimezone(timezone.utc)
