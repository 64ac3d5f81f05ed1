"""What triage decides about one message, and why (`Decision`, `Hit`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Action(StrEnum):
    """What to do with a message: the wire strings appear in the log and `--explain`."""

    NEW_CASE = "new-case"
    REDIRECT = "redirect"
    REQUEST_DETAILS = "request-details"
    SIGNPOST = "signpost"
    IGNORE = "ignore"
    QUARANTINE = "quarantine"
    # On a case that exists: a message that answers one of ours.
    FOLLOW_UP = "follow-up"           # the complainant (or anyone else) writes again on their case
    STAFF_REPLY = "staff-reply"       # staff write to the complainant: relayed as correspondence
    STAFF_COMMAND = "staff-command"   # staff run the case with #commands
    REFUSED = "refused"               # claims to be staff and is not: never relayed nor obeyed
    TIMER = "timer"                   # time passed: a reminder, an escalation, a wait that ended (schedule/)


class Audience(StrEnum):
    """Who a letter is for; the addresses are resolved by triage from what it was told (`Known`)."""

    COMPLAINANT = "complainant"
    STAFF = "staff"                   # one staff member (or the single point of contact), one letter each
    BODY = "body"                     # the body a complaint is redirected to
    SENDER = "sender"                 # the staff member who wrote (command-error)


@dataclass(frozen=True)
class Letter:
    """One letter a decision sends, or holds back and says why.

    `plain`: it may carry none of what the sender wrote (it goes to someone
    the sender named, not back to them). `counted`: the addresses it counts
    against in the cap on automatic answers. `about`: what it reports
    (case-update: "reply", "refused", "details-arrived" ...).
    """

    kind: str
    audience: Audience
    to: str = ""
    held_back: str = ""
    plain: bool = False
    counted: tuple[str, ...] = ()
    about: str = ""
    capped_out: bool = False          # held back by the cap on automatic answers

    @property
    def goes(self) -> bool:
        return not self.held_back

    def __str__(self) -> str:
        if self.held_back:
            return f"no {self.kind} to {self.to or 'the ' + self.audience.value}: {self.held_back}"
        return f"{self.kind} to {self.to}"


@dataclass(frozen=True)
class CaseChange:
    """What a decision does to the record: open a case, or change the one the message belongs to.

    `case_ref` None with `opens` False: the message leaves no case (automatic
    mail, refused staff mail). `status` None leaves it as it is. `events`
    are (action, reason) pairs for the case's log, beyond the decision itself.
    """

    opens: bool = False
    case_ref: str | None = None
    status: str | None = None
    meets: tuple[str, ...] = ()        # deadlines met now ("first-contact")
    starts: tuple[str, ...] = ()       # deadlines that start now ("first-contact", "review-window")
    assign: str | None = None          # the new single point of contact
    moves_to: str | None = None        # an internal transfer: the mailbox that takes the case
    redirected_to: str | None = None   # a staff #transfer to a body outside
    complainant_name: str | None = None
    anonymous: bool | None = None
    third_party: bool | None = None
    note: str = ""                     # an internal note from staff, never sent
    events: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Hit:
    """One rule, signal or fact that fired: its name, the reason in words, and the text it matched.

    `kind` is "rule" for the rule that decided, "signal" for a named pattern
    of the rule set, "fact" for what triage works out itself (anonymity ...).
    """

    rule: str
    reason: str
    matched: str = ""
    kind: str = "rule"

    def __str__(self) -> str:
        tail = f" [matched: {self.matched!r}]" if self.matched else ""
        return f"{self.rule}: {self.reason}{tail}"


@dataclass(frozen=True)
class Decision:
    """The outcome of triage for one message.

    `body` is the body id that owns the case (the mailbox's body); for a
    redirect `redirected_to` names where it goes. `hits` are every fact,
    signal and rule that fired, in order; the last rule hit decided.
    `trace` says, rule by rule, why each did or did not fire (`--explain`).
    """

    action: Action
    body: str
    hits: tuple[Hit, ...] = ()
    complainant_name: str = ""
    complainant_email: str = ""
    anonymous: bool = False
    third_party: bool = False
    redirected_to: str | None = None
    missing: tuple[str, ...] = ()
    review: dict | None = None
    flags: tuple[str, ...] = field(default=())
    signpost: str = ""
    signpost_to: str | None = None
    needs: tuple[str, ...] = ()
    explanation: str = ""
    template: str = ""
    forwarded_by: dict | None = None    # {"name", "address", "layout"} when it reached us forwarded
    trace: tuple[str, ...] = ()
    grounds: tuple[Hit, ...] = ()       # the facts and signals the deciding rule relied on
    mailbox: str = ""                   # the mailbox that owns the case (another one after an internal transfer)
    letters: tuple[Letter, ...] = ()    # every letter it sends, and every one it holds back
    change: CaseChange = field(default_factory=CaseChange)
    relayed_text: str = ""              # correspondence: the staff member's new text, quotes cut
    staff_member: str = ""              # the staff address that wrote (staff replies, commands, refused)
    command_errors: tuple[str, ...] = ()

    @property
    def rules(self) -> list[str]:
        """The names of the rules that fired, for the case record and `cases export`."""
        return [hit.rule for hit in self.hits if hit.kind == "rule"]

    @property
    def rule(self) -> str:
        """The rule that decided."""
        names = self.rules
        return names[-1] if names else ""

    @property
    def reasons(self) -> list[str]:
        return [str(hit) for hit in self.hits]

    @property
    def deciding(self) -> list[str]:
        """The deciding rule and the facts and signals it relied on, each in words."""
        decisive = next((hit for hit in reversed(self.hits) if hit.kind == "rule"), None)
        return ([str(decisive)] if decisive else []) + [str(hit) for hit in self.grounds]

    @property
    def why(self) -> str:
        """One line for the log and the event record."""
        return "; ".join(self.deciding)

    @property
    def sends(self) -> tuple[Letter, ...]:
        return tuple(letter for letter in self.letters if letter.goes)
