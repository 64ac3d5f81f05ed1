"""Delivering the outbox: one attempt per due message, marked sent only after the server took it.

A crash between the server's acceptance and the commit sends that message
once more on the next pass: the same stored bytes, the same Message-ID.

Each message is delivered on its own: one that the library or the server
cannot take is failed or deferred with its reason, and the pass goes on with
the next. Only a server that cannot be reached ends a mailbox's sending for
the pass (its mail stays queued), and only that makes the pass report failure.

    the send                          the row     and
    ├── taken                         sent        refused recipients recorded; staff told of them
    ├── 4xx, connection lost          deferred    tried again after retry_delay(attempts)
    ├── 5xx, an address no server     failed      `send-failed` on the case; staff told (case-update)
    │   can take, over the SIZE
    └── anything else (a defect)      failed      logged with its traceback; staff told
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from mailbot.db import events
from mailbot.db.engine import make_durable
from mailbot.db.models import OutboxMessage
from mailbot.errors import PermanentSendError, TransientSendError
from mailbot.outbox.envelope import Refused, describe_refused
from mailbot.outbox.failure_notice import tell_staff
from mailbot.outbox.transport import Transport, make_transport, retry_delay
from mailbot.schedule.connection_alerts import connection_failed, connection_worked, smtp_target
from mailbot.settings import Settings

if TYPE_CHECKING:
    from mailbot.app import App

log = logging.getLogger("mailbot.outbox")
DUE = ("queued", "deferred")


def deliver_due(app: App, *, now: datetime) -> bool:
    """Try each due message once; return False when an SMTP server could not be reached.

    Failed and deferred sends are not a failure of the pass. The case-updates
    that failures queue are delivered in the same pass, in a second round.
    """
    reachable, after = True, 0
    for _round in range(2):   # a case-update never causes another, so two rounds empty the pass
        due = _due_by_mailbox(app.sessions, now=now, after=after)
        if due:
            with app.sessions() as session:
                make_durable(session)   # no letter leaves before the case, reference and row it comes from are on disk
        for mailbox_name, row_ids in due.items():
            reachable &= _deliver_mailbox(app, mailbox_name, row_ids, now=now)
            after = max(after, *row_ids)
    return reachable


def _due_by_mailbox(sessions: sessionmaker[Session], *, now: datetime, after: int) -> dict[str, list[int]]:
    with sessions() as session:
        due = session.execute(select(OutboxMessage.id, OutboxMessage.mailbox).where(
            OutboxMessage.status.in_(DUE), OutboxMessage.next_attempt_at <= now, OutboxMessage.id > after)
            .order_by(OutboxMessage.id)).all()
    by_mailbox: dict[str, list[int]] = {}
    for row_id, mailbox_name in due:
        by_mailbox.setdefault(mailbox_name, []).append(row_id)
    return by_mailbox


def _deliver_mailbox(app: App, mailbox_name: str, row_ids: list[int], *, now: datetime) -> bool:
    """Deliver one mailbox's due messages through its server; False when the server could not be reached.

    A server that cannot be reached or logged in to is alerted once, and so
    is its recovery (mailbot/schedule/connection_alerts.py).
    """
    smtp = _smtp_for(app.settings, mailbox_name)
    target = smtp_target(app.settings, smtp) if smtp.transport == "smtp" else None
    with make_transport(smtp) as transport:
        for position, row_id in enumerate(row_ids):
            try:
                transport.connect()  # an unreachable server is the pass's failure, not each message's
            except TransientSendError as error:
                log.error("outbox: SMTP server %s:%s not reachable: %s (mail stays queued)",
                          smtp.host, smtp.port, error)
                _note_unreachable(app.sessions, row_ids[position:], str(error), now=now)
                if target is not None:
                    connection_failed(app, target, error, now=now)
                return False
            if target is not None and position == 0:
                connection_worked(app, target, now=now)
            _deliver_on_its_own(app, transport, row_id, now=now)
    return True


def _smtp_for(settings: Settings, mailbox_name: str):
    try:
        return settings.smtp_for(settings.mailbox(mailbox_name))
    except KeyError:
        return settings.smtp  # mail of a mailbox no longer watched still goes out


def _deliver_on_its_own(app: App, transport: Transport, row_id: int, *, now: datetime) -> None:
    """The loop boundary: whatever goes wrong with one message, it is failed with the reason and the pass goes on."""
    try:
        _deliver_one(app, transport, row_id, now=now)
    except Exception as error:  # noqa: BLE001 - one message never stops the others
        log.exception("outbox: message %d could not be handled; marked failed", row_id)
        transport.close()   # the session may be halfway through a command
        with app.sessions() as session:
            row = session.get(OutboxMessage, row_id)
            if row is not None and row.status in DUE:
                row.attempts += 1
                _fail(app, session, row, f"mailbot could not send it: {type(error).__name__}: {error}", now=now)
                session.commit()


def _deliver_one(app: App, transport: Transport, row_id: int, *, now: datetime) -> None:
    with app.sessions() as session:
        row = session.get(OutboxMessage, row_id)
        if row is None or row.status not in DUE:
            return
        row.attempts += 1
        try:
            refused = transport.send(row.envelope_from, list(row.recipients), row.raw)
        except TransientSendError as error:
            row.status, row.next_attempt_at = "deferred", now + retry_delay(row.attempts)
            row.last_error = str(error)
            log.warning("outbox: %s %s deferred (attempt %d): %s", row.kind, row.message_id, row.attempts, error)
        except PermanentSendError as error:
            _fail(app, session, row, str(error), now=now)
        else:
            _mark_sent(app, session, row, refused, now=now)
        session.commit()


def _fail(app: App, session: Session, row: OutboxMessage, reason: str, *, now: datetime) -> None:
    """Mark `row` failed for good, on the case's log too, and tell the case's staff."""
    row.status, row.last_error = "failed", reason
    events.record(session, at=now, action="send-failed", case_id=row.case_id, reason=reason,
                 detail={"message_id": row.message_id, "kind": row.kind})
    log.error("outbox: %s %s refused for good: %s", row.kind, row.message_id, reason)
    tell_staff(app, session, row, reason=reason, not_delivered_to=list(row.recipients), now=now)


def _mark_sent(app: App, session: Session, row: OutboxMessage, refused: Refused, *, now: datetime) -> None:
    row.status, row.sent_at = "sent", now
    row.last_error = f"not delivered to: {describe_refused(refused)}" if refused else ""
    if refused:
        events.record(session, at=now, action="send-partly-refused", case_id=row.case_id,
                     reason=describe_refused(refused), detail={"message_id": row.message_id, "kind": row.kind})
        tell_staff(app, session, row, reason=describe_refused(refused), not_delivered_to=list(refused), now=now)
    events.record(session, at=now, action="mail-sent", case_id=row.case_id,
                 reason=f"{row.kind} to {', '.join(row.recipients)}", detail={"message_id": row.message_id})
    log.info("outbox: sent %s %s to %s", row.kind, row.message_id, ", ".join(row.recipients))


def _note_unreachable(sessions: sessionmaker[Session], row_ids: list[int], error: str, *, now: datetime) -> None:
    """Say on each message not tried why it is still queued (it is tried again on the next pass)."""
    with sessions() as session:
        for row in session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(row_ids),
                                                               OutboxMessage.status.in_(DUE))):
            if row.next_attempt_at <= now:
                row.last_error = error
        session.commit()
