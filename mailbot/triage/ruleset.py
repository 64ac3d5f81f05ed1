"""The values of a deployment's rule set: bodies, rules, signals, forwarders and policy patterns."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mailbot.triage.decision import Action
from mailbot.triage.policy import Policy
from mailbot.triage.rule_patterns import Screen
from mailbot.triage.signals import Signal
from mailbot.workdays import Calendar, OfficeHours

# Facts triage works out itself; rules use them by name like signals (rules/README.md).
FACTS = ("automatic", "own-mail", "forwarded", "anonymous", "named", "third-party", "permission-enclosed",
         "review-request", "named-complainant-required")
NEEDS = ("name-and-address", "written-permission")
SIGNPOSTS = ("crime-report", "compensation")


# A body's timings in days, with their defaults (rules/README.md): 0 turns one off.
TIMINGS = {
    "service_recovery_days": 0,            # calendar days to resolve a case (Cleveland, seed 004: 28)
    "progress_reminder_working_days": 10,  # an open case with no correspondence this long: remind its staff
    "details_reminder_working_days": 5,    # details asked for and not given this long: remind the complainant
    "details_close_working_days": 10,      # ... and this long: close it as not pursued, and tell them
}


@dataclass(frozen=True)
class Body:
    """One body of the directory: who it is, where its mail goes, and its own settings."""

    id: str
    name: str
    address: str
    reference_prefix: str = ""          # "" for bodies we only redirect to
    first_contact_working_days: int = 5
    office_hours: OfficeHours = field(default_factory=OfficeHours)
    closed_days: frozenset = frozenset()   # extra days its office is shut (dates), besides bank holidays
    grants_review: bool = False
    requires_named_complainant: bool = False
    service_recovery_days: int = TIMINGS["service_recovery_days"]
    progress_reminder_working_days: int = TIMINGS["progress_reminder_working_days"]
    details_reminder_working_days: int = TIMINGS["details_reminder_working_days"]
    details_close_working_days: int = TIMINGS["details_close_working_days"]

    @property
    def opening_deadlines(self) -> tuple[str, ...]:
        """The deadlines that start when one of its cases opens."""
        return ("first-contact",) + (("service-recovery",) if self.service_recovery_days else ())

    @property
    def calendar(self) -> Calendar:
        return Calendar(hours=self.office_hours, closures=self.closed_days)

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[-1]


@dataclass(frozen=True)
class Rule:
    """One ordered rule: when its conditions hold (and it applies to the mailbox), it decides."""

    name: str
    description: str
    action: Action
    line: int
    mailboxes: tuple[str, ...] = ()     # empty: every mailbox
    all_of: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()
    none_of: tuple[str, ...] = ()
    to: str | None = None               # redirect target body
    signpost: str = ""
    signpost_to: str | None = None
    needs: tuple[str, ...] = ()
    explanation: str = ""
    template: str = ""

    def always_fires(self) -> bool:
        return not (self.mailboxes or self.all_of or self.any_of or self.none_of)

    def conditions(self) -> tuple[tuple[str, ...], ...]:
        return (self.mailboxes, tuple(sorted(self.all_of)), tuple(sorted(self.any_of)), tuple(sorted(self.none_of)))


@dataclass(frozen=True)
class Forwarder:
    """Someone known to pass complaints on (the IOPC's form, the force): their forwards are trusted."""

    name: str
    domain: str = ""
    address: str = ""

    def matches(self, address: str) -> bool:
        address = address.lower()
        return address == self.address if self.address else address.rsplit("@", 1)[-1] == self.domain


@dataclass(frozen=True)
class RuleSet:
    """A deployment's rules: the directory of bodies, mailbox owners, signals, policy patterns and rules."""

    deployment: str
    path: Path
    bodies: dict[str, Body]
    mailboxes: dict[str, str]           # mailbox name -> body id
    rules: tuple[Rule, ...]
    signals: dict[str, Signal] = field(default_factory=dict)
    forwarders: tuple[Forwarder, ...] = ()
    policy: Policy = field(default_factory=Policy)
    transfer_aliases: dict[str, str] = field(default_factory=dict)   # `#transfer` alias -> body id
    screen: Screen | None = None        # every signal pattern in one RE2 set (rule_patterns.Screen)

    def body_of(self, mailbox: str) -> Body:
        return self.bodies[self.mailboxes[mailbox]]

    def mailbox_of(self, body_id: str) -> str | None:
        """The mailbox a body owns in this deployment, if any (a redirect there is an internal transfer)."""
        return next((name for name, owner in self.mailboxes.items() if owner == body_id), None)

    def forwarder(self, address: str) -> Forwarder | None:
        return next((known for known in self.forwarders if known.matches(address)), None)
