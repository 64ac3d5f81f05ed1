"""What falls due with time: reminders before a deadline, escalations after, and the letters a wait ends in.

`run_timers(app, now)` queues everything due at `now` that has not gone
yet (each once: its outbox key names the deadline and the step), and
`next_due(app, now)` says when the next thing falls due, so the daemon
can sleep until then. `mailbot run --once --now T` runs it as the daemon
would at T.
"""

from __future__ import annotations

from datetime import datetime


def run_timers(app, now: datetime) -> int:
    """Queue every timed letter due at `now`; how many were queued."""
    return 0


def next_due(app, now: datetime) -> datetime | None:
    """When the next timed letter falls due after `now`; None when nothing waits."""
    return None
