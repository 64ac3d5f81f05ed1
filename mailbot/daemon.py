"""The daemon's passes: intake of every mailbox, then processing, then the outbox; once or on a schedule."""

from __future__ import annotations

import logging
import os
import signal
import threading
from datetime import timedelta

from sqlalchemy import event

from mailbot.app import App
from mailbot.errors import SourceError
from mailbot.intake.batches import FetchLimits
from mailbot.intake.imap import ImapSource
from mailbot.intake.maildir import MaildirSource
from mailbot.intake.raw import MailSource
from mailbot.intake.sync import intake
from mailbot.outbox.delivery import deliver_due
from mailbot.pipeline import Outcome, process_pending
from mailbot.schedule.timers import run_timers
from mailbot.settings import MailboxSettings
from mailbot.watchdog import Progress, Watchdog, notify

log = logging.getLogger("mailbot.daemon")


def make_source(mailbox: MailboxSettings) -> MailSource:
    """The watcher of one configured mailbox: its Maildir, else its IMAP folder."""
    if mailbox.maildir is not None:
        return MaildirSource(mailbox.name, mailbox.maildir)
    return ImapSource(mailbox.name, mailbox.imap, folder=mailbox.folder, move_to=mailbox.move_to)


def poll_mailbox(app: App, mailbox: MailboxSettings) -> bool:
    """Record every new delivery of one mailbox; False when it could not be reached or read."""
    try:
        with make_source(mailbox) as source:
            intake(source, app.sessions, now=app.clock.now(), limits=FetchLimits.for_mailbox(mailbox),
                   answer_backlog=timedelta(days=mailbox.answer_backlog_days))
        return True
    except SourceError as error:
        log.error("%s", error)
        return False


def run_pass(app: App) -> tuple[bool, list[Outcome]]:
    """One whole pass: every mailbox, then processing, then the outbox. Returns (all reached, outcomes)."""
    reached = True
    for mailbox in app.settings.mailboxes:
        reached &= poll_mailbox(app, mailbox)
    outcomes = process_pending(app, now=app.clock.now())
    run_timers(app, app.clock.now())
    reached &= deliver_due(app, now=app.clock.now())
    return reached, outcomes


def run_once(app: App) -> int:
    """`mailbot run --once`: exit status 0 when the pass completed, 1 when a server could not be reached."""
    reached, outcomes = run_pass(app)
    log.info("pass complete: %d message(s) processed", len(outcomes))
    return 0 if reached else 1


SHUTDOWN_GRACE_SECONDS = 5.0   # how long a stop waits for the running job; systemd and the tests allow 10


class ShuttingDown(BaseException):
    """Raised in a job, at the start of its next database transaction, once the daemon is asked to stop.

    Each stage works in one transaction per message, so that is the boundary
    between two messages. A BaseException, so that the per-message
    `except Exception` boundaries let it through instead of quarantining.
    """


def run_forever(app: App) -> None:
    """`mailbot run`: poll every mailbox and deliver the outbox on a schedule until SIGTERM or SIGINT.

    A stop ends the running job between two messages; one stuck past
    SHUTDOWN_GRACE_SECONDS (a server that stalls mid-reply) is abandoned and the
    process exits anyway: every stage commits before it acts, so the next
    start redoes exactly what was cut short.
    """
    from apscheduler.schedulers.background import BackgroundScheduler

    stop = threading.Event()
    lock = threading.Lock()  # one pass at a time: the stages share the record
    progress = Progress()
    _watch_transactions(app, stop, progress)

    def one_at_a_time(work):
        def job(*args) -> None:
            with lock:
                if stop.is_set():
                    return
                progress.started()
                try:
                    work(*args)
                except ShuttingDown:
                    log.info("stopped between two messages; the rest waits for the next start")
                finally:
                    progress.finished()
        return job

    def mailbox_job(mailbox: MailboxSettings) -> None:
        poll_mailbox(app, mailbox)
        process_pending(app, now=app.clock.now())

    def outbox_job() -> None:
        deliver_due(app, now=app.clock.now())

    scheduler = BackgroundScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1,
                                                                  "misfire_grace_time": 60})
    for mailbox in app.settings.mailboxes:
        scheduler.add_job(one_at_a_time(mailbox_job), "interval", args=[mailbox], seconds=app.settings.poll_seconds,
                          id=f"poll-{mailbox.name}", next_run_time=app.clock.now())
    scheduler.add_job(one_at_a_time(outbox_job), "interval", seconds=app.settings.outbox_seconds, id="outbox")
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    scheduler.start()
    log.info("mailbot running: %d mailbox(es), polling every %ss", len(app.settings.mailboxes), app.settings.poll_seconds)
    notify("READY=1")
    watchdog = Watchdog.from_environment()
    if watchdog:
        _warn_if_watchdog_is_short(app, watchdog)
    while not stop.wait(watchdog.period if watchdog else 1.0):
        if watchdog:
            watchdog.feed(progress)
    _shut_down(scheduler, progress)


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


def _shut_down(scheduler, progress: Progress) -> None:
    log.info("stopping")
    notify("STOPPING=1")
    scheduler.shutdown(wait=False)
    if progress.wait_idle(SHUTDOWN_GRACE_SECONDS):
        log.info("stopped")
        return
    log.warning("a job is still running after %.0f s (a server that does not answer?): exiting anyway; "
                "what it had not committed is done again on the next start", SHUTDOWN_GRACE_SECONDS)
    logging.shutdown()
    os._exit(0)   # the stuck job's thread would keep the interpreter from exiting until its timeout
