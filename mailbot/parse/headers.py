"""The header section of one message, decoded once and looked up by name.

Values are read from the parser's raw items rather than through
`policy.default`'s header objects: those re-parse on every access, and they
keep raw 8-bit bytes as lone surrogates in addresses. Here each value is
unfolded, its raw 8-bit bytes are read as UTF-8 (else windows-1252), and
RFC 2047 words are decoded by mail-parser, whose address parser is built for
hostile input.
"""

from __future__ import annotations

import re
from email.message import Message as MimeMessage

from mailparser.utils import decode_header_part, get_addresses

from mailbot.parse.text import storable

# linear (these four): fixed length, one class, or a class that stops at the next bracket
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_STRAY_BREAK = re.compile(r"[\r\n]+")
_MSG_ID = re.compile(r"<[^<>]*>")
_PATH = re.compile(r"<([^<>]*)>")


class Headers:
    """Every header in order, decoded, with lookups by case-insensitive name."""

    def __init__(self, mime: MimeMessage):
        self._raw: dict[str, list[str]] = {}
        self._decoded: dict[str, list[str]] = {}
        items = []
        for name, value in mime.raw_items():
            name = storable(_unfold(name)).strip()
            raw = storable(_unfold(str(value)))
            decoded = _decode_words(raw)
            items.append((name, decoded))
            key = name.lower()
            self._raw.setdefault(key, []).append(raw)
            self._decoded.setdefault(key, []).append(decoded)
        self.items: tuple[tuple[str, str], ...] = tuple(items)

    def __contains__(self, name: str) -> bool:
        return name.lower() in self._raw

    def first(self, name: str) -> str:
        """The first value of that header, decoded; "" when absent."""
        values = self._decoded.get(name.lower())
        return values[0] if values else ""

    def all(self, name: str) -> list[str]:
        """Every value of that header, decoded, in order."""
        return list(self._decoded.get(name.lower(), ()))

    def addresses(self, name: str) -> list[tuple[str, str]]:
        """(display name, lower-cased address) for every mailbox in every such header."""
        found = []
        for raw in self._raw.get(name.lower(), ()):
            for display, address in get_addresses(raw, decode_names=True):
                if address:
                    found.append((storable(display).strip(), storable(address).strip().lower()))
        return found

    def first_address(self, name: str) -> str:
        """The first address in that header, or ""."""
        found = self.addresses(name)
        return found[0][1] if found else ""

    def return_path(self) -> str | None:
        """The Return-Path address: None without the header, "" for the null path <>."""
        values = self._raw.get("return-path")
        if not values:
            return None
        # An SMTP reverse-path as the delivering server wrote it: <address>.
        path = _PATH.search(values[0])
        return (path.group(1) if path else values[0]).strip(" <>").lower()

    def message_ids(self, name: str) -> tuple[str, ...]:
        """The ids in that header, each with its angle brackets."""
        return message_ids(self.first(name))


def message_ids(value: str) -> tuple[str, ...]:
    """Ids written `<id>`; a bare `id@host` (some old clients) gets its brackets added."""
    bracketed = [token for token in _MSG_ID.findall(value) if len(token) > 2]
    if bracketed:
        return tuple(bracketed)
    return tuple(f"<{word}>" for word in value.split() if "@" in word)


def _unfold(value: str) -> str:
    """RFC 5322 unfolding: a line break before white space is not part of the value."""
    if "\n" not in value and "\r" not in value:
        return value
    return _STRAY_BREAK.sub(" ", _FOLD.sub("", value))


def _decode_words(value: str) -> str:
    """RFC 2047 encoded words decoded; other values as they are.

    A value already holding non-ASCII text came as raw 8-bit bytes, from a
    client that does not use encoded words; the stdlib decoder would mangle
    its non-ASCII characters, so it is left alone.
    """
    if "=?" in value and value.isascii():
        return storable(decode_header_part(value))
    return value.strip()
