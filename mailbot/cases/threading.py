"""Which case a message answers, and whether its claim to come from staff holds: looked up before triage.

A message belongs to a case when its `In-Reply-To` or `References` name a
message of that case (our own signed Message-IDs first, then any message
in or out of the case), or when its subject carries the case's `[REF]` tag
and it comes from the case's complainant. Sender alone is never enough: a
second complaint from the same person is a new case.

A message claims to come from staff when it is from a listed staff address
or answers something we sent to staff (a `+token` Reply-To, a staff
letter's Message-ID). It counts only when every token it carries was
issued for one case and for that very address (`outbox.reply_tokens`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mailbot import patterns
from mailbot.addresses import normalised
from mailbot.db.models import Case, InboundMessage, OutboxMessage
from mailbot.kinds import Kind
from mailbot.outbox.message_ids import verify
from mailbot.outbox.reply_tokens import matches, plus_token, token_of_nonce
from mailbot.parse.authentication import authenticated
from mailbot.parse.message import Message
from mailbot.triage.known import StaffClaim, ThreadCase, Token

UPDATES_WINDOW = timedelta(hours=24)
MAX_IDS = 50     # In-Reply-To and the newest References: a hostile header may name thousands
_TAG = patterns.compile(r"\[([A-Za-z]{2,12}-[0-9]{4}-[0-9]{5})\]")


def answered_ids(message: Message) -> list[str]:
    """The Message-IDs a message answers, most direct first, bounded."""
    ids = [message.in_reply_to] if message.in_reply_to else []
    ids.extend(reversed(message.references[-MAX_IDS:]))
    return [found for found in dict.fromkeys(ids) if found][:MAX_IDS]


def find_thread(session: Session, secret: bytes, message: Message, *, now: datetime | None = None,
                case_ref: str | None = None) -> ThreadCase | None:
    """The case `message` belongs to, with how it was found; `case_ref` when a staff token named it already.

    With `now`, also how many case-updates about replies it had in the last 24 hours.
    """
    found = _find(session, secret, message, case_ref)
    if found is None or now is None:
        return found
    lately = session.scalar(select(func.count(OutboxMessage.id)).join(Case, Case.id == OutboxMessage.case_id).where(
        Case.ref == found.ref, OutboxMessage.kind == Kind.CASE_UPDATE.value,
        OutboxMessage.created_at > now - UPDATES_WINDOW))
    return replace(found, updates_lately=lately or 0)


def _find(session: Session, secret: bytes, message: Message, case_ref: str | None) -> ThreadCase | None:
    if case_ref:
        case = _case(session, case_ref)
        return _thread(session, case, f"a staff token issued for {case_ref}") if case else None
    ids = answered_ids(message)
    for message_id in ids:
        signed = verify(secret, message_id) if secret else None
        if signed is not None and signed.case_ref:
            case = _case(session, signed.case_ref)
            if case is not None:
                return _thread(session, case, f"answers our {signed.kind.value} {message_id}")
    if ids:
        case_id = session.scalar(select(OutboxMessage.case_id).where(OutboxMessage.message_id.in_(ids),
                                                                     OutboxMessage.case_id.is_not(None)).limit(1))
        case_id = case_id or session.scalar(select(InboundMessage.case_id).where(
            InboundMessage.message_id.in_(ids), InboundMessage.case_id.is_not(None)).limit(1))
        if case_id is not None:
            case = session.get(Case, case_id)
            return _thread(session, case, "answers a message of the case")
    tag = _TAG.search(message.subject[:2000])
    if tag:
        case = _case(session, tag.group(1))
        if case is not None and case.complainant_email and \
                normalised(case.complainant_email) == normalised(message.reply_address):
            return _thread(session, case, f"the subject carries [{case.ref}] and it comes from the complainant")
    return None


def staff_claim(secret: bytes, message: Message, *, staff: frozenset[str], own: frozenset[str],
                authserv_id: str = "") -> StaffClaim | None:
    """Whether `message` claims to come from staff, and whether the claim holds; None when it makes none.

    With `authserv_id` (config `staff_replies.authserv_id`), a staff reply
    also needs that server's `Authentication-Results` to show DMARC or DKIM
    passing for the staff member's domain.
    """
    sender = normalised(message.sender)
    tokens = [found for found in (plus_token(address, own) for address in (*message.to, *message.cc)[:100]) if found]
    for message_id in answered_ids(message):
        signed = verify(secret, message_id) if secret else None
        token = token_of_nonce(signed.nonce) if signed and signed.case_ref else ""
        if token:
            tokens.append((signed.case_ref, token))
    if sender not in staff:
        if not tokens:
            return None
        return StaffClaim(sender, Token.NOT_STAFF, why=f"answers mail we sent to staff, but {sender} is not a "
                                                       "listed staff address")
    if not tokens:
        return StaffClaim(sender, Token.ABSENT, why="from a staff address, but not a reply to anything we sent to "
                                                    "staff about a case (no token)")
    refs = {ref for ref, _ in tokens}
    wrong = [(ref, token) for ref, token in tokens if not matches(secret, ref, sender, token)]
    if wrong:
        ref, token = wrong[0]
        if any(matches(secret, ref, other, token) for other in staff if other != sender):
            return StaffClaim(sender, Token.OTHER_ADDRESS, why=f"the token for {ref} was issued to another staff "
                                                               f"address, not {sender}")
        return StaffClaim(sender, Token.ALTERED, why=f"a token for {ref} that this mailbot did not issue to {sender}")
    if len(refs) > 1:
        return StaffClaim(sender, Token.ALTERED, why=f"tokens for different cases: {', '.join(sorted(refs))}")
    ref = refs.pop()
    if authserv_id:
        passed = authenticated(message.headers, authserv_id, sender.rpartition("@")[2])
        if not passed:
            return StaffClaim(sender, Token.UNAUTHENTICATED, why=f"the token for {ref} is right, but {authserv_id} "
                                                                 "recorded no DMARC or DKIM pass for its domain")
        return StaffClaim(sender, Token.VALID, case_ref=ref, why=f"the token issued to {sender} for {ref}; {passed}")
    return StaffClaim(sender, Token.VALID, case_ref=ref, why=f"the token issued to {sender} for {ref}")


def _case(session: Session, ref: str) -> Case | None:
    return session.scalar(select(Case).where(Case.ref == ref.upper()))


def _thread(session: Session, case: Case, how: str) -> ThreadCase:
    asked_again = session.scalar(select(OutboxMessage.id).where(
        OutboxMessage.dedup_key == f"{case.ref}:{Kind.REQUEST_DETAILS.value}:details-again")) is not None
    return ThreadCase(ref=case.ref, mailbox=case.mailbox, body=case.body, status=case.status,
                      complainant_email=case.complainant_email, complainant_name=case.complainant_name,
                      anonymous=case.anonymous, third_party=case.third_party, needs=tuple(case.needs or ()),
                      assigned=case.assigned or "", details_asked_again=asked_again, how=how)
