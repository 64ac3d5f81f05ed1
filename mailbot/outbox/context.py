"""The context a template is rendered with (documented for administrators in templates/README.md)."""

from __future__ import annotations

from datetime import date

from mailbot.clock import LONDON
from mailbot.db.models import Case
from mailbot.parse.message import Message
from mailbot.settings import MailboxSettings
from mailbot.triage import Body, Decision


def _body(body: Body | None) -> dict | None:
    return None if body is None else {"id": body.id, "name": body.name, "address": body.address,
                                      "grants_review": body.grants_review}


def letter_context(*, kind: str, deployment: str, case: Case, body: Body, mailbox: MailboxSettings,
                   message: Message, decision: Decision, bodies: dict[str, Body]) -> dict:
    """Everything a template may use about one case and the message that caused it."""
    first_contact = next((deadline.due for deadline in case.deadlines if deadline.kind == "first-contact"), None)
    return {
        "kind": kind,
        "deployment": deployment,
        "case": {
            "ref": case.ref, "status": case.status,
            "received_at": case.received_at.astimezone(LONDON),
            "first_contact_due": first_contact,
            "first_contact_working_days": body.first_contact_working_days,
            "rules": decision.rules, "reasons": decision.deciding,
        },
        "body": _body(body),
        "mailbox": {"name": mailbox.name, "address": mailbox.address},
        "complainant": {"name": case.complainant_name, "email": case.complainant_email, "anonymous": case.anonymous},
        "message": {
            "subject": message.subject, "sender": message.sender, "display_name": message.display_name,
            "date_header": message.date_header, "text": message.text,
            "attachments": [{"filename": item.filename, "size": item.size} for item in message.attachments],
        },
        "missing": list(case.missing),
        "decision": {
            "action": decision.action.value, "rule": decision.rule, "explanation": decision.explanation,
            "redirected_to": _body(bodies.get(decision.redirected_to or "")),
            "signpost": decision.signpost, "signpost_to": _body(bodies.get(decision.signpost_to or "")),
            "needs": list(decision.needs),
        },
        "review": _review(case.review),
        "forwarded_by": decision.forwarded_by,
        "staff_reply_hint": "",
    }


def _review(review: dict | None) -> dict | None:
    if review is None:
        return None
    outcome = review.get("outcome_date")
    return {"outcome_date": date.fromisoformat(outcome) if outcome else None, "in_time": review.get("in_time")}
