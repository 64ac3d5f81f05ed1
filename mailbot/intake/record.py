"""Recording deliveries in the database, with their exact bytes, before anything changes on the server.

Each delivery becomes one of: a new message; a duplicate delivery of one
recorded (same Message-ID and body, or the same body without a Message-ID);
or a new message reusing a recorded one's Message-ID with another body,
kept, flagged and quarantined for a person to compare. Evidence is never
dropped. A message over its mailbox's size limit is recorded a chunk at a
time and quarantined as too large, never read whole.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.db import events
from mailbot.db.models import Delivery, InboundMessage
from mailbot.intake.identity import Identity, dedup_key, identify, identity_of
from mailbot.intake.raw import Fetched, LargeMail, RawMail
from mailbot.intake.stored_bytes import WHOLE_BYTES, copy_large, read_digests, stored_body_sha256, write_raw

__all__ = ["dedup_key", "record_batch"]

log = logging.getLogger("mailbot.intake")
MB = 1024 * 1024
REUSED = "message-id-reused"
TOO_LARGE = "too-large"


def record_batch(session: Session, batch: list[Fetched], *, now: datetime,
                 answer_before: datetime | None = None) -> list[str]:
    """Record one batch of deliveries in the caller's transaction; return their source keys, in order.

    Mail received before `answer_before` (the backlog found at a mailbox's
    first sync) is recorded with `auto_answer` False: it is opened for
    staff, never answered automatically.
    """
    keys = []
    for mail in batch:
        keys.append(mail.source_key)
        if session.scalar(select(Delivery.id).where(Delivery.mailbox == mail.mailbox,
                                                    Delivery.source_key == mail.source_key)):
            continue  # recorded by an earlier pass that stopped before settling
        auto_answer = answer_before is None or mail.received_at >= answer_before
        if isinstance(mail, LargeMail):
            _record_large(session, mail, now=now, auto_answer=auto_answer)
        else:
            _record(session, mail, now=now, auto_answer=auto_answer)
    return keys


def _record(session: Session, mail: RawMail, *, now: datetime, auto_answer: bool) -> None:
    identity = identify(mail.raw)
    same, reused = _match(session, mail.mailbox, identity)
    if same is not None:
        _duplicate(session, mail, same, now=now)
        return
    quarantine = ([REUSED], _reuse_reason(identity, reused)) if reused is not None else None
    if len(mail.raw) <= WHOLE_BYTES:
        _add(session, mail, identity, mail.raw, quarantine, now=now, auto_answer=auto_answer)
    else:
        message = _add(session, mail, identity, None, quarantine, now=now, auto_answer=auto_answer)
        write_raw(session, message.id, mail.raw)


def _record_large(session: Session, mail: LargeMail, *, now: datetime, auto_answer: bool) -> None:
    digests, head = read_digests(mail)
    identity = identity_of(head, digests)
    same, reused = _match(session, mail.mailbox, identity)
    if same is not None:
        _duplicate(session, mail, same, now=now)
        return
    flags = [TOO_LARGE]
    reason = (f"too large: {digests.size / MB:.1f} MB ({digests.size:,} bytes), over this mailbox's limit of "
              f"{_megabytes(mail.limit)} MB (max_message_mb); recorded with its bytes, not read")
    if reused is not None:
        flags.append(REUSED)
        reason += "; " + _reuse_reason(identity, reused)
    message = _add(session, mail, identity, None, (flags, reason),
                   now=now, auto_answer=auto_answer)
    copy_large(session, message.id, mail, digests)


def _add(session: Session, mail: Fetched, identity: Identity, raw, quarantine: tuple[list[str], str] | None, *,
         now: datetime, auto_answer: bool) -> InboundMessage:
    """Insert a new message, with its bytes (`raw`), or without them (None) for the caller to write in chunks."""
    flags, reason = quarantine or ([], "")
    message = InboundMessage(mailbox=mail.mailbox, dedup_key=identity.variant_key if REUSED in flags else identity.key,
                             message_id=identity.message_id, sha256=identity.sha256,
                             received_at=mail.received_at, recorded_at=now,
                             status="quarantined" if quarantine else "received", error=reason, flags=flags,
                             auto_answer=auto_answer)
    if raw is not None:
        message.raw = raw
    session.add(message)
    session.flush()
    if quarantine:
        events.record(session, at=now, action="quarantined", message_id=message.id, reason=reason,
                     detail={"flags": flags})
        log.warning("mailbox %s: message %s (%s) quarantined at intake: %s", message.mailbox, message.id,
                    message.message_id[:200] or "no Message-ID", reason)
    session.add(Delivery(mailbox=mail.mailbox, source_key=mail.source_key, message_id=message.id,
                         received_at=mail.received_at))
    return message


def _match(session: Session, mailbox: str, identity: Identity) -> tuple[InboundMessage | None, InboundMessage | None]:
    """(the recorded message this is a copy of, or None; the earlier message whose Message-ID it reuses, or None)."""
    first = _by_key(session, mailbox, identity.key)
    if first is None or not identity.message_id:
        return first, None
    if first.sha256 == identity.sha256 or stored_body_sha256(session, first.id) == identity.body_sha256:
        return first, None
    return _by_key(session, mailbox, identity.variant_key), first


def _by_key(session: Session, mailbox: str, key: str) -> InboundMessage | None:
    # Never load the bytes of the message found: only its id, case and digest are compared.
    return session.scalar(select(InboundMessage)
                          .where(InboundMessage.mailbox == mailbox, InboundMessage.dedup_key == key))


def _duplicate(session: Session, mail: Fetched, known: InboundMessage, *, now: datetime) -> None:
    events.record(session, at=now, action="duplicate-delivery", case_id=known.case_id, message_id=known.id,
                 reason=f"the same message ({known.dedup_key[:80]}) was delivered again as {mail.source_key}")
    log.info("mailbox %s: %s is a duplicate delivery of message %s (%s)", mail.mailbox, mail.source_key, known.id,
             known.dedup_key[:80])
    session.add(Delivery(mailbox=mail.mailbox, source_key=mail.source_key, message_id=known.id,
                         received_at=mail.received_at, duplicate=True))


def _reuse_reason(identity: Identity, earlier: InboundMessage) -> str:
    return (f"message-id reused: {identity.message_id[:200]} was first seen on message {earlier.id} "
            f"(received {earlier.received_at:%Y-%m-%d %H:%M} UTC) with a different body; "
            "both are kept for a person to compare")


def _megabytes(size: int) -> str:
    return f"{size // MB}" if size % MB == 0 else f"{size / MB:.1f}"
