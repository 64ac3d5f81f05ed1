"""The header block of the raw bytes, repaired where bad clients and gateways broke it.

The stdlib parser ends the header block at the first line that is not a
header line, and reads everything from there on as the body. Two damages
seen in real mail make it do that too early:

- lines above the headers: an mbox `From ` line, a `>From ` line, a blank
  line, or a banner that a gateway wrote above the message. Up to
  `MAX_BANNER_LINES` such lines are skipped when a header block with a
  header every message has (From, Date, Received ...) follows them.
- a folded header whose continuation lost its leading white space
  (`Subject: a long subject broken`, newline, `by a bad client`). A line
  that cannot be a header line (no `name:` at its start) is joined to the
  header above it when header lines go on below it: then the header block
  has not ended. A run of more than `MAX_LOST_FOLDS` such lines, or one
  followed by the blank line, is left alone: that is a body that lost its
  blank line, which the stdlib parser already reads.
"""

from __future__ import annotations

import re

MAX_BANNER_LINES = 5
MAX_LOST_FOLDS = 3
MAX_HEAD_BYTES = 1024 * 1024   # how far the header block is looked at; past it the parser reads as it is

# A field name and its colon, as the stdlib parser recognises header lines: one character class, linear.
_HEADER_LINE = re.compile(rb"[\x21-\x39\x3b-\x7e]+:")
_EVERY_MESSAGE_HAS = {
    b"from", b"to", b"subject", b"date", b"received", b"return-path", b"message-id", b"mime-version",
    b"delivered-to", b"sender", b"reply-to", b"cc",
}


def repaired_head(raw: bytes) -> tuple[bytes, int, list[str]]:
    """(the header block repaired, where in `raw` the rest begins, the repairs in words).

    The repaired block ends with the blank line that ends it, when there is
    one. When nothing needs repair: (b"", 0, []), and the parser reads `raw`
    as it is.
    """
    lines = _head_lines(raw)
    start = _after_banner(lines)
    repairs = [f"{start} line(s) before the headers skipped"] if start else []
    kept = lines[start:]
    joined = _join_lost_folds(kept)
    if joined:
        repairs.append("header continuation line(s) without indentation joined to their header")
    if not repairs:
        return b"", 0, []
    end = sum(len(line) for line in lines)
    return b"".join(kept), end, repairs


def _head_lines(raw: bytes) -> list[bytes]:
    """The lines at the top, with their line ends, up to and including the blank line after a header line."""
    lines = []
    position = 0
    seen_header = False
    limit = min(len(raw), MAX_HEAD_BYTES)
    while position < limit:
        end = raw.find(b"\n", position, limit)
        end = limit if end < 0 else end + 1
        line = raw[position:end]
        lines.append(line)
        position = end
        if not line.strip():
            if seen_header:   # the blank line that ends the header block
                break
        elif _is_header(line):
            seen_header = True
        elif not seen_header and len(lines) > MAX_BANNER_LINES:
            break   # no header block near the top: nothing to repair
    return lines


def _is_header(line: bytes) -> bool:
    return _HEADER_LINE.match(line) is not None


def _is_continuation(line: bytes) -> bool:
    return line[:1] in (b" ", b"\t") and bool(line.strip())


def _after_banner(lines: list[bytes]) -> int:
    """How many lines at the top to skip: 0 unless a real header block follows them."""
    if lines and _is_header(lines[0]):
        return 0
    for start in range(1, min(len(lines), MAX_BANNER_LINES + 1)):
        if _is_header(lines[start]):
            return start if _real_headers_from(lines, start) else 0
    return 0


def _real_headers_from(lines: list[bytes], start: int) -> bool:
    for line in lines[start:]:
        if not line.strip():
            return False
        if _is_header(line) and bytes(line.split(b":", 1)[0].strip().lower()) in _EVERY_MESSAGE_HAS:
            return True
    return False


def _join_lost_folds(lines: list[bytes]) -> bool:
    """Indent, in place, each run of lines that cannot be header lines but sit inside the block."""
    joined = False
    index = 1
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            break
        if _is_header(line) or _is_continuation(line) or line.startswith(b"From "):
            index += 1
            continue
        run_end = index
        while run_end < len(lines) and run_end - index <= MAX_LOST_FOLDS and _orphan(lines[run_end]):
            run_end += 1
        if run_end - index > MAX_LOST_FOLDS or run_end >= len(lines) or not _is_header(lines[run_end]):
            break   # the body began without its blank line
        for orphan in range(index, run_end):
            lines[orphan] = b" " + lines[orphan]
        joined = True
        index = run_end
    return joined


def _orphan(line: bytes) -> bool:
    return bool(line.strip()) and not _is_header(line) and not _is_continuation(line)
