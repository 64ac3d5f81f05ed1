"""The mail a decision sends, queued in the case's transaction (which letters; the outbox only composes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from mailbot.cases import audit
from mailbot.db.models import Case, InboundMessage
from mailbot.outbox.context import letter_context
from mailbot.outbox.kinds import Kind
from mailbot.outbox.queue import enqueue
from mailbot.parse.message import Message
from mailbot.settings import MailboxSettings
from mailbot.triage import Action, Decision

# What the complainant gets for each decision (the staff are notified of every case).
COMPLAINANT_KIND = {
    Action.NEW_CASE: Kind.ACKNOWLEDGEMENT,
    Action.REQUEST_DETAILS: Kind.REQUEST_DETAILS,
    Action.REDIRECT: Kind.REDIRECT_NOTICE,
    Action.SIGNPOST: Kind.SIGNPOST,
}


def send_letters(app, session: Session, *, case: Case, message: Message, decision: Decision,
                 inbound: InboundMessage, mailbox: MailboxSettings, now: datetime) -> None:
    """Queue every message this decision sends: to the complainant, to the right body, to staff."""
    body = app.ruleset.bodies[case.body]
    threading = {"in_reply_to": message.message_id,
                 "references": tuple(message.references) + ((message.message_id,) if message.message_id else ())}
    common = {"templates": app.templates, "secret": app.secret, "case": case, "cause": f"in-{inbound.id}",
              "from_address": mailbox.address, "reply_to": mailbox.address, "mailbox": mailbox.name, "now": now}

    def context(kind: Kind) -> dict:
        return letter_context(kind=kind.value, deployment=app.settings.deployment, case=case, body=body,
                              mailbox=mailbox, message=message, decision=decision, bodies=app.ruleset.bodies)

    if decision.action is Action.REDIRECT:
        target = app.ruleset.bodies[decision.redirected_to]
        enqueue(session, kind=Kind.REDIRECT, to=[target.address], from_name=body.name, context=context(Kind.REDIRECT),
                attached_message=inbound.raw, **threading, **common)
    kind = Kind(decision.template) if decision.template else COMPLAINANT_KIND[decision.action]
    if case.complainant_email in app.staff_addresses:
        # Mail that claims to come from staff but is no staff reply is never answered automatically.
        audit.record(session, at=now, action="not-answered", case_id=case.id,
                     reason=f"{case.complainant_email} is a staff address: no {kind.value} is sent to it")
    elif case.complainant_email:
        enqueue(session, kind=kind, to=[case.complainant_email], from_name=body.name, context=context(kind),
                **threading, **common)
    else:
        audit.record(session, at=now, action="no-complainant-address", case_id=case.id,
                     reason=f"no address to send the {kind.value} to")
    if mailbox.staff:
        enqueue(session, kind=Kind.STAFF_NOTIFICATION, to=list(mailbox.staff), from_name=f"mailbot ({body.name})",
                context=context(Kind.STAFF_NOTIFICATION), **threading, **common)
    else:
        audit.record(session, at=now, action="no-staff", case_id=case.id,
                     reason=f"mailbox {mailbox.name} lists no staff: nobody was notified of {case.ref}")
