"""Telling a case's staff that mail of the case did not reach its recipients: a `case-update`, never about staff mail.

The notice goes to the staff of the mailbox the mail was sent from, in the
transaction that marks the mail failed (or partly refused), once per outbox
row. Mail to staff (a notification, a reminder, a case-update itself) is
never the subject of a notice: a notice about a notice would loop, and the
staff it would go to are the people it failed to reach.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from mailbot.db import events
from mailbot.clock import LONDON
from mailbot.db.models import Case, OutboxMessage
from mailbot.kinds import Kind
from mailbot.addresses import bare
from mailbot.outbox.queue import Outgoing, enqueue

if TYPE_CHECKING:
    from mailbot.app import App

log = logging.getLogger("mailbot.outbox")

# Mail whose readers are the body's own people: its failures are logged and listed, never notified.
STAFF_KINDS = frozenset({
    Kind.STAFF_NOTIFICATION, Kind.CASE_UPDATE, Kind.COMMAND_ERROR, Kind.STAFF_REMINDER,
    Kind.PROGRESS_REMINDER, Kind.ESCALATION, Kind.DIGEST, Kind.ALERT,
})
_STAFF_KIND_VALUES = frozenset(kind.value for kind in STAFF_KINDS)


def tell_staff(app: App, session: Session, row: OutboxMessage, *, reason: str, not_delivered_to: list[str],
               now: datetime) -> None:
    """Queue a case-update to the staff of `row`'s mailbox: `row` did not reach `not_delivered_to`, and why.

    Nothing is queued for staff mail, mail of no case, or a mailbox that is
    no longer watched or lists no staff; the case's log says why when there
    is a case. A template that cannot be rendered is recorded the same way:
    telling staff never stops delivery.
    """
    if row.kind in _STAFF_KIND_VALUES or row.case_id is None:
        return
    case = session.get(Case, row.case_id)
    mailbox = next((mailbox for mailbox in app.settings.mailboxes if mailbox.name == row.mailbox), None)
    if mailbox is None or not mailbox.staff:
        why = "is no longer watched" if mailbox is None else "lists no staff"
        events.record(session, at=now, action="no-staff", case_id=case.id,
                     reason=f"mailbox {row.mailbox} {why}: nobody was told that the {row.kind} was not delivered")
        return
    body = app.ruleset.bodies.get(case.body)
    body_name = body.name if body is not None else case.body
    try:
        context = _context(app, case, row, mailbox, reason=reason, not_delivered_to=not_delivered_to)
        for person in _staff_of(case, mailbox):
            enqueue(session, Outgoing(kind=Kind.CASE_UPDATE, context=context, case=case,
                                      cause=f"undelivered-{row.id}", from_name=f"mailbot ({body_name})",
                                      from_address=mailbox.address, to=(person,), mailbox=mailbox.name,
                                      token_for=bare(person)),
                    templates=app.templates, secret=app.secret, now=now)
    except Exception as error:  # noqa: BLE001 - an administrator's template may fail in any way
        log.exception("case %s: the case-update about %s %s could not be made", case.ref, row.kind, row.message_id)
        events.record(session, at=now, action="staff-not-told", case_id=case.id,
                     reason=f"the case-update saying the {row.kind} was not delivered could not be made: "
                            f"{type(error).__name__}: {error}")


def _context(app: App, case: Case, row: OutboxMessage, mailbox, *, reason: str, not_delivered_to: list[str]) -> dict:
    """The template context (templates/README.md) of a case with no message of its own, plus `update`."""
    body = app.ruleset.bodies.get(case.body)
    first_contact = next((deadline.due for deadline in case.deadlines if deadline.kind == "first-contact"), None)
    missing_recipients = set(not_delivered_to)
    return {
        "kind": Kind.CASE_UPDATE.value,
        "deployment": app.settings.deployment,
        "case": {"ref": case.ref, "status": case.status, "received_at": case.received_at.astimezone(LONDON),
                 "first_contact_due": first_contact,
                 "first_contact_working_days": body.first_contact_working_days if body else None,
                 "rules": list(case.rules), "reasons": []},
        "body": {"id": case.body, "name": body.name if body else case.body, "address": body.address if body else "",
                 "grants_review": body.grants_review if body else False},
        "mailbox": {"name": mailbox.name, "address": mailbox.address},
        "complainant": {"name": case.complainant_name, "email": case.complainant_email,
                        "anonymous": case.anonymous},
        "message": {"subject": case.subject, "sender": case.complainant_email,
                    "display_name": case.complainant_name, "date_header": "", "text": "", "attachments": []},
        "missing": list(case.missing),
        "decision": {"action": "", "rule": "", "explanation": "", "redirected_to": None, "signpost": "",
                     "signpost_to": None, "needs": []},
        "review": _review(case.review),
        "forwarded_by": None,
        "staff_reply_hint": "",
        "update": {
            "event": "undelivered", "about": row.kind, "recipients": [_shown(address) for address in row.recipients],
            "delivered_to": [_shown(address) for address in row.recipients if address not in missing_recipients],
            "not_delivered_to": [_shown(address) for address in not_delivered_to], "reason": reason,
        },
    }


def _shown(address: object) -> str:
    """An address as a line of text can hold it: one with a line break or control character as a literal."""
    text = str(address)
    return text if text.isprintable() else ascii(text)


def _review(review: dict | None) -> dict | None:
    if review is None:
        return None
    outcome = review.get("outcome_date")
    return {"outcome_date": date.fromisoformat(outcome) if outcome else None, "in_time": review.get("in_time")}


def _staff_of(case: Case, mailbox) -> tuple[str, ...]:
    """The case's single point of contact, else every staff member: one letter each, with a token each."""
    return (case.assigned,) if case.assigned else tuple(mailbox.staff)
