"""Opening a case from a triage decision: its reference, complainant, deadlines and first events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from mailbot.cases import audit
from mailbot.cases.form_answers import still_missing
from mailbot.cases.references import next_reference
from mailbot.clock import LONDON
from mailbot.db.models import Case, Deadline, InboundMessage
from mailbot.parse.message import Message
from mailbot.triage import Action, Body, Decision
from mailbot.workdays import working_days_due

FIRST_CONTACT = "first-contact"

_STATUS = {
    Action.NEW_CASE: "open",
    Action.REQUEST_DETAILS: "awaiting-details",
    Action.REDIRECT: "redirected",
    Action.SIGNPOST: "closed",
}


def open_case(session: Session, *, decision: Decision, message: Message, inbound: InboundMessage,
              mailbox: str, body: Body, now: datetime) -> Case:
    """Make the case a person's message leaves, in the caller's transaction, and log why."""
    year = inbound.received_at.astimezone(LONDON).year
    case = Case(
        ref=next_reference(session, body.reference_prefix, year),
        mailbox=mailbox, body=body.id, status=_STATUS[decision.action],
        redirected_to=decision.redirected_to,
        complainant_name=decision.complainant_name, complainant_email=decision.complainant_email,
        anonymous=decision.anonymous, third_party=decision.third_party, review=decision.review,
        missing=still_missing(decision.missing, message.forwarded if decision.forwarded_by else None),
        flags=list(decision.flags), rules=decision.rules,
        subject=message.subject, received_at=inbound.received_at, opened_at=now,
    )
    session.add(case)
    session.flush()
    inbound.case_id = case.id
    if case.status == "open":
        due = working_days_due(inbound.received_at, body.first_contact_working_days, body.office_hours)
        session.add(Deadline(case_id=case.id, kind=FIRST_CONTACT, due=due))
    audit.record(session, at=now, action="case-opened", case_id=case.id, message_id=inbound.id,
                 reason=decision.why,
                 detail={"decision": decision.action.value, "rules": decision.rules, "status": case.status,
                         "message_id": message.message_id, "hits": decision.reasons, "trace": list(decision.trace)})
    audit.log.info("case %s opened at %s (%s) for %s", case.ref, body.id, decision.action.value, message.message_id)
    return case
