"""Delivering the outbox while a pass is still processing its messages (`mailbot run --once`).

A pass over a backlog queues thousands of letters. Delivered only at the end,
each waits for every message before it, and the SMTP server's answers are
awaited while nothing else happens. A thread of its own delivers what has
been committed so far, a round every PAUSE_SECONDS, so sending overlaps
processing: the server's time and the network's are spent while the main
thread parses and records. Every guarantee is `deliver_due`'s: a letter goes
only once its row is committed and on disk, and is marked sent only after
the server took it. The pass still ends with its own `deliver_due`, which
sends whatever is left and says whether the server could be reached; the
thread stops at the first server it cannot reach and leaves that to it.

The daemon does not use this: its jobs run one at a time, and its outbox
job runs after each mailbox's (mailbot.schedule.scheduler).
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from mailbot.outbox.delivery import deliver_due

if TYPE_CHECKING:
    from mailbot.app import App

log = logging.getLogger("mailbot.outbox")
PAUSE_SECONDS = 0.2   # between rounds: long enough for letters to gather, short beside a backlog


class DeliveringAlongside:
    """A context manager: the outbox is delivered in a thread until the block ends (and that round is done)."""

    def __init__(self, app: App):
        self._app = app
        self._finish = threading.Event()
        self._thread = threading.Thread(target=self._deliver, name="outbox-alongside", daemon=True)

    def __enter__(self) -> "DeliveringAlongside":
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._finish.set()
        self._thread.join()

    def _deliver(self) -> None:
        try:
            while not self._finish.is_set():
                if not deliver_due(self._app, now=self._app.clock.now()):
                    return   # the pass's own delivery tries again and reports the server
                self._finish.wait(PAUSE_SECONDS)
        except Exception:  # noqa: BLE001 - the pass's own delivery at the end does what this could not
            log.exception("outbox: delivering alongside the pass stopped; the rest goes at the end of the pass")
