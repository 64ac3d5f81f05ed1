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
    def opens_case(self) -> bool:
        """Whether a person wrote this: every such message leaves a case, whatever is done with it."""
        return self.action not in (Action.IGNORE, Action.QUARANTINE)
