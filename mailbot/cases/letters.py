"""The mail a decision sends, queued in the case's transaction: which letters go, to whom, and what is held back.

Three rules keep the office's address from being used against anyone:
what a sender wrote (subject, names, text, file names) goes only back to
the sender's own address, or on from a known forwarder (`forwarders:` in
the rules); any other letter is plain (`recipients.sender_words`). Every
automatic answer counts against its recipient, and against whoever made
us write to someone else, in the cap per address. And a redirect never
carries a program file to another body. The staff notification, queued
last, says what went and what was held back, and why.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from mailbot.cases import audit
from mailbot.cases.recipients import Recipients
from mailbot.db.models import Case, InboundMessage
from mailbot.outbox.context import letter_context
from mailbot.outbox.kinds import Kind
from mailbot.outbox.program_files import Withheld, without_programs
from mailbot.outbox.queue import at_cap, enqueue, over_cap
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
    """Queue every message this decision sends: to the right body, to the complainant, to staff."""
    body = app.ruleset.bodies[case.body]
    recipients = Recipients.of(app, case=case, message=message, decision=decision)
    threading = {"in_reply_to": message.message_id,
                 "references": tuple(message.references) + ((message.message_id,) if message.message_id else ())}
    common = {"templates": app.templates, "secret": app.secret, "case": case, "cause": f"in-{inbound.id}",
              "from_address": mailbox.address, "reply_to": mailbox.address, "mailbox": mailbox.name, "now": now,
              **threading}

    def context(kind: Kind, *, sender_words: bool = True, **more) -> dict:
        return letter_context(kind=kind.value, deployment=app.settings.deployment, case=case, body=body,
                              mailbox=mailbox, message=message, decision=decision, bodies=app.ruleset.bodies,
                              sender_words=sender_words, forwarder_listed=recipients.forwarder_listed, **more)

    def letter(kind: Kind, to: str, held_back: str, *, plain: bool = False) -> dict:
        """What becomes of one letter, as the staff notification and the redirect's cover note are told."""
        if held_back:
            audit.record(session, at=now, action="held-back" if held_back == cap_reason else "not-answered",
                         case_id=case.id, reason=f"no {kind.value} is sent to {to or 'the complainant'}: {held_back}")
        return {"kind": kind.value, "to": to, "queued": not held_back, "held_back": held_back, "plain": plain}

    # One look at the cap for the whole case: a redirect and its notice go together, or neither goes.
    full = over_cap(session, recipients.counted, now)
    cap_reason = at_cap(full) if full else ""
    kind = Kind(decision.template) if decision.template else COMPLAINANT_KIND[decision.action]
    answer = letter(kind, case.complainant_email, recipients.why_not_answered(inbound) or cap_reason,
                    plain=not recipients.sender_words)
    letters = {"complainant": answer, "redirect": None}
    withheld: tuple[Withheld, ...] = ()
    if decision.action is Action.REDIRECT:
        target = app.ruleset.bodies[decision.redirected_to]
        letters["redirect"] = letter(Kind.REDIRECT, target.address, cap_reason)
        if letters["redirect"]["queued"]:
            original, withheld = without_programs(inbound.raw)
            _record_withheld(session, case, withheld, target.name, now)
            enqueue(session, kind=Kind.REDIRECT, to=[target.address], from_name=body.name,
                    context=context(Kind.REDIRECT, letters=letters, withheld=withheld), attached_message=original,
                    counted_against=recipients.counted, **common)
    if answer["queued"]:
        enqueue(session, kind=kind, to=[case.complainant_email], from_name=body.name, **common,
                context=context(kind, sender_words=recipients.sender_words, withheld=withheld),
                counted_against=[] if letters["redirect"] else recipients.counted)   # a redirect counted for both

    if mailbox.staff:
        enqueue(session, kind=Kind.STAFF_NOTIFICATION, to=list(mailbox.staff), from_name=f"mailbot ({body.name})",
                context=context(Kind.STAFF_NOTIFICATION, letters=letters, withheld=withheld), **common)
    else:
        audit.record(session, at=now, action="no-staff", case_id=case.id,
                     reason=f"mailbox {mailbox.name} lists no staff: nobody was notified of {case.ref}")


def _record_withheld(session: Session, case: Case, withheld: tuple[Withheld, ...], target: str,
                     now: datetime) -> None:
    if withheld:
        names = ", ".join(f"{item.filename} ({item.size} bytes)" for item in withheld)
        audit.record(session, at=now, action="attachment-withheld", case_id=case.id,
                     reason=f"not passed on to {target}, being program files (kept in the record): {names}",
                     detail={"files": [item.filename for item in withheld]})
