"""Putting composed mail in the outbox, in the caller's transaction, once per (case, kind, cause)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from email.utils import formataddr, getaddresses

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mailbot.cases import audit
from mailbot.db.models import AutomaticAnswer, Case, OutboxMessage
from mailbot.outbox.addresses import bare, normalised
from mailbot.outbox.compose import compose
from mailbot.outbox.kinds import Kind
from mailbot.outbox.message_ids import new_message_id
from mailbot.outbox.templates import TemplateSet

__all__ = ["CAP_COUNT", "CAP_WINDOW", "at_cap", "bare", "enqueue", "over_cap"]

log = logging.getLogger("mailbot.outbox")
CAP_COUNT = 3                     # automatic answers to one address ...
CAP_WINDOW = timedelta(hours=24)  # ... per this window (INTERFACE.md)


def enqueue(session: Session, *, templates: TemplateSet, secret: bytes, kind: Kind, context: dict,
            case: Case | None, cause: str, from_name: str, from_address: str, to: list[str],
            reply_to: str | None, in_reply_to: str = "", references: tuple[str, ...] = (),
            mailbox: str, now: datetime, attached_message: bytes | None = None,
            counted_against: Sequence[str] | None = None) -> OutboxMessage | None:
    """Compose one message and store it to send; None when it was stored already or is held back.

    `cause` names what the message answers (the inbound message, a deadline):
    with the case and kind it makes the key that lets a replay add nothing.
    `counted_against` are the addresses it counts against in the cap on
    automatic answers (default: its recipients when its kind is capped, else
    none); when one of them is at the cap, nothing is stored and the case's
    log says so.
    """
    dedup_key = f"{case.ref if case else '-'}:{kind.value}:{cause}"
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedup_key == dedup_key)):
        return None
    recipients = [bare(address) for _name, address in getaddresses(to) if address]
    if counted_against is None:
        counted_against = recipients if kind.capped else []
    full = over_cap(session, counted_against, now)
    if full:
        audit.record(session, at=now, action="held-back", case_id=case.id if case else None,
                     reason=f"{kind.value} to {', '.join(recipients)} held back: {at_cap(full)}")
        log.warning("case %s: %s to %s held back by the cap on automatic answers", dedup_key, kind.value, recipients)
        return None
    domain = from_address.rsplit("@", 1)[-1]
    message_id = new_message_id(secret, domain=domain, case_ref=case.ref if case else None, kind=kind,
                                nonce=hashlib.sha256(secret + dedup_key.encode()).hexdigest()[:16])
    rendered = templates.render(kind, context)
    raw = compose(rendered, kind=kind, from_addr=formataddr((from_name, from_address)), to=list(to),
                  reply_to=reply_to, message_id=message_id, date=now, case_ref=case.ref if case else None,
                  in_reply_to=in_reply_to or None, references=list(references), attached_message=attached_message)
    row = OutboxMessage(dedup_key=dedup_key, message_id=message_id, kind=kind.value,
                        case_id=case.id if case else None, mailbox=mailbox, envelope_from=from_address,
                        recipients=recipients, raw=raw, sha256=hashlib.sha256(raw).hexdigest(),
                        status="queued", attempts=0, next_attempt_at=now, created_at=now)
    session.add(row)
    session.flush()
    for address in dict.fromkeys(normalised(address) for address in counted_against):
        session.add(AutomaticAnswer(outbox_id=row.id, address=address, at=now))
    audit.record(session, at=now, action="mail-queued", case_id=case.id if case else None,
                 reason=f"{kind.value} to {', '.join(recipients)}", detail={"message_id": message_id})
    return row


def over_cap(session: Session, addresses: Sequence[str], now: datetime) -> str:
    """The first of `addresses` that already had CAP_COUNT automatic answers in the window, or "".

    Counted by the normalised address column of `automatic_answers`, so
    `José@Bücher.example` and `josé@xn--bcher-kva.example` are one address.
    """
    for address in dict.fromkeys(normalised(address) for address in addresses):
        count = session.scalar(select(func.count(AutomaticAnswer.id)).where(
            AutomaticAnswer.address == address, AutomaticAnswer.at > now - CAP_WINDOW))
        if count >= CAP_COUNT:
            return address
    return ""


def at_cap(address: str) -> str:
    """Why an answer counted against `address` is held back, in words."""
    return f"{address} already had {CAP_COUNT} automatic answers in the last {CAP_WINDOW.total_seconds() / 3600:g} hours"
