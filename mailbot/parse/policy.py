"""The `email` policy parse reads with: `policy.default`, remembering parsed headers.

`policy.default` parses a header again on every access, and the parser and
`get_body` ask for each part's Content-Type many times over; that repeated
work was two thirds of parse's time. Header objects are immutable, so a
bounded cache keyed by (name, value) is safe to share between messages.
"""

from __future__ import annotations

from functools import lru_cache
from email import policy
from email.headerregistry import BaseHeader, HeaderRegistry


class _RememberingRegistry(HeaderRegistry):
    """A header factory that parses each distinct (name, value) once."""

    def __init__(self) -> None:
        super().__init__()
        self._parse = lru_cache(maxsize=4096)(super().__call__)

    def __call__(self, name: str, value: str) -> BaseHeader:
        return self._parse(name, value)


PARSE_POLICY = policy.default.clone(header_factory=_RememberingRegistry())
