"""The daemon's passes: intake of every mailbox, then processing, then the outbox; once or on a schedule."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from datetime import timedelta

from mailbot.app import App
from mailbot.errors import SourceError
from mailbot.intake.batches import FetchLimits
from mailbot.intake.imap import ImapSource
from mailbot.intake.maildir import MaildirSource
from mailbot.intake.raw import MailSource
from mailbot.intake.sync import intake
from mailbot.outbox.delivery import deliver_due
from mailbot.pipeline import Outcome, process_pending
from mailbot.settings import MailboxSettings

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
    reached &= deliver_due(app.sessions, app.settings, now=app.clock.now())
    return reached, outcomes


def run_once(app: App) -> int:
    """`mailbot run --once`: exit status 0 when the pass completed, 1 when a server could not be reached."""
    reached, outcomes = run_pass(app)
    log.info("pass complete: %d message(s) processed", len(outcomes))
    return 0 if reached else 1


def run_forever(app: App) -> None:
    """`mailbot run`: poll every mailbox and deliver the outbox on a schedule until SIGTERM or SIGINT."""
    from apscheduler.schedulers.background import BackgroundScheduler

    stop = threading.Event()
    lock = threading.Lock()  # one pass at a time: the stages share the record

    def mailbox_job(mailbox: MailboxSettings) -> None:
        with lock:
            poll_mailbox(app, mailbox)
            process_pending(app, now=app.clock.now())

    def outbox_job() -> None:
        with lock:
            deliver_due(app.sessions, app.settings, now=app.clock.now())

    scheduler = BackgroundScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1,
                                                                  "misfire_grace_time": 60})
    for mailbox in app.settings.mailboxes:
        scheduler.add_job(mailbox_job, "interval", args=[mailbox], seconds=app.settings.poll_seconds,
                          id=f"poll-{mailbox.name}", next_run_time=app.clock.now())
    scheduler.add_job(outbox_job, "interval", seconds=app.settings.outbox_seconds, id="outbox")
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    scheduler.start()
    log.info("mailbot running: %d mailbox(es), polling every %ss", len(app.settings.mailboxes), app.settings.poll_seconds)
    _notify_systemd("READY=1")
    stop.wait()
    log.info("stopping")
    _notify_systemd("STOPPING=1")
    scheduler.shutdown(wait=True)


def _notify_systemd(state: str) -> None:
    """Tell systemd (Type=notify) how we are, when it asked; nothing otherwise."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return
    if address.startswith("@"):
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.connect(address)
        sock.sendall(state.encode())
