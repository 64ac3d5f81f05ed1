"""Who a case's automatic answer goes to, whether it may go at all, and what it may carry."""

from __future__ import annotations

from dataclasses import dataclass

from mailbot.db.models import Case, InboundMessage
from mailbot.outbox.addresses import mailbox_problem, normalised
from mailbot.parse.message import Message
from mailbot.triage import Decision


@dataclass(frozen=True)
class Recipients:
    """The complainant's address and what a letter to it may hold.

    `sender_words`: whether the letter may repeat what the sender wrote. Only
    when it goes back to the sender's own address (From), or the complaint
    was passed on by a known forwarder; a letter that some sender made us
    write to another address is plain. `counted`: the addresses the answer
    counts against in the cap: the complainant, and the sender who named
    them when that sender is not a known forwarder.
    """

    complainant: str
    sender_words: bool
    forwarder_listed: bool
    counted: tuple[str, ...]
    staff: frozenset[str]
    own: frozenset[str]

    @classmethod
    def of(cls, app, *, case: Case, message: Message, decision: Decision) -> Recipients:
        complainant = case.complainant_email or ""
        forwarded = decision.forwarded_by is not None
        listed = not forwarded or app.ruleset.forwarder(message.sender) is not None
        own_address = bool(complainant) and normalised(complainant) == normalised(message.sender)
        sender_words = own_address or (forwarded and listed)
        instigator = () if sender_words or not message.sender else (message.sender,)
        counted = tuple(dict.fromkeys(address for address in (complainant, *instigator) if address))
        return cls(complainant=complainant, sender_words=sender_words, forwarder_listed=listed, counted=counted,
                   staff=frozenset(normalised(address) for address in app.staff_addresses),
                   own=frozenset(normalised(address) for address in app.own_addresses))

    def why_not_answered(self, inbound: InboundMessage) -> str:
        """Why no automatic answer may go to the complainant, in words; "" when one may."""
        if not self.complainant:
            return "there is no address to write to"
        if not inbound.auto_answer:
            return ("the email predates this mailbox's connection to mailbot, and mail that old is never "
                    "answered automatically (it may have been dealt with already)")
        address = normalised(self.complainant)
        if address in self.staff:
            return f"{self.complainant} is a staff address: mail claiming to come from staff is never answered"
        if address in self.own:
            return f"{self.complainant} is one of our own mailbox addresses"
        problem = mailbox_problem(self.complainant)
        if problem:
            return f"{self.complainant} is not a valid email address ({problem.rstrip('.')})"
        return ""
