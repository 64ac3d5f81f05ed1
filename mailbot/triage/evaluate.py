"""The triage interpreter: work out the facts, match the signals, run the ordered rules, say why."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from mailbot.parse.message import Message
from mailbot.triage.completeness import missing_items
from mailbot.triage import conversation
from mailbot.triage.decision import Action, CaseChange, Decision, Hit
from mailbot.triage.form_answers import still_missing
from mailbot.triage.known import Known
from mailbot.triage.letters import new_case_letters
from mailbot.triage.identity import Identity, identify
from mailbot.triage.review import is_review_request, review_record
from mailbot.triage.ruleset import Body, Rule, RuleSet
from mailbot.triage.rule_patterns import ScreenedSearch
from mailbot.triage.signals import PARAPHRASE
from mailbot.triage.view import ComplaintView, complaint_view


def evaluate(message: Message, mailbox: str, ruleset: RuleSet, known: Known = Known()) -> Decision:
    """Decide what to do with `message` received by `mailbox`, and every letter that goes. Pure: no I/O, no clock.

    The steps, each traced: mail on a case that exists (a reply, staff's
    reply or commands, a forged staff reply) is decided by `conversation`;
    new mail goes through the rule chain; a redirect to a body this
    installation watches becomes an internal transfer, decided again by that
    mailbox's rules; then the letters.
    """
    on_case = conversation.decide(message, mailbox, ruleset, known)
    if on_case is not None:
        return on_case
    decision = _rule_chain(message, mailbox, ruleset, known)
    decision = _transfer_inside(message, decision, ruleset, known)
    if decision.action in (Action.IGNORE, Action.QUARANTINE):
        return decision
    transferred = decision.mailbox != mailbox
    letters = new_case_letters(action=decision.action, template=decision.template,
                               complainant=decision.complainant_email, message=message,
                               forwarded=decision.forwarded_by is not None, redirected_to=decision.redirected_to,
                               transferred=transferred, mailbox=known.mailbox(decision.mailbox), ruleset=ruleset,
                               known=known)
    change = CaseChange(opens=True, status=_STATUS[decision.action],
                        starts=ruleset.bodies[decision.body].opening_deadlines if decision.action is Action.NEW_CASE
                        else ())
    return replace(decision, letters=letters, change=change,
                   trace=(*decision.trace, *(f"letter: {letter}" for letter in letters)))


_STATUS = {
    Action.NEW_CASE: "open",
    Action.REQUEST_DETAILS: "awaiting-details",
    Action.REDIRECT: "redirected",
    Action.SIGNPOST: "closed",
}


def _rule_chain(message: Message, mailbox: str, ruleset: RuleSet, known: Known) -> Decision:
    """The facts, the signals and the first rule that fires, with why each rule did or did not."""
    body = ruleset.body_of(mailbox)
    view = complaint_view(message, ruleset, known.own_addresses)
    search = ScreenedSearch(ruleset.screen)   # one pass over each text for every pattern of the rule set at once
    identity = identify(view, ruleset.policy, search)
    facts = _facts(message, view, identity, body, known, ruleset, search)
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
        missing=tuple(still_missing(missing_items(view, ruleset.policy, search), view.forwarded)), review=review,
        signpost=decided.signpost, signpost_to=decided.signpost_to, needs=decided.needs,
        explanation=decided.explanation, template=decided.template, forwarded_by=forwarded_by, trace=tuple(trace),
        grounds=grounds, mailbox=mailbox, flags=_doubts(identity, grounds),
    )


def _doubts(identity: Identity, grounds: tuple[Hit, ...]) -> tuple[str, ...]:
    """What the decision rests on that is only a guess, for staff to confirm: "name-guessed", "paraphrase:SIGNAL"."""
    doubts = ["name-guessed"] if identity.name_guessed and not identity.anonymous else []
    doubts += [f"paraphrase:{hit.rule}" for hit in grounds if hit.kind == "signal" and PARAPHRASE in hit.reason]
    return tuple(doubts)


def _facts(message: Message, view: ComplaintView, identity: Identity, body: Body, known: Known,
           ruleset: RuleSet, search: ScreenedSearch) -> dict[str, tuple[str, str, str]]:
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
    else:   # shown always, with the words it rests on: a name guessed from a sign-off says so
        facts["named"] = (f"the complainant is {identity.name}", "; ".join(identity.evidence), "fact")
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
        matched = signal.match(view, search)
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


def _transfer_inside(message: Message, decision: Decision, ruleset: RuleSet, known: Known) -> Decision:
    """A redirect to a body whose mailbox this installation watches is an internal transfer: no mail to it.

    The message is decided again as if it had arrived in that mailbox (its
    own rules decide: a name may be needed there), once: a decision to send
    it back opens the case there instead.
    """
    if decision.action is not Action.REDIRECT:
        return decision
    target = ruleset.mailbox_of(decision.redirected_to)
    if target is None or known.mailbox(target) is None:
        return decision
    moved = Hit("internal-transfer", f"rule {decision.rule} sends it to {decision.redirected_to}, watched here as "
                                     f"{target}: the case moves there and no mail goes to it", kind="fact")
    again = _rule_chain(message, target, ruleset, known)
    if again.action is Action.REDIRECT and again.redirected_to == decision.body:
        again = replace(again, action=Action.NEW_CASE, redirected_to=None)
    trace = (*decision.trace, f"internal-transfer: FIRES -> decided again in mailbox {target}", *again.trace)
    return replace(again, hits=(moved, *decision.hits, *again.hits), grounds=(moved, *again.grounds), trace=trace)
