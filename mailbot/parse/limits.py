"""How much of one message parse reads at most, so that no message can stall it or flood memory.

Each limit is far above what a person's mail needs (a complaint, a
forward with attachments, a long thread) and low enough that the worst
message intake lets through (25 MB by default)
parses in a few seconds and a few tens of megabytes. Whatever a limit
cuts off is named in `Message.defects`; the raw bytes stay in the record.
"""

from __future__ import annotations

FEED_CHUNK_BYTES = 64 * 1024
"""The parser is fed this much at a time, so it never holds a second copy of the whole message."""

MAX_PARTS = 1_000
"""MIME parts read; the parser stops there (a real message has tens, a hostile one hundreds of thousands)."""

MAX_HEADER_FIELDS = 2_000
"""Header fields read per message or part: a real message has under a hundred (thirty of them Received)."""

MAX_HEADER_CHARS = 65_536
"""Characters of one header value kept and decoded; the rest is dropped. RFC 5322 lines stop at 998."""

MAX_REFERENCES = 500
"""Message-IDs kept from References: the first (the thread's root) and the latest ones, as mail clients trim."""

MAX_MIME_HEADER_CHARS = 2_048
"""Characters of one Content-Type or Content-Disposition value that the stdlib's structured parser reads.

That parser costs up to ~10 µs a character on hostile values (`;;;;`),
so it reads at most this much of each value ...
"""

MIME_HEADER_BUDGET_CHARS = 200_000
"""... and at most this much in all per message (about two seconds at worst); past it, only the
first `MIME_HEADER_CHARS_PAST_BUDGET` characters of each value."""

MIME_HEADER_CHARS_PAST_BUDGET = 160

MAX_TEXT_PART_BYTES = 2 * 1024 * 1024
"""Decoded bytes of one text/plain part that are read as text."""

MAX_TEXT_CHARS = 1_000_000
"""Characters of body text per message (some 300 pages); text parts past it are not read."""

MAX_HTML_BYTES = 1024 * 1024
"""Decoded bytes of HTML read per message: reducing HTML to text costs ~27 bytes of memory per byte."""
