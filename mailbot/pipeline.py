"""The stages after intake, for each recorded message: parse, triage, case, outbox — one transaction each."""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.app import App
from mailbot.cases import audit
from mailbot.cases.opening import open_case
from mailbot.db.models import Case, InboundMessage
from mailbot.errors import UnreadableMail
from mailbot.outbox.context import letter_context
from mailbot.outbox.kinds import Kind
from mailbot.outbox.message_ids import is_ours
from mailbot.outbox.queue import enqueue
from mailbot.parse import parse_message
from mailbot.parse.message import Message
from mailbot.triage import Action, Decision, Known, evaluate

log = logging.getLogger("mailbot.pipeline")
decision_log = logging.getLogger("mailbot.triage")


@dataclass(frozen=True)
class Outcome:
    """What became of one message, for the demo and the logs."""

    message_id: int
    action: str
    case_ref: str | None
    reasons: tuple[str, ...]


def process_pending(app: App, *, now: datetime) -> list[Outcome]:
    """Take every recorded message not yet processed through parse, triage, case and outbox."""
    with app.sessions() as session:
        pending = session.scalars(select(InboundMessage.id).where(InboundMessage.status == "received")
                                  .order_by(InboundMessage.id)).all()
    return [process_one(app, message_id, now=now) for message_id in pending]


def process_one(app: App, message_id: int, *, now: datetime) -> Outcome:
    """Process one recorded message; anything unexpected quarantines it with its bytes kept."""
    try:
        with app.sessions() as session:
            outcome = _process(app, session, session.get(InboundMessage, message_id), now=now)
            session.commit()
            return outcome
    except Exception as error:  # noqa: BLE001 - loop boundary: one bad message must not stall the mailbox
        log.exception("message %s: could not be processed; quarantined", message_id)
        reason = f"{type(error).__name__}: {error}"
        return quarantine(app, message_id, reason, detail=traceback.format_exc(limit=8), now=now)


def quarantine(app: App, message_id: int, reason: str, *, detail: str = "", now: datetime) -> Outcome:
    with app.sessions() as session:
        inbound = session.get(InboundMessage, message_id)
        inbound.status, inbound.error = "quarantined", reason
        audit.record(session, at=now, action="quarantined", message_id=message_id, reason=reason,
                     detail={"traceback": detail} if detail else {})
        session.commit()
    return Outcome(message_id, Action.QUARANTINE.value, None, (reason,))


def _process(app: App, session: Session, inbound: InboundMessage, *, now: datetime) -> Outcome:
    try:
        message = parse_message(inbound.raw)
    except UnreadableMail as error:
        inbound.status, inbound.error = "quarantined", str(error)
        audit.record(session, at=now, action="quarantined", message_id=inbound.id, reason=f"unreadable: {error}")
        log.warning("message %s in %s is unreadable, quarantined: %s", inbound.id, inbound.mailbox, error)
        return Outcome(inbound.id, Action.QUARANTINE.value, None, (str(error),))
    decision = evaluate(message, inbound.mailbox, app.ruleset, _known(app, message))
    decision_log.info("%s in %s: %s (%s)", message.message_id or f"message {inbound.id}", inbound.mailbox,
                      decision.action.value, "; ".join(decision.reasons))
    if not decision.opens_case:
        inbound.status = "ignored"
        audit.record(session, at=now, action="mail-ignored", message_id=inbound.id, reason="; ".join(decision.reasons),
                     detail={"rules": decision.rules, "message_id": message.message_id})
        return Outcome(inbound.id, decision.action.value, None, tuple(decision.reasons))
    case = open_case(session, decision=decision, message=message, inbound=inbound,
                     body=app.ruleset.bodies[decision.body], now=now)
    session.flush()
    session.refresh(case, ["deadlines"])
    _send_letters(app, session, case, message, decision, inbound, now=now)
    inbound.status = "processed"
    return Outcome(inbound.id, decision.action.value, case.ref, tuple(decision.reasons))


def _known(app: App, message: Message) -> Known:
    if message.message_id and is_ours(app.secret, message.message_id):
        return Known(own_mail=f"Message-ID {message.message_id} is signed by this mailbot")
    if message.sender in app.own_addresses:
        return Known(own_mail=f"sent from our own mailbox address {message.sender}")
    return Known()


def _send_letters(app: App, session: Session, case: Case, message: Message, decision: Decision,
                  inbound: InboundMessage, *, now: datetime) -> None:
    """The mail a new case sends: the acknowledgement, and the staff-notification."""
    mailbox = app.settings.mailbox(inbound.mailbox)
    body = app.ruleset.bodies[decision.body]
    threading = {"in_reply_to": message.message_id,
                 "references": tuple(message.references) + ((message.message_id,) if message.message_id else ())}
    common = {"templates": app.templates, "secret": app.secret, "case": case, "cause": f"in-{inbound.id}",
              "from_address": mailbox.address, "reply_to": mailbox.address, "mailbox": mailbox.name, "now": now}
    if decision.action is Action.NEW_CASE and case.complainant_email:
        enqueue(session, kind=Kind.ACKNOWLEDGEMENT, to=[case.complainant_email], from_name=body.name,
                context=_context(app, Kind.ACKNOWLEDGEMENT, case, body, mailbox, message, decision), **threading, **common)
    if mailbox.staff:
        enqueue(session, kind=Kind.STAFF_NOTIFICATION, to=list(mailbox.staff), from_name=f"mailbot ({body.name})",
                context=_context(app, Kind.STAFF_NOTIFICATION, case, body, mailbox, message, decision), **threading, **common)
    else:
        audit.record(session, at=now, action="no-staff", case_id=case.id,
                     reason=f"mailbox {mailbox.name} lists no staff: nobody was notified of {case.ref}")


def _context(app, kind, case, body, mailbox, message, decision) -> dict:
    return letter_context(kind=kind.value, deployment=app.settings.deployment, case=case, body=body,
                          mailbox=mailbox, message=message, decision=decision)
