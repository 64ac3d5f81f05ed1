"""Putting composed mail in the outbox, in the caller's transaction, once per (case, kind, cause)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import formataddr, getaddresses

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.db import events
from mailbot.db.models import AutomaticAnswer, Case, OutboxMessage
from mailbot.addresses import bare, normalised
from mailbot.outbox.compose import compose
from mailbot.kinds import Kind
from mailbot.outbox.message_ids import new_message_id
from mailbot.outbox.reply_tokens import nonce_with, reply_address, staff_token
from mailbot.outbox.templates import TemplateSet

__all__ = ["CAP_COUNT", "CAP_WINDOW", "Outgoing", "bare", "enqueue"]

log = logging.getLogger("mailbot.outbox")
CAP_COUNT = 3                     # automatic answers to one address ... (triage.letters says it in words)
CAP_WINDOW = timedelta(hours=24)  # ... per this window (INTERFACE.md)


@dataclass(frozen=True)
class Outgoing:
    """One letter to compose and queue: everything the outbox needs, decided elsewhere.

    `cause` names what it answers (an inbound message, a deadline, a
    command): with the case and kind it makes the key that lets a replay add
    nothing. `counted_against`: the addresses it counts against in the cap on
    automatic answers (whether it may go at all was decided before).
    `token_for`: the staff address whose reply token it carries, in its
    Reply-To and Message-ID (`reply_tokens`).
    """

    kind: Kind
    context: dict
    case: Case | None
    cause: str
    from_name: str
    from_address: str
    to: tuple[str, ...]
    mailbox: str
    reply_to: str | None = None
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    attached_message: bytes | None = None
    counted_against: tuple[str, ...] = ()
    token_for: str = ""


def enqueue(session: Session, letter: Outgoing, *, templates: TemplateSet, secret: bytes,
            now: datetime) -> OutboxMessage | None:
    """Compose one letter and store it to send; None when it was stored already."""
    case = letter.case
    ref = case.ref if case else None
    dedup_key = f"{ref or '-'}:{letter.kind.value}:{letter.cause}" + (f":{letter.token_for}" if letter.token_for else "")
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedup_key == dedup_key)):
        return None
    recipients = [bare(address) for _name, address in getaddresses(list(letter.to)) if address]
    domain = letter.from_address.rsplit("@", 1)[-1]
    seed = hashlib.sha256(secret + dedup_key.encode()).hexdigest()
    reply_to, nonce = letter.reply_to, seed[:16]
    if letter.token_for and ref:
        token = staff_token(secret, ref, letter.token_for)
        reply_to, nonce = reply_address(letter.from_address, ref, token), nonce_with(token, seed)
    message_id = new_message_id(secret, domain=domain, case_ref=ref, kind=letter.kind, nonce=nonce)
    rendered = templates.render(letter.kind, letter.context)
    raw = compose(rendered, kind=letter.kind, from_addr=formataddr((letter.from_name, letter.from_address)),
                  to=list(letter.to), reply_to=reply_to, message_id=message_id, date=now, case_ref=ref,
                  in_reply_to=letter.in_reply_to or None, references=list(letter.references),
                  attached_message=letter.attached_message)
    row = OutboxMessage(dedup_key=dedup_key, message_id=message_id, kind=letter.kind.value,
                        case_id=case.id if case else None, mailbox=letter.mailbox, envelope_from=letter.from_address,
                        recipients=recipients, raw=raw, sha256=hashlib.sha256(raw).hexdigest(),
                        status="queued", attempts=0, next_attempt_at=now, created_at=now)
    session.add(row)
    session.flush()
    for address in dict.fromkeys(normalised(address) for address in letter.counted_against):
        session.add(AutomaticAnswer(outbox_id=row.id, address=address, at=now))
    events.record(session, at=now, action="mail-queued", case_id=case.id if case else None,
                  reason=f"{letter.kind.value} to {', '.join(recipients)}", detail={"message_id": message_id})
    return row

