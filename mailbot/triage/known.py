"""What the record knows that triage cannot see in the message, found before triage and handed to it as values.

Triage never reads the database or the clock: the pipeline (and the dry
run of `mailbot triage`) looks these up first. Each is a plain frozen value
so that a decision can be replayed from what it was given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Mailbox:
    """A watched mailbox: where letters come from and who its staff are (bare, lower-case addresses)."""

    name: str
    address: str
    staff: tuple[str, ...] = ()
    managers: tuple[str, ...] = ()
    staff_names: tuple[tuple[str, str], ...] = ()   # (address, name as the config writes it)

    def name_of(self, address: str) -> str:
        return dict(self.staff_names).get(address, "")


@dataclass(frozen=True)
class ThreadCase:
    """The case a message belongs to, and how that was found (In-Reply-To, References, the subject tag)."""

    ref: str
    mailbox: str
    body: str
    status: str                         # open | awaiting-details | redirected | closed
    complainant_email: str
    complainant_name: str = ""
    anonymous: bool = False
    third_party: bool = False
    needs: tuple[str, ...] = ()         # what a case awaiting details waits for (name-and-address, written-permission)
    assigned: str = ""                  # the single point of contact, "" when none
    details_asked_again: bool = False   # the one reminder of what is still needed has been sent
    updates_lately: int = 0             # case-updates about replies queued in the last 24 hours
    how: str = ""                       # why the message belongs to it, in words


class Token:
    """What a message claiming to come from staff carries (StaffClaim.token)."""

    VALID = "valid"                     # issued for this case and this staff address, and nothing altered
    ABSENT = "absent"                   # no token at all: not a reply to anything we sent to staff
    ALTERED = "altered"                 # a token that no key of ours made
    OTHER_ADDRESS = "other-address"     # issued to another staff address
    NOT_STAFF = "not-staff"             # a staff token, sent from an address that is not a listed staff address
    UNAUTHENTICATED = "unauthenticated"  # a valid token, but the trusted server saw no DMARC or DKIM pass


@dataclass(frozen=True)
class StaffClaim:
    """A message that claims to come from staff: from a staff address, or answering what we sent to staff."""

    address: str                        # the sender, bare and lower-case
    token: str                          # one of Token's values
    case_ref: str | None = None         # the case a valid token was issued for
    why: str = ""                       # what was checked, in words

    @property
    def valid(self) -> bool:
        return self.token == Token.VALID


@dataclass(frozen=True)
class Known:
    """Everything triage is told about a message besides the message itself."""

    own_mail: str = ""              # why it is our own mail coming back (signed Message-ID, our address), or ""
    received: date | None = None    # the day it was received, Europe/London (review windows count from it)
    own_addresses: frozenset[str] = frozenset()   # the watched mailboxes' addresses
    mailboxes: tuple[Mailbox, ...] = ()           # the watched mailboxes, with their staff
    staff_addresses: frozenset[str] = frozenset()   # every listed staff and manager address: never answered
    at_cap: frozenset[str] = frozenset()          # addresses that had the most automatic answers allowed, lately
    may_answer: bool = True         # False for mail older than the mailbox's connection to mailbot (the backlog)
    thread: ThreadCase | None = None              # the case it answers, when it answers one
    staff: StaffClaim | None = None               # set when it claims to come from staff

    def mailbox(self, name: str) -> Mailbox | None:
        return next((mailbox for mailbox in self.mailboxes if mailbox.name == name), None)
