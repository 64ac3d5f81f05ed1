"""The context a template is rendered with (documented for administrators in templates/README.md)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from mailbot.clock import LONDON
from mailbot.db.models import Case
from mailbot.cases.plain_reasons import plain_reasons
from mailbot.outbox.program_files import Withheld
from mailbot.parse.message import Message
from mailbot.settings import MailboxSettings
from mailbot.triage import Body, Decision


_NO_CASE = Case(ref="", status="", subject="", assigned="", received_at=None, complainant_name="",
                complainant_email="", anonymous=False, missing=[])


def _body(body: Body | None) -> dict | None:
    return None if body is None else {"id": body.id, "name": body.name, "address": body.address,
                                      "grants_review": body.grants_review}


def letter_context(*, kind: str, deployment: str, case: Case | None, body: Body, mailbox: MailboxSettings,
                   message: Message, decision: Decision, bodies: dict[str, Body], sender_words: bool = True,
                   forwarder_listed: bool = True, letters: dict | None = None,
                   withheld: Sequence[Withheld] = ()) -> dict:
    """Everything a template may use about one case and the message that caused it.

    `sender_words` False (a letter to someone other than the sender) leaves
    out everything the sender wrote: subject, names, text, file names, and
    who forwarded it. `letters` says what the case sent (staff-notification);
    `withheld` the program files a redirect left out. `case` is None only
    for staff news about mail that belongs to no case (a refused staff reply).
    """
    case = case or _NO_CASE
    first_contact = next((deadline.due for deadline in case.deadlines if deadline.kind == "first-contact"), None)
    context = {
        "kind": kind,
        "deployment": deployment,
        "case": {
            "ref": case.ref, "status": case.status, "subject": case.subject, "assigned": case.assigned,
            "deadlines": [{"kind": deadline.kind, "due": deadline.due, "met": deadline.met_at is not None}
                          for deadline in case.deadlines],
            "received_at": case.received_at.astimezone(LONDON) if case.received_at else None,
            "first_contact_due": first_contact,
            "first_contact_working_days": body.first_contact_working_days,
            "rules": decision.rules, "reasons": decision.deciding,
            "why": plain_reasons(decision, body, forwarder_listed=forwarder_listed),
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
        "forwarded_by": {**decision.forwarded_by, "listed": forwarder_listed} if decision.forwarded_by else None,
        "withheld": [{"filename": item.filename, "size": item.size} for item in withheld],
        "letters": letters,
        "sender_words": sender_words,
        "staff_reply_hint": "",
    }
    return context if sender_words else _without_sender_words(context)


def _without_sender_words(context: dict) -> dict:
    """The context with nothing the sender wrote: what a letter to another address may hold."""
    context["complainant"] = {**context["complainant"], "name": ""}
    context["message"] = {"subject": "", "sender": "", "display_name": "", "date_header": "", "text": "",
                          "attachments": []}
    context["case"] = {**context["case"], "why": [], "reasons": [], "rules": []}
    if context["forwarded_by"]:
        context["forwarded_by"] = {**context["forwarded_by"], "name": "", "address": ""}
    context["withheld"] = [{"filename": "", "size": item["size"]} for item in context["withheld"]]
    return context


def _review(review: dict | None) -> dict | None:
    if review is None:
        return None
    outcome = review.get("outcome_date")
    return {"outcome_date": date.fromisoformat(outcome) if outcome else None, "in_time": review.get("in_time")}
