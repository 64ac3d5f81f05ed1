"""The stages after intake, for each recorded message: parse, triage, case, outbox — one transaction each."""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.app import App
from mailbot.db import events
from mailbot.cases.apply import apply
from mailbot.cases.quarantined import alert_quarantined
from mailbot.db.models import InboundMessage
from mailbot.errors import UnreadableMail
from mailbot.intake.stored_bytes import read_raw
from mailbot.outbox.answer_cap import AnswersInWindow
from mailbot.parse import parse_message
from mailbot.triage import Action, evaluate

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
    """Take every recorded message not yet processed through parse, triage, case and outbox.

    Then staff are alerted to every message quarantined so far and not yet
    reported, wherever it was quarantined (intake or here).
    """
    with app.sessions() as session:
        pending = session.scalars(select(InboundMessage.id).where(InboundMessage.status == "received")
                                  .order_by(InboundMessage.id)).all()
    answers = AnswersInWindow(now)   # the cap, read once for the pass, not once per message
    outcomes = [process_one(app, message_id, now=now, answers=answers) for message_id in pending]
    alert_quarantined(app, now=now)
    return outcomes


def process_one(app: App, message_id: int, *, now: datetime, answers: AnswersInWindow | None = None) -> Outcome:
    """Process one recorded message; anything unexpected quarantines it with its bytes kept.

    `answers`: the pass's count of automatic answers (without one, the cap is read afresh).
    """
    try:
        with app.sessions() as session:
            # Its bytes are read apart, once, and dropped after parsing (read_raw): never held by the row.
            inbound = session.get(InboundMessage, message_id)
            outcome = _process(app, session, inbound, now=now, answers=answers or AnswersInWindow(now))
            session.commit()
            return outcome
    except Exception as error:  # noqa: BLE001 - loop boundary: one bad message must not stall the mailbox
        log.exception("message %s: could not be processed; quarantined", message_id)
        reason, detail = f"{type(error).__name__}: {error}", traceback.format_exc(limit=8)
    # Outside the except: its traceback (and the message it was parsing) is let go first.
    return quarantine(app, message_id, reason, detail=detail, now=now)


def quarantine(app: App, message_id: int, reason: str, *, detail: str = "", now: datetime) -> Outcome:
    with app.sessions() as session:
        inbound = session.get(InboundMessage, message_id)
        inbound.status, inbound.error = "quarantined", reason
        events.record(session, at=now, action="quarantined", message_id=message_id, reason=reason,
                     detail={"traceback": detail} if detail else {})
        session.commit()
    return Outcome(message_id, Action.QUARANTINE.value, None, (reason,))


def _process(app: App, session: Session, inbound: InboundMessage, *, now: datetime,
             answers: AnswersInWindow) -> Outcome:
    try:
        message = parse_message(read_raw(session, inbound.id))
    except UnreadableMail as error:
        inbound.status, inbound.error = "quarantined", str(error)
        events.record(session, at=now, action="quarantined", message_id=inbound.id, reason=f"unreadable: {error}")
        log.warning("message %s in %s is unreadable, quarantined: %s", inbound.id, inbound.mailbox, error)
        return Outcome(inbound.id, Action.QUARANTINE.value, None, (str(error),))
    known = app.known_about(message, received=inbound.received_at, session=session, may_answer=inbound.auto_answer,
                            now=now, answers=answers)
    decision = evaluate(message, inbound.mailbox, app.ruleset, known)
    decision_log.info("%s in %s: %s (%s)", message.message_id or f"message {inbound.id}", inbound.mailbox,
                      decision.action.value, decision.why)
    if decision.action in (Action.IGNORE, Action.QUARANTINE):
        inbound.status = "ignored"
        events.record(session, at=now, action="mail-ignored", message_id=inbound.id, reason=decision.why,
                      detail={"rules": decision.rules, "message_id": message.message_id, "hits": decision.reasons})
        return Outcome(inbound.id, decision.action.value, None, tuple(decision.reasons))
    case = apply(app, session, decision, inbound=inbound, message=message, now=now)
    return Outcome(inbound.id, decision.action.value, case.ref if case else None, tuple(decision.reasons))
