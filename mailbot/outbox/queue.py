"""Putting composed mail in the outbox, in the caller's transaction, once per (case, kind, cause)."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from email.utils import formataddr, getaddresses, parseaddr

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from mailbot.cases import audit
from mailbot.db.models import Case, OutboxMessage
from mailbot.outbox.compose import compose
from mailbot.outbox.kinds import Kind
from mailbot.outbox.message_ids import new_message_id
from mailbot.outbox.templates import TemplateSet

log = logging.getLogger("mailbot.outbox")
CAP_COUNT = 3                     # automatic answers to one address ...
CAP_WINDOW = timedelta(hours=24)  # ... per this window (INTERFACE.md)


def bare(address: str) -> str:
    return parseaddr(address)[1].lower()


def enqueue(session: Session, *, templates: TemplateSet, secret: bytes, kind: Kind, context: dict,
            case: Case | None, cause: str, from_name: str, from_address: str, to: list[str],
            reply_to: str | None, in_reply_to: str = "", references: tuple[str, ...] = (),
            mailbox: str, now: datetime, attached_message: bytes | None = None) -> OutboxMessage | None:
    """Compose one message and store it to send; None when it was stored already or is held back.

    `cause` names what the message answers (the inbound message, a deadline):
    with the case and kind it makes the key that lets a replay add nothing.
    """
    dedup_key = f"{case.ref if case else '-'}:{kind.value}:{cause}"
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedup_key == dedup_key)):
        return None
    recipients = [bare(address) for _name, address in getaddresses(to) if address]
    if kind.capped and _over_cap(session, recipients, now):
        audit.record(session, at=now, action="held-back", case_id=case.id if case else None,
                     reason=f"{kind.value} to {', '.join(recipients)} held back: more than {CAP_COUNT} automatic "
                            f"answers to this address in {CAP_WINDOW}")
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
    audit.record(session, at=now, action="mail-queued", case_id=case.id if case else None,
                 reason=f"{kind.value} to {', '.join(recipients)}", detail={"message_id": message_id})
    return row


def _over_cap(session: Session, recipients: list[str], now: datetime) -> bool:
    """Whether any recipient already had CAP_COUNT capped answers in the window (counted by the database)."""
    capped_kinds = [kind.value for kind in Kind if kind.capped]
    for address in recipients:
        # The JSON text holds each address quoted; the database narrows, Python confirms.
        recent = session.scalars(select(OutboxMessage.recipients).where(
            OutboxMessage.kind.in_(capped_kinds), OutboxMessage.created_at > now - CAP_WINDOW,
            cast(OutboxMessage.recipients, String).contains(f'"{address}"'))).all()
        if sum(address in sent for sent in recent) >= CAP_COUNT:
            return True
    return False

