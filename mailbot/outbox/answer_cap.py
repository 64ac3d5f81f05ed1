"""The cap on automatic answers, counted once per pass and then kept up to date from the rows added since.

Grouping every automatic answer of the last 24 hours before each message of
a backlog cost more with each message (each one's answers are rows the next
one reads). A pass keeps an `AnswersInWindow` instead: its first question
reads the window once (on the index on `at`), each later one only the rows
added since (`id` above the last seen, on the primary key). That is the
whole window's count because the daemon's jobs run one at a time
(mailbot.schedule.scheduler), so rows are committed in the order of their
ids, and a pass's `now` does not move.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mailbot.db.models import AutomaticAnswer
from mailbot.outbox.queue import CAP_COUNT, CAP_WINDOW


class AnswersInWindow:
    """Automatic answers per address in the window before `now`, for one pass."""

    def __init__(self, now: datetime):
        self._since = now - CAP_WINDOW
        self._last_id: int | None = None
        self._counts: Counter[str] = Counter()
        self._full: set[str] = set()

    def at_cap(self, session: Session) -> frozenset[str]:
        """Every address with CAP_COUNT automatic answers in the window, as committed now (`Known.at_cap`).

        Ask at the start of a transaction, before it adds answers of its own:
        a transaction rolled back must leave nothing counted.
        """
        query = select(AutomaticAnswer.id, AutomaticAnswer.address, AutomaticAnswer.at)
        if self._last_id is None:   # the window, on the index on `at`
            self._last_id = session.scalar(select(func.max(AutomaticAnswer.id))) or 0
            query = query.where(AutomaticAnswer.at > self._since, AutomaticAnswer.id <= self._last_id)
        else:   # only what is newer, on the key alone (given `at` too, SQLite would read the window again)
            query = query.where(AutomaticAnswer.id > self._last_id)
        for row_id, address, at in session.execute(query):
            self._last_id = max(self._last_id, row_id)
            if at <= self._since:
                continue
            self._counts[address] += 1
            if self._counts[address] >= CAP_COUNT:
                self._full.add(address)
        return frozenset(self._full)
