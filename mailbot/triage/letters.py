"""The letters a decision sends, decided with everything else: to whom, and what is held back and why.

Three rules keep the office's address from being used against anyone:
what a sender wrote (subject, names, text, file names) goes only back to
the sender's own address, or on from a known forwarder (`forwarders:` in
the rules); any other letter is `plain`. Every automatic answer counts
against its recipient, and against whoever made us write to someone else,
in the cap per address (`Known.at_cap`). And staff and our own mailboxes
are never answered automatically.
"""

from __future__ import annotations

from mailbot.addresses import mailbox_problem, normalised
from mailbot.kinds import Kind
from mailbot.parse.message import Message
from mailbot.triage.decision import Action, Audience, Letter
from mailbot.triage.known import Known, Mailbox
from mailbot.triage.ruleset import RuleSet

# What the complainant gets for each decision on new mail (staff are notified of every case).
COMPLAINANT_KIND = {
    Action.NEW_CASE: Kind.ACKNOWLEDGEMENT,
    Action.REQUEST_DETAILS: Kind.REQUEST_DETAILS,
    Action.REDIRECT: Kind.REDIRECT_NOTICE,
    Action.SIGNPOST: Kind.SIGNPOST,
}
CAP_COUNT = 3          # automatic answers to one address per window (INTERFACE.md); the window is the outbox's
CAP_HOURS = 24


def at_cap(address: str) -> str:
    """Why an answer counted against `address` is held back, in words."""
    return f"{address} already had {CAP_COUNT} automatic answers in the last {CAP_HOURS} hours"


def new_case_letters(*, action: Action, template: str, complainant: str, message: Message, forwarded: bool,
                     redirected_to: str | None, transferred: bool, mailbox: Mailbox | None, ruleset: RuleSet,
                     known: Known) -> tuple[Letter, ...]:
    """What a new case sends: the redirect, the complainant's letter, one staff notification per staff member."""
    listed = not forwarded or ruleset.forwarder(message.sender) is not None
    own_address = bool(complainant) and normalised(complainant) == normalised(message.sender)
    plain = not (own_address or (forwarded and listed))
    instigator = (message.sender,) if plain and message.sender else ()
    counted = tuple(dict.fromkeys(address for address in (complainant, *instigator) if address))
    full = next((address for address in counted if normalised(address) in known.at_cap), "")
    cap = at_cap(normalised(full)) if full else ""
    kind = template or COMPLAINANT_KIND[action].value
    letters = []
    redirect = action is Action.REDIRECT and not transferred
    if redirect:   # a redirect and its notice go together, or neither goes: one look at the cap for both
        letters.append(Letter(Kind.REDIRECT.value, Audience.BODY, to=ruleset.bodies[redirected_to].address,
                              held_back=cap, counted=counted, capped_out=bool(cap)))
    refused = why_not_answered(complainant, known)
    letters.append(Letter(kind, Audience.COMPLAINANT, to=complainant, held_back=refused or cap, plain=plain,
                          counted=() if redirect else counted, capped_out=bool(cap) and not refused))
    return (*letters, *staff_letters(Kind.STAFF_NOTIFICATION, mailbox))


def staff_letters(kind: Kind, mailbox: Mailbox | None, *, assigned: str = "", about: str = "") -> tuple[Letter, ...]:
    """One letter per staff member (each carries a reply token of its own), or the single point of contact."""
    people = (assigned,) if assigned else (mailbox.staff if mailbox else ())
    if not people:
        where = f"mailbox {mailbox.name}" if mailbox else "the mailbox"
        return (Letter(kind.value, Audience.STAFF, held_back=f"{where} lists no staff: nobody is told", about=about),)
    return tuple(Letter(kind.value, Audience.STAFF, to=person, about=about) for person in people)


def complainant_letter(kind: Kind, complainant: str, known: Known, *, capped: bool = True,
                       about: str = "") -> Letter:
    """One letter to a case's complainant, held back where no automatic answer may go."""
    held_back = why_not_answered(complainant, known)
    full = not held_back and capped and normalised(complainant) in known.at_cap
    return Letter(kind.value, Audience.COMPLAINANT, to=complainant, held_back=held_back or (at_cap(normalised(complainant)) if full else ""),
                  counted=(complainant,) if capped and complainant else (), about=about, capped_out=full)


def why_not_answered(complainant: str, known: Known) -> str:
    """Why no automatic answer may go to `complainant`, in words; "" when one may."""
    if not complainant:
        return "there is no address to write to"
    if not known.may_answer:
        return ("the email predates this mailbox's connection to mailbot, and mail that old is never "
                "answered automatically (it may have been dealt with already)")
    address = normalised(complainant)
    if address in known.staff_addresses:
        return f"{complainant} is a staff address: mail claiming to come from staff is never answered"
    if address in {normalised(own) for own in known.own_addresses}:
        return f"{complainant} is one of our own mailbox addresses"
    problem = mailbox_problem(complainant)
    if problem:
        return f"{complainant} is not a valid email address ({problem.rstrip('.')})"
    return ""
