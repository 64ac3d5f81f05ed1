"""The triage interpreter: work out the facts, match the signals, run the ordered rules, say why."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from mailbot.parse.message import Message
from mailbot.triage.completeness import missing_items
from mailbot.triage.decision import Action, Decision, Hit
from mailbot.triage.identity import Identity, identify
from mailbot.triage.review import is_review_request, review_record
from mailbot.triage.ruleset import Body, Rule, RuleSet
from mailbot.triage.view import ComplaintView, complaint_view


@dataclass(frozen=True)
class Known:
    """What the record knows that triage cannot see in the message (found before triage)."""

    own_mail: str = ""              # why it is our own mail coming back (signed Message-ID, our address), or ""
    received: date | None = None    # the day it was received, Europe/London (review windows count from it)
    own_addresses: frozenset[str] = frozenset()   # the watched mailboxes' addresses


def evaluate(message: Message, mailbox: str, ruleset: RuleSet, known: Known = Known()) -> Decision:
    """Decide what to do with `message` received by `mailbox`. Pure: no I/O, no clock."""
    body = ruleset.body_of(mailbox)
    view = complaint_view(message, ruleset, known.own_addresses)
    identity = identify(view, ruleset.policy)
    facts = _facts(message, view, identity, body, known, ruleset)
    hits = [Hit(name, reason, matched, kind) for name, (reason, matched, kind) in facts.items()]
    trace: list[str] = []
    decided = None
    for rule in ruleset.rules:
        why_not = _why_not(rule, mailbox, facts)
        trace.append(f"{rule.name} (line {rule.line}): " + (why_not or f"FIRES -> {rule.action.value}"))
        if why_not is None:
            decided = rule
            break
    if decided is None:  # a rule set should end with a catch-all; a person's mail still opens a case
        decided = Rule(name="default", description="no rule decided; a person's mail opens a case",
                       action=Action.NEW_CASE, line=0)
    decided, guard = _not_back_to_forwarder(decided, view, ruleset)
    if guard:
        hits.append(guard)
    hits.append(Hit(decided.name, decided.description, kind="rule"))
    relied_on = set(decided.all_of) | set(decided.any_of)
    grounds = tuple(hit for hit in hits if hit.kind != "rule" and (hit.rule in relied_on or hit is guard))
    review = None
    if "review-request" in facts:
        review = review_record(view.full_text, ruleset.policy, received=known.received or date.max)
    forwarded_by = None
    if view.forwarded is not None:
        forwarded_by = {"name": message.display_name, "address": message.sender, "layout": view.forwarded.layout}
    return Decision(
        action=decided.action, body=body.id, hits=tuple(hits),
        complainant_name=identity.name, complainant_email=identity.email,
        anonymous=identity.anonymous, third_party=identity.third_party,
        redirected_to=decided.to if decided.action is Action.REDIRECT else None,
        missing=missing_items(view, ruleset.policy), review=review,
        signpost=decided.signpost, signpost_to=decided.signpost_to, needs=decided.needs,
        explanation=decided.explanation, template=decided.template, forwarded_by=forwarded_by, trace=tuple(trace),
        grounds=grounds,
    )


def _facts(message: Message, view: ComplaintView, identity: Identity, body: Body, known: Known,
           ruleset: RuleSet) -> dict[str, tuple[str, str, str]]:
    """Every fact and signal that holds: name -> (reason, matched text, kind)."""
    facts: dict[str, tuple[str, str, str]] = {}
    automatic = message.automatic.reasons()
    if automatic:
        facts["automatic"] = ("automatic mail", "; ".join(automatic), "fact")
    if known.own_mail:
        facts["own-mail"] = ("our own mail coming back", known.own_mail, "fact")
    if view.forwarded is not None:
        facts["forwarded"] = (f"a forwarded complaint ({view.forwarded.layout}) from {view.sender}",
                              "; ".join(view.forward_evidence), "fact")
    elif view.forward_evidence:
        facts_note = "; ".join(view.forward_evidence)
        facts["not-forwarded"] = ("a forward-like block not trusted", facts_note, "fact")
    if identity.anonymous:
        facts["anonymous"] = ("no named complainant", "; ".join(identity.evidence), "fact")
    if identity.third_party:
        facts["third-party"] = ("written on behalf of someone else", "; ".join(identity.evidence), "fact")
    if identity.permission_enclosed:
        facts["permission-enclosed"] = ("the affected person's written permission is enclosed", "", "fact")
    review = is_review_request(view.full_text, ruleset.policy)
    if review:
        facts["review-request"] = ("asks for a review of a complaint's outcome", review, "fact")
    if body.requires_named_complainant:
        facts["named-complainant-required"] = (f"{body.name} cannot deal with anonymous complaints", "", "fact")
    for name, signal in ruleset.signals.items():
        matched = signal.match(view)
        if matched is not None:
            facts[name] = (signal.description or name, matched, "signal")
    return facts


def _why_not(rule: Rule, mailbox: str, facts: dict) -> str | None:
    """None when the rule fires, else the reason in words."""
    if rule.mailboxes and mailbox not in rule.mailboxes:
        return f"not for mailbox {mailbox}"
    absent = [name for name in rule.all_of if name not in facts]
    if absent:
        return "needs " + ", ".join(absent)
    if rule.any_of and not any(name in facts for name in rule.any_of):
        return "needs one of " + ", ".join(rule.any_of)
    present = [name for name in rule.none_of if name in facts]
    if present:
        return "not with " + ", ".join(present)
    return None


def _not_back_to_forwarder(rule: Rule, view: ComplaintView, ruleset: RuleSet) -> tuple[Rule, Hit | None]:
    """Never redirect a complaint to the body that just passed it on to us: that would loop."""
    if rule.action is not Action.REDIRECT or view.forwarded is None:
        return rule, None
    target = ruleset.bodies[rule.to]
    if view.message.sender == target.address:
        hit = Hit("not-back-to-forwarder", f"rule {rule.name} would send it back to {target.name}, which passed it "
                  "to us; opened here for staff to decide", kind="fact")
        return replace(rule, action=Action.NEW_CASE, to=None), hit
    return rule, None
