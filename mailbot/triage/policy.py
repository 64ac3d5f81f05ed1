"""The policy patterns of a rule set: identity, acting for someone else, completeness, reviews.

The logic that uses them lives in identity.py, completeness.py and review.py;
the words they look for are the administrators', in the `policy:` section.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from mailbot.triage.rule_patterns import RulePattern, compile_patterns

COMPLETENESS_ITEMS = ("what", "when", "who", "said-or-done", "witnesses", "injury-or-damage", "references")


@dataclass(frozen=True)
class Policy:
    """Compiled patterns; every field a tuple of case-insensitive patterns (rule_patterns.RulePattern)."""

    wishes_anonymity: tuple[RulePattern, ...] = ()
    not_a_person: tuple[RulePattern, ...] = ()       # words that make a name not a person's ("resident")
    sign_off_noise: tuple[RulePattern, ...] = ()     # lines to skip when looking for a sign-off
    acting_for_another: tuple[RulePattern, ...] = ()
    permission_enclosed: tuple[RulePattern, ...] = ()
    permission_not_enclosed: tuple[RulePattern, ...] = ()
    review_request: tuple[RulePattern, ...] = ()
    review_letter: tuple[RulePattern, ...] = ()      # words near the date of the outcome letter
    review_window_days: int = 28
    completeness: dict[str, tuple[RulePattern, ...]] = field(default_factory=dict)
    what_min_words: int = 25
    forward_cover_note_max_lines: int = 12

    def patterns(self) -> list[RulePattern]:
        """Every pattern of the policy: its lists and its completeness items."""
        return [*(pattern for key in _LISTS for pattern in getattr(self, key)),
                *(pattern for items in self.completeness.values() for pattern in items)]


_LISTS = ("wishes_anonymity", "not_a_person", "sign_off_noise", "acting_for_another", "permission_enclosed",
          "permission_not_enclosed", "review_request", "review_letter")
_NUMBERS = ("review_window_days", "what_min_words", "forward_cover_note_max_lines")


def load_policy(data: Any, where: str, problems: list[str], base: Policy = Policy()) -> Policy:
    """Compile the `policy:` section over `base` (the shared one): each key given replaces base's.

    Unknown keys and bad patterns are problems.
    """
    if not isinstance(data, dict):
        problems.append(f"{where}: policy: expected a mapping")
        return base
    line = getattr(data, "line", "?")
    values: dict[str, Any] = {}
    for key in sorted(set(data) - set(_LISTS) - set(_NUMBERS) - {"completeness"}):
        problems.append(f"{where}:{line}: policy.{key}: unknown key (known: {', '.join(_LISTS + _NUMBERS)}, completeness)")
    for key in _LISTS:
        if key in data:
            values[key] = compile_patterns(data[key], path=where, line=getattr(data[key], "line", line),
                                           what=f"policy.{key}", problems=problems)
    for key in _NUMBERS:
        if key in data:
            if isinstance(data[key], int) and not isinstance(data[key], bool) and data[key] >= 0:
                values[key] = data[key]
            else:
                problems.append(f"{where}:{line}: policy.{key}: expected a whole number, got {data[key]!r}")
    completeness = data.get("completeness", {})
    if completeness:
        items = {}
        for item, patterns in completeness.items():
            if item not in COMPLETENESS_ITEMS:
                problems.append(f"{where}:{getattr(completeness, 'line', line)}: policy.completeness.{item}: "
                                f"unknown item (known: {', '.join(COMPLETENESS_ITEMS)})")
                continue
            items[item] = compile_patterns(patterns, path=where, line=getattr(patterns, "line", line),
                                           what=f"policy.completeness.{item}", problems=problems)
        values["completeness"] = items
    return replace(base, **values)
