"""Mail set aside (quarantined), made visible: one alert to its mailbox's staff per message, and counts for `check`.

Mail is quarantined in several places (intake: too large, a reused
Message-ID; the pipeline: unreadable, or a failure while processing). The
alerts are not sent from those places but found at the end of each pass:
every quarantined message without an alert in the outbox gets one, so no
source of quarantine is missed and none is reported twice.
"""

from __future__ import annotations

import logging
from datetime import datetime
from email import policy
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.utils import parseaddr
from pathlib import Path

from sqlalchemy import String, cast, create_engine, func, inspect, literal, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from mailbot.db import events
from mailbot.intake.stored_bytes import stored_head, stored_size
from mailbot.db.models import Event, InboundMessage, OutboxMessage
from mailbot.kinds import Kind
from mailbot.outbox.queue import Outgoing, enqueue

log = logging.getLogger("mailbot.cases")
NO_ONE_TO_TELL = "alert-not-sent"
_HEADER_BYTES = 64 * 1024     # the sender and subject are looked for in this much of a message, no more
_SHOWN = 300                  # characters of a header shown to staff
_ALERT_KEY_PREFIX = f"-:{Kind.ALERT.value}:in-"   # enqueue's key: no case, the kind, the cause


def alert_key(message_id: int) -> str:
    """The outbox key of the alert about quarantined message `message_id` (`enqueue`'s case-less form)."""
    return f"{_ALERT_KEY_PREFIX}{message_id}"


def alert_quarantined(app, *, now: datetime) -> int:
    """Queue one alert for each quarantined message that has none; returns how many were queued."""
    with app.sessions() as session:
        waiting = session.scalars(
            select(InboundMessage).where(InboundMessage.status == "quarantined")
            .where(~select(OutboxMessage.id).where(
                OutboxMessage.dedup_key == literal(_ALERT_KEY_PREFIX) + cast(InboundMessage.id, String)).exists())
            .where(~select(Event.id).where(Event.action == NO_ONE_TO_TELL,
                                           Event.message_id == InboundMessage.id).exists())
            .order_by(InboundMessage.id)).all()
        queued = 0
        for inbound in waiting:
            try:
                queued += _alert(app, session, inbound, now=now)
            except Exception:  # noqa: BLE001 - loop boundary: one alert that cannot be made must not stop the rest
                log.exception("message %s in %s is quarantined; the alert about it could not be made",
                              inbound.id, inbound.mailbox)
        session.commit()
    return queued


def _alert(app, session: Session, inbound: InboundMessage, *, now: datetime) -> bool:
    mailbox = next((box for box in app.settings.mailboxes if box.name == inbound.mailbox), None)
    people = list(mailbox.staff or mailbox.managers) if mailbox else []
    if not people:
        events.record(session, at=now, action=NO_ONE_TO_TELL, message_id=inbound.id,
                     reason=f"mailbox {inbound.mailbox} lists no staff or managers: nobody was told that message "
                            f"{inbound.id} was set aside ({inbound.error})")
        log.warning("message %s in %s is quarantined and nobody is listed to be told", inbound.id, inbound.mailbox)
        return False
    sender, subject = recorded_sender_and_subject(stored_head(session, inbound.id))   # never the whole message
    context = {"kind": Kind.ALERT.value, "deployment": app.settings.deployment,
               "mailbox": {"name": mailbox.name, "address": mailbox.address},
               "quarantined": {"id": inbound.id, "mailbox": inbound.mailbox, "received_at": inbound.received_at,
                               "sender": sender, "subject": subject, "size": stored_size(session, inbound.id),
                               "reason": (inbound.error or "no reason was recorded")[:1000],
                               "message_id": inbound.message_id[:_SHOWN]}}
    body = app.ruleset.bodies.get(app.ruleset.mailboxes.get(mailbox.name, ""))
    enqueue(session, Outgoing(kind=Kind.ALERT, context=context, case=None, cause=f"in-{inbound.id}",
                              from_name=f"mailbot ({body.name if body else mailbox.name})",
                              from_address=mailbox.address, to=tuple(people), mailbox=mailbox.name),
            templates=app.templates, secret=app.secret, now=now)
    log.info("message %s in %s is quarantined: staff alerted", inbound.id, inbound.mailbox)
    return True


def recorded_sender_and_subject(raw: bytes) -> tuple[str, str]:
    """The From address and the Subject as the message's own headers give them ("" where unreadable).

    Only the first 64 KB are read, and only the first few hundred characters
    of each header are decoded: a quarantined message may be built to hurt.
    """
    head = raw[:_HEADER_BYTES]
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(head)
        sender = parseaddr(str(headers.get("From", ""))[:_SHOWN * 3])[1][:_SHOWN]
        subject = str(headers.get("Subject", ""))[:_SHOWN * 3]
    except (HeaderParseError, UnicodeError, ValueError, TypeError):
        return "", ""
    try:
        subject = str(make_header(decode_header(subject)))
    except (HeaderParseError, UnicodeError, LookupError, ValueError):
        pass   # shown as written
    return sender, " ".join(subject.split())[:_SHOWN]


def quarantined_per_mailbox(storage_url: str) -> dict[str, int] | None:
    """How many messages each mailbox has quarantined; None when there is no database there yet.

    Never creates anything: a SQLite file that does not exist, or a database
    without mailbot's tables, is "no database". Raises SQLAlchemyError when
    the database cannot be read (sqlalchemy.exc.SQLAlchemyError).
    """
    url = make_url(storage_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        if not Path(url.database).is_file():
            return None
    engine = create_engine(url, connect_args={"connect_timeout": 10} if url.get_backend_name() == "postgresql" else {})
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table(InboundMessage.__tablename__):
                return None
            rows = connection.execute(select(InboundMessage.mailbox, func.count(InboundMessage.id))
                                      .where(InboundMessage.status == "quarantined")
                                      .group_by(InboundMessage.mailbox)).all()
    finally:
        engine.dispose()
    return {mailbox: count for mailbox, count in rows}

