"""Delivering the outbox: one attempt per due message, marked sent only after the server took it.

A crash between the server's acceptance and the commit sends that message
once more on the next pass: the same stored bytes, the same Message-ID.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from mailbot.cases import audit
from mailbot.db.models import OutboxMessage
from mailbot.errors import PermanentSendError, TransientSendError
from mailbot.outbox.transport import make_transport, retry_delay
from mailbot.settings import Settings

log = logging.getLogger("mailbot.outbox")


def deliver_due(sessions: sessionmaker[Session], settings: Settings, *, now: datetime) -> bool:
    """Try each due message once; return False when an SMTP server could not be reached."""
    with sessions() as session:
        due = session.execute(select(OutboxMessage.id, OutboxMessage.mailbox).where(
            OutboxMessage.status.in_(("queued", "deferred")), OutboxMessage.next_attempt_at <= now).order_by(OutboxMessage.id)).all()
    reachable = True
    by_mailbox: dict[str, list[int]] = {}
    for row_id, mailbox_name in due:
        by_mailbox.setdefault(mailbox_name, []).append(row_id)
    for mailbox_name, row_ids in by_mailbox.items():
        smtp = _smtp_for(settings, mailbox_name)
        try:
            with make_transport(smtp) as transport:
                transport.connect()  # an unreachable server is the pass's failure, not each message's
                for row_id in row_ids:
                    _deliver_one(sessions, transport, row_id, now=now)
        except TransientSendError as error:
            reachable = False
            log.error("outbox: SMTP server %s:%s not reachable: %s (mail stays queued)", smtp.host, smtp.port, error)
            _defer_rest(sessions, row_ids, str(error), now=now)
    return reachable


def _smtp_for(settings: Settings, mailbox_name: str):
    try:
        return settings.smtp_for(settings.mailbox(mailbox_name))
    except KeyError:
        return settings.smtp  # mail of a mailbox no longer watched still goes out


def _deliver_one(sessions: sessionmaker[Session], transport, row_id: int, *, now: datetime) -> None:
    with sessions() as session:
        row = session.get(OutboxMessage, row_id)
        if row is None or row.status not in ("queued", "deferred"):
            return
        row.attempts += 1
        try:
            refused = transport.send(row.envelope_from, list(row.recipients), row.raw)
        except TransientSendError as error:
            row.status, row.next_attempt_at = "deferred", now + retry_delay(row.attempts)
            row.last_error = str(error)
            log.warning("outbox: %s %s deferred (attempt %d): %s", row.kind, row.message_id, row.attempts, error)
        except PermanentSendError as error:
            row.status, row.last_error = "failed", str(error)
            audit.record(session, at=now, action="send-failed", case_id=row.case_id, reason=str(error),
                         detail={"message_id": row.message_id, "kind": row.kind})
            log.error("outbox: %s %s refused for good: %s", row.kind, row.message_id, error)
        else:
            row.status, row.sent_at, row.last_error = "sent", now, ""
            if refused:
                audit.record(session, at=now, action="send-partly-refused", case_id=row.case_id,
                             reason="; ".join(f"{address}: {reply}" for address, reply in refused.items()),
                             detail={"message_id": row.message_id, "kind": row.kind})
            audit.record(session, at=now, action="mail-sent", case_id=row.case_id,
                         reason=f"{row.kind} to {', '.join(row.recipients)}", detail={"message_id": row.message_id})
            log.info("outbox: sent %s %s to %s", row.kind, row.message_id, ", ".join(row.recipients))
        session.commit()


def _defer_rest(sessions: sessionmaker[Session], row_ids: list[int], error: str, *, now: datetime) -> None:
    with sessions() as session:
        for row in session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(row_ids), OutboxMessage.status.in_(("queued", "deferred")))):
            if row.next_attempt_at <= now:
                row.last_error = error
        session.commit()
