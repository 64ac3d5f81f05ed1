"""Telling systemd how the daemon is: ready, alive (its watchdog, fed only while passes make progress), stopping.

systemd (`Type=notify`, `WatchdogSec=`) gives the daemon `NOTIFY_SOCKET`, an
AF_UNIX datagram socket, and `WATCHDOG_USEC`, the interval within which it
expects `WATCHDOG=1`. A pass that hangs (a server that never answers past
every timeout, a loop) must not be hidden by a thread that pings anyway: the
watchdog is fed only while the running pass has made progress within the
interval, so systemd restarts a daemon whose pass is stuck.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable

log = logging.getLogger("mailbot.daemon")


def notify(state: str) -> bool:
    """Send `state` (e.g. "READY=1") to systemd when it gave a NOTIFY_SOCKET; False when it could not be sent."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):          # an abstract socket
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.settimeout(1.0)
            sock.connect(address)
            sock.sendall(state.encode())
    except OSError as error:
        log.warning("could not tell systemd %s: %s", state, error)
        return False
    return True


class Progress:
    """When the running job last showed progress: it started, committed something, or ended.

    Each stage commits once per message (or per batch fetched), so a job that
    commits nothing for longer than the watchdog interval is stuck.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._changed = threading.Condition()
        self._running = False
        self._last = clock()

    def started(self) -> None:
        with self._changed:
            self._running, self._last = True, self._clock()

    def advanced(self) -> None:
        with self._changed:
            self._last = self._clock()

    def finished(self) -> None:
        with self._changed:
            self._running, self._last = False, self._clock()
            self._changed.notify_all()

    def stuck_for(self) -> float:
        """Seconds since the running job last made progress; 0 when no job runs."""
        with self._changed:
            return self._clock() - self._last if self._running else 0.0

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no job runs, at most `timeout` seconds; True when none does."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._running, timeout)


class Watchdog:
    """systemd's watchdog: `feed` sends WATCHDOG=1 unless the running job is stuck past the interval."""

    def __init__(self, interval: float):
        self.interval = interval
        self.period = interval / 2       # systemd's advice: ping at half the interval
        self._starved = False

    @classmethod
    def from_environment(cls) -> "Watchdog | None":
        """The watchdog systemd asked for (WATCHDOG_USEC, for this process), else None."""
        usec, pid = os.environ.get("WATCHDOG_USEC"), os.environ.get("WATCHDOG_PID")
        if not usec or not os.environ.get("NOTIFY_SOCKET") or (pid and pid != str(os.getpid())):
            return None
        try:
            interval = int(usec) / 1_000_000
        except ValueError:
            log.warning("WATCHDOG_USEC=%r is not a number of microseconds: no watchdog", usec)
            return None
        return cls(interval) if interval > 0 else None

    def feed(self, progress: Progress) -> bool:
        """Tell systemd we are alive, unless the running job made no progress within the interval."""
        stuck = progress.stuck_for()
        if stuck > self.interval:
            if not self._starved:
                log.error("a pass has made no progress for %.0f s (watchdog %.0f s): no longer telling systemd "
                          "mailbot is alive, so that it restarts it", stuck, self.interval)
            self._starved = True
            return False
        if self._starved:
            log.info("the pass makes progress again: feeding the watchdog again")
            self._starved = False
        return notify("WATCHDOG=1")
