"""Named signals: administrator-written patterns over parts of a complaint, and what they matched."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Where a signal may look (rules/README.md). "text" is subject and body of the complaint itself:
# for a forwarded complaint that is the original, not the forwarder's cover note.
PLACES = ("text", "subject", "body", "sender", "attachments", "cover-note")


@dataclass(frozen=True)
class Signal:
    """A named set of patterns; it fires when any pattern matches and no `unless` pattern does."""

    name: str
    description: str
    places: tuple[str, ...]
    patterns: tuple[re.Pattern, ...]
    unless: tuple[re.Pattern, ...] = ()
    form_fields: tuple[str, ...] = ()   # IOPC-form labels whose answers are also read (lower-case)

    def match(self, view) -> str | None:
        """The first matched text in `view` (a ComplaintView), or None."""
        for place in self.places:
            found = self._search(view.place(place))
            if found is not None:
                return found
        for label in self.form_fields:
            found = self._search(view.form_field(label))
            if found is not None:
                return found
        return None

    def _search(self, haystack: str) -> str | None:
        if not haystack:
            return None
        for pattern in self.patterns:
            hit = pattern.search(haystack)
            if hit and not any(guard.search(haystack) for guard in self.unless):
                return " ".join(hit.group(0).split())
        return None


def compile_patterns(patterns, where: str, problems: list[str]) -> tuple[re.Pattern, ...]:
    """Compile a list of regular expressions (case-insensitive), reporting each that does not compile."""
    if isinstance(patterns, str):
        patterns = [patterns]
    if not isinstance(patterns, list):
        problems.append(f"{where}: expected a list of regular expressions")
        return ()
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(str(pattern), re.IGNORECASE | re.MULTILINE))
        except re.error as error:
            problems.append(f"{where}: pattern {pattern!r} does not compile: {error}")
    return tuple(compiled)
