"""Why a case went the way it did, in plain words for the people who read our mail.

Triage's reasons name rules, signals and the policy documents they come
from: right for `--explain` and the event log, wrong in a letter. What a
letter may say is built here from the decision, never from those names:
the administrator's `explanation`, a sentence of our own for each fact,
and the words of the message that decided it.
"""

from __future__ import annotations

from mailbot.triage import Body, Decision
from mailbot.triage.signals import PARAPHRASE

_MATCHED_LIMIT = 80

# A sentence for each fact triage works out for itself; facts not listed here are not put into words.
_FACTS = {
    "anonymous": "no name was given that we could write back to, or the writer asked not to be named",
    "third-party": "it is written on behalf of someone else",
    "permission-enclosed": "the written permission of the person it concerns seems to be attached",
    "review-request": "it asks for a review of the outcome of a complaint",
    "not-forwarded": "it contains what looks like a forwarded message, but was read as the sender's own email",
    "internal-transfer": "it arrived in another mailbox watched here and belongs to this body, so it was moved here",
    "not-back-to-forwarder": "it would belong to the body that passed it to us, so it was opened here for staff "
                             "to decide rather than sent back",
    "automatic": "it looks like mail sent by a machine",
    "own-mail": "it looks like our own mail coming back",
}


def plain_reasons(decision: Decision, body: Body, *, forwarder_listed: bool) -> list[str]:
    """The grounds of `decision` as sentences staff can read: no rule or signal names, no policy references."""
    reasons = []
    if decision.explanation:
        reasons.append(" ".join(decision.explanation.split()))
    matched = []
    for hit in decision.grounds:
        if hit.kind == "signal" and hit.matched:
            words = hit.matched if len(hit.matched) <= _MATCHED_LIMIT else hit.matched[:_MATCHED_LIMIT] + "…"
            matched.append(f"“{words}”")
            if PARAPHRASE in hit.reason:
                guess = " ".join(hit.reason.replace(PARAPHRASE, "").split())
                reasons.append(f"“{words}” was read as meaning that {guess}: a guess from other words, "
                               "please confirm it (#transfer sends the case where it belongs)")
        elif hit.rule == "forwarded" and decision.forwarded_by:
            reasons.append(_forwarded(decision.forwarded_by, listed=forwarder_listed))
        elif hit.rule == "named-complainant-required":
            reasons.append(f"the {body.name} cannot deal with anonymous complaints")
        elif hit.rule in _FACTS:
            reasons.append(_FACTS[hit.rule])
    if matched:
        reasons.append("it says " + ", ".join(dict.fromkeys(matched)))
    if "name-guessed" in decision.flags:
        reasons.append(f"the complainant's name, {decision.complainant_name}, is a guess from how the email is "
                       "signed: please check it before writing to them by name")
    return reasons


def _forwarded(forwarded_by: dict, *, listed: bool) -> str:
    who = forwarded_by.get("address") or "someone"
    if listed:
        return f"it was passed on to us by {who}; the complainant is the person named in it"
    return (f"it was forwarded by {who}, who is not one of the organisations known to pass complaints on; "
            "the complainant is taken to be the person named in it")
