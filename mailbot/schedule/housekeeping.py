"""The daemon's daily housekeeping: one summary line in the journal of what the record holds and what waits.

It reads and counts; it deletes nothing (how long the record is kept is a
retention policy no one has set yet). An operator reading `journalctl -u
mailbot` sees each morning whether mail is stuck in the outbox, set aside,
or whether deadlines have passed unmet.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from mailbot.clock import LONDON
from mailbot.db.models import Case, Deadline, InboundMessage, OutboxMessage

log = logging.getLogger("mailbot.daemon")
WAITING = ("queued", "deferred")


@dataclass(frozen=True)
class Summary:
    """What the record holds at one moment, counted."""

    open_cases: int              # open or awaiting details
    overdue_cases: int           # with a deadline past its last day and not met
    outbox_waiting: int          # queued or deferred
    outbox_failed: int
    quarantined: int

    def line(self) -> str:
        return (f"{self.open_cases} open case(s), {self.overdue_cases} with a deadline passed unmet; outbox: "
                f"{self.outbox_waiting} waiting, {self.outbox_failed} failed; {self.quarantined} message(s) "
                "quarantined")

    @property
    def worrying(self) -> bool:
        return bool(self.overdue_cases or self.outbox_failed or self.quarantined)


def summarise(app, *, now: datetime) -> Summary:
    """Count what the record holds at `now` (a deadline has passed once its last London day is over)."""
    today = now.astimezone(LONDON).date()
    live = Case.status.in_(("open", "awaiting-details"))
    with app.sessions() as session:
        def count(query) -> int:
            return int(session.scalar(query) or 0)

        return Summary(
            open_cases=count(select(func.count(Case.id)).where(live)),
            overdue_cases=count(select(func.count(func.distinct(Case.id))).join(Deadline)
                                .where(live, Deadline.met_at.is_(None), Deadline.due < today)),
            outbox_waiting=count(select(func.count(OutboxMessage.id)).where(OutboxMessage.status.in_(WAITING))),
            outbox_failed=count(select(func.count(OutboxMessage.id)).where(OutboxMessage.status == "failed")),
            quarantined=count(select(func.count(InboundMessage.id))
                              .where(InboundMessage.status == "quarantined")),
        )


def log_summary(app, *, now: datetime) -> Summary:
    """Log today's summary (a warning when something needs a person); returns it."""
    summary = summarise(app, now=now)
    advice = " (see `mailbot cases list --overdue`, `mailbot outbox list`, `mailbot quarantine list`)"
    if summary.worrying:
        log.warning("housekeeping: %s%s", summary.line(), advice)
    else:
        log.info("housekeeping: %s", summary.line())
    return summary
