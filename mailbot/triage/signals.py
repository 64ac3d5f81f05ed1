"""Named signals: administrator-written patterns over parts of a complaint, and what they matched."""

from __future__ import annotations

from dataclasses import dataclass

from mailbot.triage.rule_patterns import RulePattern, ScreenedSearch

# Where a signal may look (rules/README.md). "text" is subject and body of the complaint itself:
# for a forwarded complaint that is the original, not the forwarder's cover note.
PLACES = ("text", "subject", "body", "sender", "attachments", "cover-note")

# What an administrator writes at the end of a signal's description when it only guesses (a role in other
# words, a crime in slang): the decision is then flagged as resting on a guess, and staff are asked to confirm.
PARAPHRASE = "(a paraphrase: please confirm)"


@dataclass(frozen=True)
class Signal:
    """A named set of patterns; it fires when any pattern matches and no `unless` pattern does."""

    name: str
    description: str
    places: tuple[str, ...]
    patterns: tuple[RulePattern, ...]
    unless: tuple[RulePattern, ...] = ()
    form_fields: tuple[str, ...] = ()   # IOPC-form labels whose answers are also read (lower-case)

    def match(self, view, search: ScreenedSearch | None = None) -> str | None:
        """The first matched text in `view` (a ComplaintView), or None.

        `search` runs one pattern (a rule set's `ScreenedSearch` skips those its screen rules out).
        """
        search = search or ScreenedSearch(None)
        for place in self.places:
            found = self._search(view.place(place), search)
            if found is not None:
                return found
        for label in self.form_fields:
            found = self._search(view.form_field(label), search)
            if found is not None:
                return found
        return None

    def _search(self, haystack: str, search) -> str | None:
        if not haystack:
            return None
        for pattern in self.patterns:
            hit = search(pattern, haystack)
            if hit and not any(guard.search(haystack) for guard in self.unless):
                return " ".join(hit.group(0).split())
        return None
