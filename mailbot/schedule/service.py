"""The daemon's life as a service: start the schedule and the IDLE watchers, tell systemd, stop on a signal.

A stop (SIGTERM, SIGINT) ends the running job between two messages; one
stuck past SHUTDOWN_GRACE_SECONDS (a server that stalls mid-reply) is
abandoned and the process exits anyway: every stage commits before it acts,
so the next start redoes exactly what was cut short. The watchdog is fed
from here while the running job makes progress; an IDLE watcher waiting
for mail is no job, so waiting never starves it.
"""

from __future__ import annotations

import logging
import os
import signal
import threading

from sqlalchemy import event

from mailbot.app import App
from mailbot.daemon import ShuttingDown
from mailbot.schedule.scheduler import Schedule
from mailbot.schedule.watchers import STOP_TIMEOUT_SECONDS, watch_mailboxes, stop_watchers
from mailbot.watchdog import Progress, Watchdog, notify

log = logging.getLogger("mailbot.daemon")

SHUTDOWN_GRACE_SECONDS = 5.0   # how long a stop waits for the running job; systemd and the tests allow 10


def serve(app: App) -> None:
    """Run the schedule until SIGTERM or SIGINT; READY=1 once it runs, WATCHDOG=1 while it makes progress."""
    stop = threading.Event()
    progress = Progress()
    _watch_transactions(app, stop, progress)
    schedule = Schedule(app, stop=stop, progress=progress)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    schedule.start()
    watchers = watch_mailboxes(app.settings.mailboxes, schedule.wake_mailbox)
    log.info("mailbot running: %d mailbox(es), %d watched with IDLE where the server offers it, polling every %ss",
             len(app.settings.mailboxes), len(watchers), app.settings.poll_seconds)
    notify("READY=1")
    watchdog = Watchdog.from_environment()
    if watchdog:
        _warn_if_watchdog_is_short(app, watchdog)
    while not stop.wait(watchdog.period if watchdog else 1.0):
        if watchdog:
            watchdog.feed(progress)
    _shut_down(schedule, watchers, progress)


def _warn_if_watchdog_is_short(app: App, watchdog: Watchdog) -> None:
    """A single call may wait a whole timeout without committing: a shorter watchdog restarts a healthy daemon."""
    timeouts = [app.settings.smtp.timeout] + [mailbox.imap.timeout for mailbox in app.settings.mailboxes if mailbox.imap]
    timeouts += [mailbox.smtp.timeout for mailbox in app.settings.mailboxes if mailbox.smtp]
    if watchdog.interval < 3 * max(timeouts):
        log.warning("WatchdogSec=%.0f s is short for network timeouts of up to %.0f s: a slow server may get mailbot "
                    "restarted; give WatchdogSec at least %.0f s", watchdog.interval, max(timeouts), 3 * max(timeouts))


def _watch_transactions(app: App, stop: threading.Event, progress: Progress) -> None:
    """Every commit is progress (for the watchdog); once stopping, no new transaction begins."""
    def committed(_session) -> None:
        progress.advanced()

    def beginning(_session, _transaction, _connection) -> None:
        if stop.is_set():
            raise ShuttingDown()

    event.listen(app.sessions, "after_commit", committed)
    event.listen(app.sessions, "after_begin", beginning)


def _shut_down(schedule: Schedule, watchers, progress: Progress) -> None:
    log.info("stopping")
    notify("STOPPING=1")
    schedule.shutdown()
    for watcher in watchers:
        watcher.stop()          # they leave IDLE while the running job finishes its message
    if progress.wait_idle(SHUTDOWN_GRACE_SECONDS):
        stop_watchers(watchers, STOP_TIMEOUT_SECONDS)   # daemon threads: one still logging out cannot hold the exit
        log.info("stopped")
        return
    log.warning("a job is still running after %.0f s (a server that does not answer?): exiting anyway; "
                "what it had not committed is done again on the next start", SHUTDOWN_GRACE_SECONDS)
    logging.shutdown()
    os._exit(0)   # the stuck job's thread would keep the interpreter from exiting until its timeout
