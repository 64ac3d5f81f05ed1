"""Recording deliveries in the database before anything changes on the server (commit, then settle)."""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import datetime
from email.parser import BytesHeaderParser
from email import policy

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from mailbot.cases import audit
from mailbot.db.models import Delivery, InboundMessage, MailboxState
from mailbot.intake.raw import MailSource, RawMail, SyncState

log = logging.getLogger("mailbot.intake")
_BODY_START = re.compile(rb"\r?\n\r?\n")   # linear: fixed length


def dedup_key(raw: bytes) -> str:
    """What makes two deliveries the same message: the Message-ID, else the hash of the body.

    Transport headers (Received, Delivered-To, X-...) differ between two
    deliveries of one message, so only the Message-ID or the body can tell.
    """
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
        message_id = (headers.get("Message-ID") or "").strip()
    except Exception:  # noqa: BLE001 - any header trouble means: decide by the body
        message_id = ""
    if message_id:
        return "mid:" + message_id[:990]
    match = _BODY_START.search(raw)
    body = raw[match.end():] if match else raw
    return "body:" + hashlib.sha256(body).hexdigest()


def record_batch(session: Session, batch: list[RawMail], *, now: datetime) -> list[str]:
    """Record one batch of deliveries (new messages, or duplicates of known ones); return their keys."""
    keys = []
    for raw in batch:
        keys.append(raw.source_key)
        if session.scalar(select(Delivery.id).where(Delivery.mailbox == raw.mailbox,
                                                    Delivery.source_key == raw.source_key)):
            continue  # recorded by an earlier pass that stopped before settling
        key = dedup_key(raw.raw)
        known = session.scalar(select(InboundMessage).where(InboundMessage.mailbox == raw.mailbox,
                                                             InboundMessage.dedup_key == key))
        if known is None:
            known = InboundMessage(mailbox=raw.mailbox, dedup_key=key, message_id=key.removeprefix("mid:") if key.startswith("mid:") else "",
                                   sha256=raw.sha256, raw=raw.raw, received_at=raw.received_at,
                                   recorded_at=now, status="received")
            session.add(known)
            session.flush()
            duplicate = False
        else:
            duplicate = True
            audit.record(session, at=now, action="duplicate-delivery", case_id=known.case_id, message_id=known.id,
                         reason=f"the same message ({key[:80]}) was delivered again as {raw.source_key}")
            log.info("mailbox %s: %s is a duplicate delivery of message %s", raw.mailbox, raw.source_key, key[:80])
        session.add(Delivery(mailbox=raw.mailbox, source_key=raw.source_key, message_id=known.id,
                             received_at=raw.received_at, duplicate=duplicate))
    return keys


def _uid(source_key: str) -> int:
    return int(source_key.rsplit(":", 1)[1])


def intake(source: MailSource, sessions: sessionmaker[Session], *, now: datetime, batch_size: int = 100) -> int:
    """Fetch every new delivery of one connected source, record it, commit, then settle it.

    Returns the number of deliveries recorded. Deliveries recorded by an
    earlier pass that stopped before settling are settled first.
    """
    mailbox = source.mailbox
    server_state = source.sync_state()
    with sessions() as session:
        state = session.get(MailboxState, (mailbox, source.folder))
        recorded = SyncState(state.uidvalidity, state.last_uid) if state and state.uidvalidity is not None else None
        if server_state and recorded and recorded.uidvalidity != server_state.uidvalidity:
            audit.record(session, at=now, action="uidvalidity-changed",
                         reason=f"mailbox {mailbox}: UIDVALIDITY {recorded.uidvalidity} -> {server_state.uidvalidity}; "
                                "every message is offered again and recognised by its Message-ID",
                         detail={"mailbox": mailbox, "old": recorded.uidvalidity, "new": server_state.uidvalidity})
            session.commit()
        _settle_leftovers(session, source, server_state)
    count = 0
    for batch in source.fetch_new(after=recorded, batch_size=batch_size):
        log.info("mailbox %s: fetched %d message(s)", mailbox, len(batch))
        with sessions() as session:
            keys = record_batch(session, batch, now=now)
            if server_state is not None:
                _save_state(session, mailbox, source.folder, server_state.uidvalidity,
                            max(_uid(key) for key in keys), now)
            session.commit()
        log.info("mailbox %s: recorded %d message(s)", mailbox, len(keys))
        count += len(keys)
        source.settle(keys)
        with sessions() as session:
            _mark_settled(session, mailbox, keys)
            session.commit()
    return count


def _save_state(session: Session, mailbox: str, folder: str, uidvalidity: int, last_uid: int, now: datetime) -> None:
    state = session.get(MailboxState, (mailbox, folder))
    if state is None:
        session.add(MailboxState(mailbox=mailbox, folder=folder, uidvalidity=uidvalidity, last_uid=last_uid,
                                 updated_at=now))
    else:
        if state.uidvalidity != uidvalidity:
            state.uidvalidity, state.last_uid = uidvalidity, 0
        state.last_uid = max(state.last_uid, last_uid)
        state.updated_at = now


def _settle_leftovers(session: Session, source: MailSource, server_state: SyncState | None) -> None:
    rows = session.scalars(select(Delivery).where(Delivery.mailbox == source.mailbox, Delivery.settled.is_(False))).all()
    if server_state is not None:
        current = f"imap:{server_state.uidvalidity}:"
        stale = [row for row in rows if not row.source_key.startswith(current)]
        for row in stale:
            row.settled = True  # that numbering is gone; the message is in the record
        rows = [row for row in rows if row.source_key.startswith(current)]
    if rows:
        keys = [row.source_key for row in rows]
        log.info("mailbox %s: settling %d message(s) recorded by an earlier pass", source.mailbox, len(keys))
        source.settle(keys)
        for row in rows:
            row.settled = True
    session.commit()


def _mark_settled(session: Session, mailbox: str, keys: list[str]) -> None:
    for row in session.scalars(select(Delivery).where(Delivery.mailbox == mailbox, Delivery.source_key.in_(keys))):
        row.settled = True
