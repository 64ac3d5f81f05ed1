"""Writing what triage decided, in the caller's transaction: the case change, the event log, the letters.

Nothing is decided here. The `Decision` says which case (a new one or the
one the message answers), what changes on it, and every letter with its
recipient or the reason it is held back; this module makes the rows and
queues the letters it was told to, each rendered from its own context.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.cases.letter_context import letter_context
from mailbot.cases.references import next_reference
from mailbot.clock import LONDON
from mailbot.db import events
from mailbot.db.models import Case, Deadline, InboundMessage
from mailbot.kinds import Kind
from mailbot.outbox.program_files import Withheld, without_programs
from mailbot.outbox.reply_tokens import carries_token
from mailbot.outbox.queue import Outgoing, enqueue
from mailbot.parse import parse_message
from mailbot.parse.message import Message
from mailbot.parse.quoted import new_text
from mailbot.triage import Action, Decision
from mailbot.triage.decision import Audience, Letter
from mailbot.triage.staff_commands import COMMANDS, usage

FIRST_CONTACT, REVIEW_WINDOW, SERVICE_RECOVERY = "first-contact", "review-window", "service-recovery"
REVIEW_WINDOW_DAYS = 28   # a review request within 28 days, starting with the day after the outcome was given
_DECIDED = {Action.FOLLOW_UP: "reply-received", Action.STAFF_REPLY: "staff-reply",
            Action.STAFF_COMMAND: "staff-command", Action.REFUSED: "staff-reply-refused"}


def apply(app, session: Session, decision: Decision, *, inbound: InboundMessage, message: Message,
          now: datetime) -> Case | None:
    """Make the decision's case change and queue its letters; the case it concerns (None when it has none)."""
    change = decision.change
    actor = decision.staff_member or "mailbot"
    if change.opens:
        case = _open(session, decision, message, inbound, app.ruleset.bodies[decision.body], now)
    else:
        case = session.scalar(select(Case).where(Case.ref == change.case_ref)) if change.case_ref else None
        inbound.case_id = case.id if case else None
        events.record(session, at=now, action=_DECIDED.get(decision.action, decision.action.value), actor=actor,
                      case_id=case.id if case else None, message_id=inbound.id, reason=decision.why,
                      detail={"message_id": message.message_id, "hits": decision.reasons, "trace": list(decision.trace)})
    if case is not None:
        _change(app, session, case, decision, inbound, actor, now)
    inbound.status = "processed" if case is not None else "refused"
    _queue(app, session, decision, case, inbound, message, now)
    return case


def _open(session: Session, decision: Decision, message: Message, inbound: InboundMessage, body, now) -> Case:
    year = inbound.received_at.astimezone(LONDON).year
    case = Case(
        ref=next_reference(session, body.reference_prefix, year),
        mailbox=decision.mailbox, body=body.id, status=decision.change.status,
        redirected_to=decision.redirected_to,
        complainant_name=decision.complainant_name, complainant_email=decision.complainant_email,
        anonymous=decision.anonymous, third_party=decision.third_party, review=decision.review,
        missing=list(decision.missing), needs=list(decision.needs) if decision.action is Action.REQUEST_DETAILS else [],
        flags=list(decision.flags), rules=decision.rules,
        subject=message.subject, received_at=inbound.received_at, opened_at=now,
    )
    session.add(case)
    session.flush()
    inbound.case_id = case.id
    events.record(session, at=now, action="case-opened", case_id=case.id, message_id=inbound.id,
                  reason=decision.why,
                  detail={"decision": decision.action.value, "rules": decision.rules, "status": case.status,
                          "message_id": message.message_id, "hits": decision.reasons, "trace": list(decision.trace)})
    events.log.info("case %s opened at %s (%s) for %s", case.ref, body.id, decision.action.value, message.message_id)
    return case


def apply_timed(app, session: Session, decision: Decision, *, complaint: Message, now: datetime) -> Case:
    """Write what a timer decided (schedule/): no message caused it; its letters speak of the complaint."""
    case = session.scalar(select(Case).where(Case.ref == decision.change.case_ref))
    events.record(session, at=now, action="timer", case_id=case.id, reason=decision.why,
                  detail={"steps": [letter.about for letter in decision.letters]})
    _change(app, session, case, decision, None, "mailbot", now)
    _queue(app, session, decision, case, None, complaint, now)
    return case


def _change(app, session: Session, case: Case, decision: Decision, inbound: InboundMessage | None, actor: str,
            now: datetime) -> None:
    change = decision.change
    message_id = inbound.id if inbound else None
    for action, reason in change.events:
        events.record(session, at=now, action=action, reason=reason, actor=actor, case_id=case.id,
                      message_id=message_id)
    if change.note:
        events.record(session, at=now, action="note", reason=change.note, actor=actor, case_id=case.id,
                      message_id=message_id)
    if change.status and not change.opens and change.status != case.status:
        events.record(session, at=now, action="status-changed", actor=actor, case_id=case.id,
                      reason=f"{case.status} -> {change.status}", detail={"from": case.status, "to": change.status})
        case.status = change.status
    if change.status == "open":
        case.needs = []
    for name, value in (("complainant_name", change.complainant_name), ("anonymous", change.anonymous),
                        ("third_party", change.third_party), ("redirected_to", change.redirected_to)):
        if value is not None:
            setattr(case, name, value)
    if change.assign is not None:
        case.assigned = change.assign
        events.record(session, at=now, action="assigned", actor=actor, case_id=case.id,
                      reason=f"single point of contact: {change.assign}")
    if change.moves_to:
        target = app.ruleset.mailboxes[change.moves_to]
        events.record(session, at=now, action="transferred", actor=actor, case_id=case.id,
                      reason=f"moved from {case.mailbox} ({case.body}) to {change.moves_to} ({target})")
        case.mailbox, case.body = change.moves_to, target
    session.flush()
    session.refresh(case, ["deadlines"])
    # A closed or redirected case owes nothing more: its deadlines are met (not the complainant's review window).
    ended = change.status in ("closed", "redirected") and not change.opens
    for deadline in case.deadlines:
        if deadline.met_at is None and (deadline.kind in change.meets or (ended and deadline.kind != REVIEW_WINDOW)):
            deadline.met_at = now
            events.record(session, at=now, action="deadline-met", actor=actor, case_id=case.id,
                          reason=f"{deadline.kind} (due {deadline.due.isoformat()})")
    for kind in change.starts:
        due = _due(app, case, kind, inbound, now)
        if not any(deadline.kind == kind and deadline.due == due for deadline in case.deadlines):
            session.add(Deadline(case_id=case.id, kind=kind, due=due))
    session.flush()
    session.refresh(case, ["deadlines"])


def _due(app, case: Case, kind: str, inbound: InboundMessage | None, now: datetime):
    body = app.ruleset.bodies[case.body]
    if kind == FIRST_CONTACT:
        return body.calendar.due(inbound.received_at, body.first_contact_working_days)
    if kind == SERVICE_RECOVERY:   # calendar days, from the day of receipt
        return (inbound.received_at if inbound else now).astimezone(LONDON).date() + \
            timedelta(days=body.service_recovery_days)
    return now.astimezone(LONDON).date() + timedelta(days=REVIEW_WINDOW_DAYS)


def _queue(app, session: Session, decision: Decision, case: Case | None, inbound: InboundMessage | None,
           message: Message, now: datetime) -> None:
    """Queue every letter that goes; log every one held back, and why."""
    mailbox = app.settings.mailbox(case.mailbox if case else decision.mailbox)
    body = app.ruleset.bodies[case.body if case else decision.body]
    listed = decision.forwarded_by is None or app.ruleset.forwarder(message.sender) is not None
    summary = _summary(decision.letters)
    withheld: tuple[Withheld, ...] = ()
    threading = _references(app.secret, message)
    # On a case, the message is a reply: letters speak of the complaint itself (a moved case's new staff read it).
    complaint = message if decision.change.opens else None
    if decision.change.moves_to and case is not None:
        complaint = parse_message(_original(session, case, inbound))
    names = {address: name for settings in app.settings.mailboxes for name, address in settings.staff_people}
    # What staff send outside answers the complaint, never the staff member's own reply, whose Message-ID
    # may name them (some clients put the user's address in it).
    first = _first_inbound(session, case) if case is not None else None
    answers = (first or inbound).message_id if (first or inbound) else ""

    def answers_complaint(letter: Letter) -> bool:
        outside = letter.audience in (Audience.COMPLAINANT, Audience.BODY)
        return inbound is None or (bool(decision.staff_member) and outside)

    for letter in decision.letters:
        if letter.held_back:
            events.record(session, at=now, action="held-back" if letter.capped_out else "not-answered",
                          case_id=case.id if case else None, detail={"cause": _cause(letter, inbound)},
                          reason=f"no {letter.kind} is sent to {letter.to or 'the ' + letter.audience.value}: "
                                 f"{letter.held_back}")
            continue
        kind = Kind(letter.kind)
        attached = None
        if kind is Kind.REDIRECT:
            attached, withheld = without_programs(_original(session, case, inbound))
            _record_withheld(session, case, withheld, letter.to, now)
        context = letter_context(kind=kind.value, deployment=app.settings.deployment, case=case, body=body,
                                 mailbox=mailbox, message=complaint or message, decision=decision,
                                 bodies=app.ruleset.bodies,
                                 sender_words=not letter.plain, forwarder_listed=listed, letters=summary,
                                 withheld=withheld)
        context.update(_extra(decision, letter, message, names, case if complaint is None else None))
        staff_facing = letter.audience in (Audience.STAFF, Audience.SENDER)
        enqueue(session, Outgoing(
            kind=kind, context=context, case=case, cause=_cause(letter, inbound),
            from_name=f"mailbot ({body.name})" if staff_facing else body.name, from_address=mailbox.address,
            to=(letter.to,), mailbox=mailbox.name, reply_to=mailbox.address,
            in_reply_to=answers if answers_complaint(letter) else message.message_id,
            references=tuple(found for found in (answers,) if found) if answers_complaint(letter) else threading,
            attached_message=attached, counted_against=letter.counted,
            token_for=letter.to if staff_facing and case is not None else ""),
            templates=app.templates, secret=app.secret, now=now)


def _references(secret: bytes, message: Message) -> tuple[str, ...]:
    """The thread a letter answers, without the ids of our letters to staff: each carries its staff member's
    reply token, which must never reach anyone else (a complainant could pose as staff with it)."""
    ids = (*message.references, *((message.message_id,) if message.message_id else ()))
    return tuple(found for found in ids if not carries_token(secret, found))


def _cause(letter: Letter, inbound: InboundMessage | None) -> str:
    """What the letter answers: the message; the one reminder of missing details, and every timed step,
    answer the case itself."""
    if inbound is None:
        return letter.about
    return "details-again" if letter.about == "again" else f"in-{inbound.id}"


def _summary(letters: tuple[Letter, ...]) -> dict:
    """What the case sent, as the staff notification and the redirect's cover note are told."""
    def shown(letter: Letter | None) -> dict | None:
        if letter is None:
            return None
        return {"kind": letter.kind, "to": letter.to, "queued": letter.goes, "held_back": letter.held_back,
                "plain": letter.plain}
    return {"complainant": shown(next((item for item in letters if item.audience is Audience.COMPLAINANT), None)),
            "redirect": shown(next((item for item in letters if item.audience is Audience.BODY), None))}


def _extra(decision: Decision, letter: Letter, message: Message, names: dict[str, str],
           stand_in: Case | None) -> dict:
    """What a letter about a conversation adds to the context (templates/README.md documents it).

    `stand_in`: the case whose complaint stands in for `message` (a reply: what staff wrote, and the
    notification they quoted, never reaches a complainant as "the message"; its words are in `update`).
    """
    staff_name = names.get(decision.staff_member, "")
    extra = {"staff_member": {"address": decision.staff_member, "name": staff_name}}
    if stand_in is not None:
        case = stand_in
        extra["message"] = {"subject": case.subject, "sender": case.complainant_email,
                            "display_name": case.complainant_name, "date_header": "", "text": "", "attachments": []}
    if decision.action is Action.TIMER:
        extra["timer"] = {"why": [hit.reason for hit in decision.hits if hit.rule == letter.kind]}
    if letter.kind == Kind.CORRESPONDENCE.value:
        extra["relayed"] = {"text": decision.relayed_text, "name": staff_name}
    elif letter.kind == Kind.COMMAND_ERROR.value:
        extra["command_errors"] = list(decision.command_errors)
        extra["commands"] = [{"name": name, "description": text} for name, text in COMMANDS.items()]
        extra["usage"] = usage()
    elif letter.kind == Kind.CASE_UPDATE.value:
        event = "closed-not-pursued" if decision.action is Action.TIMER else letter.about
        extra["update"] = {"event": event, "sender": message.sender, "subject": message.subject,
                           "text": decision.relayed_text or _reply_text(message), "why": decision.why,
                           "needs": list(decision.needs)}
    return extra


def _reply_text(message: Message) -> str:
    return new_text(message.text)[:20_000]


def _original(session: Session, case: Case, inbound: InboundMessage) -> bytes:
    """The complaint a redirect passes on: the case's first message (not a staff reply asking for it)."""
    return (_first_inbound(session, case) or inbound).raw


def _first_inbound(session: Session, case: Case) -> InboundMessage | None:
    return session.scalar(select(InboundMessage).where(InboundMessage.case_id == case.id)
                          .order_by(InboundMessage.id).limit(1))


def _record_withheld(session: Session, case: Case, withheld: tuple[Withheld, ...], target: str,
                     now: datetime) -> None:
    if withheld:
        names = ", ".join(f"{item.filename} ({item.size} bytes)" for item in withheld)
        events.record(session, at=now, action="attachment-withheld", case_id=case.id,
                      reason=f"not passed on to {target}, being program files (kept in the record): {names}",
                      detail={"files": [item.filename for item in withheld]})
