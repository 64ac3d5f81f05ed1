"""The triage interpreter: run the ordered rules over one message and record why it decided."""

from __future__ import annotations

from dataclasses import dataclass

from mailbot.parse.message import Message
from mailbot.triage.decision import Action, Decision, Hit
from mailbot.triage.ruleset import Rule, RuleSet


@dataclass(frozen=True)
class Known:
    """What the record knows about a message that triage cannot see in it (found before triage)."""

    own_mail: str = ""              # why it is our own mail coming back (signed Message-ID, our address), or ""


def evaluate(message: Message, mailbox: str, ruleset: RuleSet, known: Known = Known()) -> Decision:
    """Decide what to do with `message` received by `mailbox`. Pure: no I/O, no clock."""
    body = ruleset.mailboxes[mailbox]
    for rule in ruleset.rules:
        evidence = _check(rule, message, known)
        if evidence is not None:
            hit = Hit(rule.name, rule.description + (f" ({evidence})" if evidence else ""))
            return Decision(
                action=rule.action, body=body, hits=(hit,),
                complainant_name=message.display_name, complainant_email=message.reply_address,
            )
    # A rule set always ends with a catch-all (checked at load); this is the safety net.
    return Decision(action=Action.NEW_CASE, body=body, hits=(Hit("default", "no rule decided; a person's mail opens a case"),),
                    complainant_name=message.display_name, complainant_email=message.reply_address)


def _check(rule: Rule, message: Message, known: Known) -> str | None:
    """The evidence (possibly "") when every condition of `rule` holds, else None."""
    evidence = []
    for condition, wanted in rule.when.items():
        if condition == "automatic":
            reasons = message.automatic.reasons()
            if bool(reasons) != bool(wanted):
                return None
            evidence.extend(reasons)
        elif condition == "own_mail":
            if bool(known.own_mail) != bool(wanted):
                return None
            if wanted:
                evidence.append(known.own_mail)
    return "; ".join(evidence)
