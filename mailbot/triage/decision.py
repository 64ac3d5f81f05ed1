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


@dataclass(frozen=True)
class Hit:
    """One rule or signal that fired: its name, the reason in words, and the text it matched."""

    rule: str
    reason: str
    matched: str = ""

    def __str__(self) -> str:
        tail = f" [matched: {self.matched!r}]" if self.matched else ""
        return f"{self.rule}: {self.reason}{tail}"


@dataclass(frozen=True)
class Decision:
    """The outcome of triage for one message.

    `body` is the body id that owns the case (the mailbox's body); for a
    redirect `redirected_to` names where it goes. `hits` are every rule and
    signal that fired, in order; the last one decided.
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

    @property
    def rules(self) -> list[str]:
        """The names of the rules that fired, for the case record and `cases export`."""
        return [hit.rule for hit in self.hits]

    @property
    def reasons(self) -> list[str]:
        return [str(hit) for hit in self.hits]

    @property
    def opens_case(self) -> bool:
        """Whether a person wrote this: every such message leaves a case, whatever is done with it."""
        return self.action not in (Action.IGNORE, Action.QUARANTINE)
