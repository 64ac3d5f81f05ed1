"""The daemon's passes: intake of every mailbox, then processing, timers and the outbox; once, or as scheduled."""

from __future__ import annotations

import logging
from datetime import timedelta

from mailbot.app import App
from mailbot.errors import SourceError
from mailbot.intake.batches import FetchLimits
from mailbot.intake.imap import ImapSource
from mailbot.intake.maildir import MaildirSource
from mailbot.intake.raw import MailSource
from mailbot.intake.sync import intake
from mailbot.outbox.alongside import DeliveringAlongside
from mailbot.outbox.delivery import deliver_due
from mailbot.pipeline import Outcome, process_pending
from mailbot.schedule.connection_alerts import connection_failed, connection_worked, mailbox_target
from mailbot.schedule.timers import run_timers
from mailbot.settings import MailboxSettings

log = logging.getLogger("mailbot.daemon")


def make_source(mailbox: MailboxSettings) -> MailSource:
    """The watcher of one configured mailbox: its Maildir, else its IMAP folder."""
    if mailbox.maildir is not None:
        return MaildirSource(mailbox.name, mailbox.maildir)
    return ImapSource(mailbox.name, mailbox.imap, folder=mailbox.folder, move_to=mailbox.move_to)


def poll_mailbox(app: App, mailbox: MailboxSettings) -> bool:
    """Record every new delivery of one mailbox; False when it could not be reached or read.

    The first failure of a run is alerted once, and so is the pass that
    reads the mailbox again (mailbot/schedule/connection_alerts.py).
    """
    target = mailbox_target(mailbox)
    try:
        with make_source(mailbox) as source:
            intake(source, app.sessions, now=app.clock.now(), limits=FetchLimits.for_mailbox(mailbox),
                   answer_backlog=timedelta(days=mailbox.answer_backlog_days))
    except SourceError as error:
        log.error("%s", error)
        connection_failed(app, target, error, now=app.clock.now())
        return False
    connection_worked(app, target, now=app.clock.now())
    return True


def run_pass(app: App) -> tuple[bool, list[Outcome]]:
    """One whole pass: every mailbox, then processing, then the outbox. Returns (all reached, outcomes)."""
    reached = True
    for mailbox in app.settings.mailboxes:
        reached &= poll_mailbox(app, mailbox)
    with DeliveringAlongside(app):   # letters go while later messages are processed
        outcomes = process_pending(app, now=app.clock.now())
    run_timers(app, app.clock.now())
    reached &= deliver_due(app, now=app.clock.now())
    return reached, outcomes


def run_once(app: App) -> int:
    """`mailbot run --once`: exit status 0 when the pass completed, 1 when a server could not be reached."""
    reached, outcomes = run_pass(app)
    log.info("pass complete: %d message(s) processed", len(outcomes))
    return 0 if reached else 1


class ShuttingDown(BaseException):
    """Raised in a job, at the start of its next database transaction, once the daemon is asked to stop.

    Each stage works in one transaction per message, so that is the boundary
    between two messages. A BaseException, so that the per-message
    `except Exception` boundaries let it through instead of quarantining.
    """


def run_forever(app: App) -> None:
    """`mailbot run`: the passes on the schedule of `mailbot.schedule` until SIGTERM or SIGINT.

    Each IMAP mailbox is watched with IDLE where the server offers it and
    polled every poll_seconds besides; the outbox is delivered every
    outbox_seconds and after each mailbox's intake; timers run when the next
    one falls due. See mailbot/schedule/service.py for the stop and systemd.
    """
    from mailbot.schedule.service import serve   # the schedule imports this module's passes

    serve(app)
