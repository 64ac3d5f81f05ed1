"""What a complaint should contain (seed 002), and which of those items this one seems to lack."""

from __future__ import annotations

from mailbot.triage.policy import COMPLETENESS_ITEMS, Policy
from mailbot.triage.rule_patterns import ScreenedSearch
from mailbot.triage.view import ComplaintView


def missing_items(view: ComplaintView, policy: Policy, search: ScreenedSearch | None = None) -> tuple[str, ...]:
    """The completeness items with no sign in the complaint, in the seed's order.

    "what" is judged by length (a complaint of a line or two says little of
    what happened); the others by the policy's patterns. An item without
    patterns in the rule set is not checked.
    """
    text = view.full_text
    search = search or ScreenedSearch(None)
    missing = []
    for item in COMPLETENESS_ITEMS:
        if item == "what":
            if len(view.body.split()) < policy.what_min_words:
                missing.append(item)
            continue
        patterns = policy.completeness.get(item)
        if patterns and not any(search(pattern, text) for pattern in patterns):
            missing.append(item)
    return tuple(missing)
