"""Long bodies of leaf parts kept out of the stdlib parser: each becomes one placeholder line pointing into the raw bytes.

The parser holds every body it reads as a list of lines and then as one
string: a 20 MB attachment cost 57 MB to parse (though parse keeps only
its name, type and size), 20 MB of short lines 384 MB. What the parser
makes of a leaf part's body (a part whose type is neither multipart nor
message) depends on two things only: where it starts, after the part's
header block, and where it ends, at the next line that begins with "--"
(a boundary, or a line like one). So the body of a leaf part, up to the
last line before the next such line, can stand as one placeholder without changing the
tree the parser builds; `payload` reads the bytes it stands for from the
raw message, as far as it needs them. Whatever this module is unsure of
(no Content-Type, one it cannot read, a lone CR) it leaves to the parser.
The placeholder carries a marker drawn at random for each message, so no
sender can write one.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import re2

from mailbot.parse.limits import FEED_CHUNK_BYTES, MAX_PARTS

MIN_SET_ASIDE_BYTES = 2 * 1024
_MAX_HEADER_BLOCK_BYTES = 64 * 1024

# A header line as the stdlib's feedparser tells one (its headerRE), and a
# Content-Type value naming a leaf type: single character classes in sequence, linear.
_HEADER_LINE = re.compile(rb"From |[\x21-\x39\x3b-\x7e]*:|[\t ]")
_MIME_TYPE = re.compile(rb"[ \t]*([a-z0-9!#$&^_.+-]+)/[a-z0-9!#$&^_.+-]+[ \t]*(?:;|\r?\n|$)", re.I)   # .match only: each quantifier backs off once, linear
_STRUCTURED_TYPES = {b"multipart", b"message"}
_DELIVERY_STATUS = re.compile(rb"delivery-status", re.IGNORECASE)   # a literal: linear
# `boundary` = "quoted" or token, or boundary* (RFC 2231). White space only around the "=", then one
# character class per alternative: linear. The boundaries themselves are searched for with RE2.
_BOUNDARY_PARAMETER = re.compile(rb'boundary\s*([=*])\s*(?:"([^"\\\r\n]*)"|([^\s;"\\]+))?', re.IGNORECASE)
_PLAIN = re.compile(rb"[A-Za-z0-9'+_.-]*")   # characters every reading of a boundary keeps as they are
_MAX_BOUNDARIES = 100
_NO_BOUNDARY = object()
_DIGITS = "0123456789"


@dataclass(frozen=True)
class LongBodies:
    """The raw message, the spans of it set aside, and the marker of their placeholders."""

    raw: bytes
    spans: tuple[tuple[int, int], ...]
    marker: str

    def pieces(self, start: int) -> Iterator[bytes]:
        """`raw` from `start` on, in pieces of at most `FEED_CHUNK_BYTES`, each span a placeholder."""
        position = start
        with memoryview(self.raw) as view:
            for index, (span_start, span_end) in enumerate(self.spans):
                yield from _chunks(view, position, span_start)
                # A space ends the number (a digit may follow) and keeps the line from looking like a header.
                yield f"{self.marker}{index} ".encode()
                position = span_end
            yield from _chunks(view, position, len(self.raw))

    def expand(self, text: str) -> list[str | tuple[int, int]]:
        """`text` (a part's body) as pieces of text and (start, end) spans of `raw`, in order."""
        if not self.spans or self.marker not in text:
            return [text]
        pieces: list[str | tuple[int, int]] = []
        position = 0
        while (found := text.find(self.marker, position)) >= 0:
            digits_start = end = found + len(self.marker)
            while end < len(text) and text[end] in _DIGITS:
                end += 1
            index = int(text[digits_start:end] or -1)
            if 0 <= index < len(self.spans) and text[end:end + 1] == " ":
                pieces.append(text[position:found])
                pieces.append(self.spans[index])
                end += 1
            else:
                pieces.append(text[position:end])
            position = end
        pieces.append(text[position:])
        return pieces


def find_long_bodies(raw: bytes, *, head: bytes, rest: int) -> LongBodies:
    """The leaf bodies in `raw` worth setting aside.

    The parser reads `head` (the repaired header block, or b"" when `raw`
    needed no repair) and then `raw` from `rest` on.
    """
    spans: list[tuple[int, int]] = []
    top = _header_block(head, 0) if head else _header_block(raw, 0)
    if top is not None:
        body_start, content_types = top
        if head:
            body_start = rest if body_start == len(head) else -1
        if body_start < 0:
            pass
        elif all(_leaf_type(value) for value in content_types):   # none: text/plain at the top
            # A message that is one leaf part: everything after its header block is its body.
            body_end = _last_line(raw, body_start, len(raw))
            if body_end - body_start >= MIN_SET_ASIDE_BYTES:
                spans.append((body_start, body_end))
        elif raw.count(b"\r") == raw.count(b"\r\n") and not _DELIVERY_STATUS.search(raw, body_start):
            # A lone CR ends a line for the parser, not here. And the parser reads the body of a
            # message/delivery-status as header blocks, one after each blank line, wherever it is.
            spans.extend(_leaf_bodies(raw, body_start))
    return LongBodies(raw=raw, spans=tuple(spans), marker=f"mailbot-set-aside-{secrets.token_hex(8)}-")


def _leaf_bodies(raw: bytes, start: int) -> Iterator[tuple[int, int]]:
    """The long leaf bodies of a multipart's parts: after a boundary line and a leaf header block,
    up to the next boundary line."""
    boundaries = _boundary_lines(raw)
    if boundaries is _NO_BOUNDARY:   # no part can begin: the parser reads the multipart as one text
        return
    if boundaries is None:
        yield from _leaf_bodies_between_dashes(raw, start)
        return
    position, parts = start, 0
    while (found := boundaries.search(raw, position - 1)) is not None and parts < MAX_PARTS:
        parts += 1
        line_start = found.start() + 1
        line_end = raw.find(b"\n", line_start)
        block = _header_block(raw, line_end + 1) if line_end >= 0 else None
        position = line_start + 1
        # A part without a Content-Type is a message/rfc822 in a digest: only a named leaf type counts.
        if block is None or not block[1] or not all(_leaf_type(value) for value in block[1]):
            continue
        body_start = block[0]
        following = boundaries.search(raw, body_start - 1)
        body_end = _last_line(raw, body_start, len(raw) if following is None else following.start() + 1)
        if body_end - body_start >= MIN_SET_ASIDE_BYTES:
            yield body_start, body_end
        if following is None:
            return
        position = following.start() + 1


def _boundary_lines(raw: bytes):
    """An RE2 pattern of the lines that may be boundaries: "--" and a prefix of every boundary
    parameter in the message; None when one may be written in a way not read here.

    The parser takes a boundary only from a `boundary` parameter: quoted, the text between the
    quotes; else a token. Of either, its first characters of `_PLAIN` are kept as written by
    every reading. A prefix matches more lines than the boundary does: more lines end a body
    here than the parser ends, never fewer.
    """
    prefixes = set()
    for parameter in _BOUNDARY_PARAMETER.finditer(raw):
        quoted, token = parameter.group(2), parameter.group(3)
        if parameter.group(1) == b"*" or (quoted is None and token is None):   # RFC 2231, or unreadable
            return None
        value = quoted.rstrip() if quoted is not None else token
        if b"=?" in value:   # the parser decodes encoded words in quoted strings
            return None
        prefixes.add(_PLAIN.match(value).group())
        if len(prefixes) > _MAX_BOUNDARIES:
            return None
    if not prefixes:
        return _NO_BOUNDARY
    alternatives = b"|".join(re.escape(prefix) for prefix in sorted(prefixes))
    try:
        return re2.compile(b"\n--(?:" + alternatives + b")")
    except re2.error:
        return None


def _leaf_bodies_between_dashes(raw: bytes, start: int) -> Iterator[tuple[int, int]]:
    """`_leaf_bodies` for a message whose boundaries are not all plainly written: any line
    beginning with "--" may be one."""
    position = start
    while (dash := _dash_line(raw, position)) >= 0:
        # "--" lines closer together than the least worth setting aside: go on from the last of them.
        closer = raw.rfind(b"\n--", dash, dash + MIN_SET_ASIDE_BYTES)
        if closer >= dash:
            position = closer + 1
            continue
        position = dash + 1
        line_end = raw.find(b"\n", dash)
        if line_end < 0:
            continue
        block = _header_block(raw, line_end + 1)
        # A part without a Content-Type is a message/rfc822 in a digest: only a named leaf type counts.
        if block is None or not block[1] or not all(_leaf_type(value) for value in block[1]):
            continue
        body_start = block[0]
        next_dash = _dash_line(raw, body_start)
        body_end = _last_line(raw, body_start, len(raw) if next_dash < 0 else next_dash)
        if body_end - body_start >= MIN_SET_ASIDE_BYTES:
            yield body_start, body_end
        if next_dash < 0:
            return
        position = next_dash


def _last_line(raw: bytes, start: int, end: int) -> int:
    """Where the last line before `end` begins. It stays with the parser: whether its line break
    belongs to the body depends on what follows (RFC 2046 gives it to a boundary)."""
    return raw.rfind(b"\n", start, end - 1) + 1


def _dash_line(raw: bytes, position: int) -> int:
    """Where the first line that begins with "--" at or after `position` begins, or -1."""
    found = raw.find(b"\n--", position - 1)
    return found + 1 if found >= 0 else -1


def _header_block(data: bytes, start: int) -> tuple[int, list[bytes]] | None:
    """(where the body begins, its Content-Type values) for the header block at `start`.

    Read as the feedparser reads it: header lines until a blank line
    (dropped) or another line (the body's first). None when unsure.
    """
    position, content_types, current = start, [], None
    while position - start <= _MAX_HEADER_BLOCK_BYTES:
        end = data.find(b"\n", position)
        if end < 0:
            return None
        line = data[position:end + 1]
        if b"\r" in line[:-2]:   # a lone CR ends a line for the parser, not here
            return None
        if line in (b"\n", b"\r\n"):
            break
        if not _HEADER_LINE.match(line):
            end = position - 1
            break
        if line[:1] in (b" ", b"\t"):
            if current is not None:
                content_types[current] += line
        else:
            name, _, value = line.partition(b":")
            current = None
            if name.strip().lower() == b"content-type":
                current = len(content_types)
                content_types.append(value)
        position = end + 1
    else:
        return None
    return end + 1, content_types


def _leaf_type(value: bytes) -> bool:
    """Whether a Content-Type value plainly names a type that is neither multipart nor message."""
    found = _MIME_TYPE.match(value)
    return found is not None and found.group(1).lower() not in _STRUCTURED_TYPES


def _chunks(view: memoryview, start: int, end: int) -> Iterator[bytes]:
    for position in range(start, end, FEED_CHUNK_BYTES):
        yield bytes(view[position:min(end, position + FEED_CHUNK_BYTES)])


_CURRENT: ContextVar[LongBodies | None] = ContextVar("mailbot_parse_long_bodies", default=None)


@contextmanager
def reading(bodies: LongBodies) -> Iterator[None]:
    """Let `payload` find the bodies set aside while this message is read."""
    token = _CURRENT.set(bodies)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def current() -> LongBodies | None:
    """The bodies set aside from the message being read, if any."""
    return _CURRENT.get()
