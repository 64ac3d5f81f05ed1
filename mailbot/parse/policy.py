"""The `email` policy parse reads with: `policy.default`, remembering parsed headers, within bounds.

`policy.default` parses a header again on every access, and the parser and
`get_body` ask for each part's Content-Type many times over; that repeated
work was two thirds of parse's time. Header objects are immutable, so a
cache keyed by (name, value) is safe to share between messages. Two
bounds keep it from costing memory or time:

- the cache is bounded by the characters it holds, not by entries, and
  never holds a long value (4,096 entries of 1 MB parameters once kept
  41 MB after ten messages);
- the stdlib's structured parser, which costs up to ~10 µs a character on
  hostile values, reads a bounded prefix of each value and a bounded
  amount per message (`limits.MAX_MIME_HEADER_CHARS`,
  `limits.MIME_HEADER_BUDGET_CHARS`). A cut value loses only trailing
  parameters; the raw header stays in `Message.headers`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from email import policy
from email.headerregistry import BaseHeader, HeaderRegistry

from mailbot.parse.limits import MAX_MIME_HEADER_CHARS, MIME_HEADER_BUDGET_CHARS, MIME_HEADER_CHARS_PAST_BUDGET

CACHE_CHARS = 256 * 1024        # characters of (name, value) the cache holds in all
CACHED_VALUE_CHARS = 1024       # longer values are parsed every time, never kept
CACHE_ENTRIES = 4096


@dataclass
class HeaderBudget:
    """What is left of one message's allowance of structured header parsing, and whether a value was cut."""

    remaining: int = MIME_HEADER_BUDGET_CHARS
    cut: bool = False


_BUDGET: ContextVar[HeaderBudget | None] = ContextVar("mailbot_parse_header_budget", default=None)


@contextmanager
def header_budget() -> Iterator[HeaderBudget]:
    """Parse one message within its own budget of structured header characters."""
    budget = HeaderBudget()
    token = _BUDGET.set(budget)
    try:
        yield budget
    finally:
        _BUDGET.reset(token)


class _RememberingRegistry(HeaderRegistry):
    """A header factory that parses each distinct short (name, value) once, and long ones only in part."""

    def __init__(self) -> None:
        super().__init__()
        self._cache: OrderedDict[tuple[str, str], BaseHeader] = OrderedDict()
        self._cached_chars = 0
        self._lock = threading.Lock()

    def __call__(self, name: str, value: str) -> BaseHeader:
        key = (name, value)
        with self._lock:
            header = self._cache.get(key)
            if header is not None:
                self._cache.move_to_end(key)
                return header
        bounded = _within_budget(value)
        try:
            header = super().__call__(name, bounded)
        except RecursionError:
            # The stdlib reads nested comments by recursion: "((((..." goes too deep.
            # What comes before the first comment is the value that matters.
            bounded = bounded.partition("(")[0]
            header = super().__call__(name, bounded)
        if bounded is value and len(value) <= CACHED_VALUE_CHARS:
            self._remember(key, header)
        return header

    def _remember(self, key: tuple[str, str], header: BaseHeader) -> None:
        with self._lock:
            if key in self._cache:
                return
            self._cache[key] = header
            self._cached_chars += len(key[0]) + len(key[1])
            while self._cached_chars > CACHE_CHARS or len(self._cache) > CACHE_ENTRIES:
                (name, value), _ = self._cache.popitem(last=False)
                self._cached_chars -= len(name) + len(value)

    @property
    def cached_chars(self) -> int:
        """How many characters of header names and values the cache holds now."""
        return self._cached_chars


def _within_budget(value: str) -> str:
    """The part of `value` the structured parser may read, charged to the message's budget."""
    budget = _BUDGET.get()
    limit = MAX_MIME_HEADER_CHARS
    if budget is not None:
        if budget.remaining <= 0:
            limit = MIME_HEADER_CHARS_PAST_BUDGET
        budget.remaining -= min(len(value), limit)
    if len(value) <= limit:
        return value
    if budget is not None:
        budget.cut = True
    return value[:limit]


HEADER_FACTORY = _RememberingRegistry()
PARSE_POLICY = policy.default.clone(header_factory=HEADER_FACTORY)
