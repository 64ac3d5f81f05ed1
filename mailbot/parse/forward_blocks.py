"""Forwards written into the text: a marked "Forwarded message" block, or Outlook's header block.

Mail clients copy the original's headers into the body as lines of text
above the original text. Gmail and Thunderbird put a "Forwarded message"
line above them, Apple Mail "Begin forwarded message:"; Outlook writes only
`From:`, `Sent:`, `To:`, `Subject:` (sometimes under "-----Original
Message-----"), and writes the very same block above a quoted reply, so an
Outlook block alone does not prove a forward: `forwards` weighs that.

Lines quoted with ">" belong to a reply's quotation and never start a block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailbot import patterns

FORWARD_PREFIX = patterns.compile(r"^\s*(?:\[[^\]]*\]\s*)*(fwd?\s*:|fw\s*:)", ignore_case=True)

# linear (these two): anchored, and each quantifier is over a class disjoint from what follows it
_MARKED = re.compile(r"^(?:-{4,}\s*forwarded message\s*-{4,}|begin forwarded message:)$", re.IGNORECASE)
_ORIGINAL_MESSAGE = re.compile(r"^-{4,}\s*original message\s*-{4,}$", re.IGNORECASE)
_HEADER = patterns.compile(
    r"^\*?(from|sent|date|to|cc|bcc|subject|reply-to|importance|attachments)\*?\s*:\*?\s*(.*)$", ignore_case=True
)
_FROM_LINE = re.compile(r"^\*?from\*?\s*:", re.IGNORECASE)   # linear: anchored, no class repeated twice
_ADDRESS_LISTS = {"To", "Cc", "Bcc"}
_RULE = re.compile(r"^[-_=\s]+$")   # the separator lines Outlook draws above its block (linear: anchored, one class)


@dataclass(frozen=True)
class Block:
    """One forwarded header block: where it is in the text and the headers it copies."""

    layout: str                          # "gmail" (a marked block) | "outlook" (From/Sent/To/Subject)
    marker: str                          # the marker line as written; "" for a bare header block
    headers: tuple[tuple[str, str], ...]   # ("From", "Name <addr>"), ("Sent", ...) as written, in order
    start: int                           # index of its first line (the marker, else the From line)
    body_start: int                      # index of the original's first line

    def header(self, name: str) -> str:
        """The value of that header line in the block, or ""."""
        return next((value for key, value in self.headers if key.lower() == name.lower()), "")

    def is_forward(self) -> bool:
        """Whether the message this block copies was itself a forward (so its original lies deeper)."""
        return bool(FORWARD_PREFIX.match(self.header("Subject")))


@dataclass(frozen=True)
class InlineForward:
    """The text above the first block, the chain of blocks, and the original's text."""

    cover_note: str
    chain: tuple[Block, ...]   # outermost first; the last one is the original's
    text: str


def find_inline_forward(text: str) -> InlineForward | None:
    """The forwarded block chain in `text`, or None when it holds no unquoted block.

    With forwards of forwards ("FW: FW:") the original is the innermost
    block reached by descending while a block's own subject says it was a
    forward (or the next block is marked): the first message that a person
    wrote rather than passed on. Blocks below that one are the original's
    own quoted history and stay in its text.
    """
    lines = text.splitlines()
    first = _find_block(lines, 0)
    if first is None:
        return None
    chain = [first]
    while True:
        deeper = _find_block(lines, chain[-1].body_start)
        if deeper is None or not (chain[-1].is_forward() or deeper.layout == "gmail"):
            break
        chain.append(deeper)
    above = lines[:first.start]
    while above and (not above[-1].strip() or _RULE.match(above[-1])):
        above.pop()
    return InlineForward(
        cover_note="\n".join(above).strip(),
        chain=tuple(chain),
        text="\n".join(lines[chain[-1].body_start:]).strip(),
    )


def _find_block(lines: list[str], start: int) -> Block | None:
    for index in range(start, len(lines)):
        line = _clean(lines[index])
        marked = _MARKED.match(line)
        if marked or _ORIGINAL_MESSAGE.match(line):
            headers, body_start = _read_headers(lines, _skip_one_blank(lines, index + 1))
            if marked:   # the marker is the evidence: a block without headers still counts
                return Block("gmail", line, headers, index, body_start if headers else index + 1)
            if _names(headers) >= {"From"}:
                return Block("outlook", line, headers, index, body_start)
        elif _FROM_LINE.match(line):
            headers, body_start = _read_headers(lines, index)
            names = _names(headers)
            if "Subject" in names and names & {"Sent", "Date"}:
                return Block("outlook", "", headers, index, body_start)
    return None


def _read_headers(lines: list[str], index: int) -> tuple[tuple[tuple[str, str], ...], int]:
    """The header lines from `index` on, and the index of the first line after them."""
    headers: list[list[str]] = []
    while index < len(lines):
        line = _clean(lines[index])
        header = _HEADER.match(line)
        if header:
            name = header.group(1).title()
            if name in _names(headers):   # a second From: is the next block, not this one
                break
            headers.append([name, header.group(2).strip()])
        elif headers and headers[-1][0] in _ADDRESS_LISTS and line and ("@" in line or ";" in line):
            headers[-1][1] = f"{headers[-1][1]} {line}".strip()   # a long address list wraps
        else:
            break
        index += 1
    return tuple((name, value) for name, value in headers), index


def _skip_one_blank(lines: list[str], index: int) -> int:
    return index + 1 if index < len(lines) and not lines[index].strip() else index


def _names(headers) -> set[str]:
    return {name for name, _ in headers}


def _clean(line: str) -> str:
    return line.replace("\xa0", " ").strip()
