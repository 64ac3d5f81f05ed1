"""An administrator's pattern: matched case-insensitively in linear time, and not after the words it names.

Rule patterns read text a stranger wrote, so they are compiled by
`mailbot.patterns` (RE2): no look-around, no backreferences. What a
look-behind said ("complain, but not after `not `") is said with
`not_after` (rules/README.md, "Patterns").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailbot import patterns
from mailbot.errors import PatternError

# How far back `not_after` reads: the characters just before a match. Bounded so that
# checking every match costs a constant, and the whole search stays linear.
NOT_AFTER_WINDOW = 40

# What to write instead of a construct linear-time matching cannot do.
_INSTEAD = {
    "look-behind": "use not_after (rules/README.md)",
    "look-ahead": "match the words that follow as part of the pattern, or use unless (rules/README.md)",
    "backreference": "write the repeated text out",
}
_KEYS = ("pattern", "not_after")


@dataclass(frozen=True)
class RulePattern:
    """One pattern as written; a match right after one of its `not_after` patterns does not count."""

    text: str
    compiled: patterns.Pattern
    not_after: tuple[patterns.Pattern, ...] = ()

    def search(self, haystack: str):
        """The first match (as `re.search` gives it) not preceded by a `not_after` pattern, or None."""
        if not self.not_after:
            return self.compiled.search(haystack)
        for hit in self.compiled.finditer(haystack):
            before = haystack[max(0, hit.start() - NOT_AFTER_WINDOW):hit.start()]
            if not any(guard.search(before) for guard in self.not_after):
                return hit
        return None


class Screen:
    """All of a rule set's signal patterns in one RE2 set: one pass over a text tells which of them can match.

    Most patterns never match most mail; screened, they are never run one by
    one. The screen is built once per rule set and shared; `ScreenedSearch`
    keeps what one evaluation has screened.
    """

    def __init__(self, members: list[RulePattern]):
        unique = list({id(member): member for member in members}.values())
        self._slots = {id(member): slot for slot, member in enumerate(unique)}
        self._members = unique                 # kept alive: the slots are keyed by identity
        self._set = patterns.PatternSet([member.compiled for member in unique])

    def slot(self, member: RulePattern) -> int | None:
        return self._slots.get(id(member))

    def matching(self, text: str) -> frozenset[int]:
        return self._set.matching(text)


class ScreenedSearch:
    """One evaluation's searches: each text is screened once, and only patterns the screen allows are run."""

    def __init__(self, screen: Screen | None):
        self._screen = screen
        self._screened: dict[str, frozenset[int]] = {}

    def __call__(self, member: RulePattern, haystack: str):
        """`member.search(haystack)`, or None at once when the screen says it matches nowhere in `haystack`."""
        slot = self._screen.slot(member) if self._screen is not None else None
        if slot is not None:
            possible = self._screened.get(haystack)
            if possible is None:
                possible = self._screened[haystack] = self._screen.matching(haystack)
            if slot not in possible:
                return None
        return member.search(haystack)


def compile_patterns(entries: Any, *, path: Path | str, line: Any, what: str,
                     problems: list[str]) -> tuple[RulePattern, ...]:
    """Compile a list of patterns (each a string, or `{pattern, not_after}`).

    Every mistake is added to `problems` as "FILE:LINE: WHAT: ...", with the
    line of the pattern itself where YAML gives it.
    """
    if isinstance(entries, str):
        entries = [entries]
    if not isinstance(entries, list):
        problems.append(f"{path}:{line}: {what}: expected a list of regular expressions")
        return ()
    lines = getattr(entries, "lines", ())
    compiled = []
    for index, entry in enumerate(entries):
        at = f"{path}:{lines[index] if index < len(lines) else line}: {what}"
        if isinstance(entry, dict):
            found = _with_not_after(entry, at, problems)
        else:
            pattern = _compile(str(entry), at, problems)
            found = RulePattern(str(entry), pattern) if pattern else None
        if found is not None:
            compiled.append(found)
    return tuple(compiled)


def _with_not_after(entry: dict, at: str, problems: list[str]) -> RulePattern | None:
    for key in sorted(set(entry) - set(_KEYS)):
        problems.append(f"{at}: {key}: unknown key (known: {', '.join(_KEYS)})")
    if "pattern" not in entry:
        problems.append(f"{at}: expected a pattern: {{pattern: '...', not_after: ['...']}}")
        return None
    text = str(entry["pattern"])
    pattern = _compile(text, at, problems)
    guards = entry.get("not_after") or []
    guards = [guards] if isinstance(guards, str) else guards
    if not isinstance(guards, list):
        problems.append(f"{at}: not_after: expected a list of regular expressions")
        return None
    compiled_guards = [_compile(str(guard), f"{at}: not_after", problems, ends_before_match=True) for guard in guards]
    if pattern is None or None in compiled_guards:
        return None
    return RulePattern(text, pattern, tuple(compiled_guards))


def _compile(text: str, at: str, problems: list[str], *, ends_before_match: bool = False) -> patterns.Pattern | None:
    try:
        return patterns.compile(f"(?:{text})\\Z" if ends_before_match else text, ignore_case=True, multiline=True)
    except PatternError as error:
        instead = _INSTEAD.get(error.construct)
        problems.append(f"{at}: pattern {text!r}: {error}" + (f": {instead}" if instead else ""))
        return None
