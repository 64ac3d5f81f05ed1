"""The header section of one message, decoded once and looked up by name.

Values are read from the parser's raw items rather than through
`policy.default`'s header objects: those re-parse on every access, and they
keep raw 8-bit bytes as lone surrogates in addresses. Here each value is
cut to `limits.MAX_HEADER_CHARS`, unfolded, its raw 8-bit bytes are read as
UTF-8 (else windows-1252), its RFC 2047 words decoded (`encoded_words`),
and it is made one line: a header value never holds a line break or
another control character, so none can reach a header we write. Addresses
are found by mail-parser, whose address parser is built for hostile
input, and their display names decoded after it has found them.
"""

from __future__ import annotations

import re
from email.message import Message as MimeMessage

from mailparser.utils import get_addresses

from mailbot.parse.encoded_words import decode_words
from mailbot.parse.limits import MAX_HEADER_CHARS, MAX_HEADER_FIELDS, MAX_REFERENCES
from mailbot.parse.text import storable

# linear (these four): fixed length, one class, or a class that stops at the next bracket
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_STRAY_BREAK = re.compile(r"[\r\n]+")
_MSG_ID = re.compile(r"<[^<>]*>")
_PATH = re.compile(r"<([^<>]*)>")
# An address whose domain ends in a dot (`jane@example.org.>`), which the address parser refuses
# whole. The domain's characters exclude "@", white space and the delimiters, so each "@" starts
# one scan that stops at the next delimiter: linear.
_TRAILING_DOT = re.compile(r"(@[^\s<>@,;:\"()\[\]]+?)\.([ \t]*(?:>|,|;|\(|$))")
# C0 and C1 controls, DEL, and the Unicode line and paragraph separators: never part of one line.
_NOT_ONE_LINE = dict.fromkeys([*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029], " ")
_NOT_IN_ADDRESS = dict.fromkeys([*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029])


class Headers:
    """Every header in order, decoded, with lookups by case-insensitive name."""

    def __init__(self, mime: MimeMessage):
        self._raw: dict[str, list[str]] = {}
        self._decoded: dict[str, list[str]] = {}
        self.repairs: list[str] = []   # what was cut or repaired to read them, in words
        items = []
        fields = mime.raw_items()
        for count, (name, value) in enumerate(fields):
            if count == MAX_HEADER_FIELDS:
                self.repairs.append(f"more than {MAX_HEADER_FIELDS:,} header fields: the rest not read")
                break
            name = one_line(storable(_unfold(name[:MAX_HEADER_CHARS]))).strip()
            value = str(value)
            if len(value) > MAX_HEADER_CHARS:
                self.repairs.append(f"header {name} longer than {MAX_HEADER_CHARS:,} characters: the rest dropped")
                value = value[:MAX_HEADER_CHARS]
                # At the last white space, so that no encoded word or address is cut in two.
                space = max(value.rfind(" "), value.rfind("\t"))
                value = value[:space] if space > 0 else value
            raw = storable(_unfold(value))
            decoded, repairs = decode_words(raw)
            self.repairs.extend(f"header {name}: {repair}" for repair in repairs)
            items.append((name, one_line(decoded).strip()))
            key = name.lower()
            self._raw.setdefault(key, []).append(raw)
            self._decoded.setdefault(key, []).append(items[-1][1])
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
        """(display name, lower-cased address) for every mailbox in every such header.

        Names are decoded after the address parser has found them, so a
        comma or bracket inside an encoded name cannot split a mailbox.
        """
        found = []
        for raw in self._raw.get(name.lower(), ()):
            repaired, dots = _TRAILING_DOT.subn(r"\1\2", raw)
            if dots:
                self.repairs.append(f"header {name}: trailing dot removed from an address")
            for display, address in get_addresses(repaired):
                address = bare_address(address)
                if address:
                    display_name, _ = decode_words(storable(display))
                    found.append((one_line(display_name).strip(), address))
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
        return bare_address((path.group(1) if path else values[0]).strip(" <>"))

    def message_ids(self, name: str) -> tuple[str, ...]:
        """The ids in the first such header, each with its angle brackets (never encoded: read raw)."""
        values = self._raw.get(name.lower())
        return message_ids(values[0]) if values else ()

    def references(self) -> tuple[str, ...]:
        """The ids in References, the first (the thread's root) and the latest if there are too many."""
        ids = self.message_ids("References")
        if len(ids) > MAX_REFERENCES:
            self.repairs.append(f"more than {MAX_REFERENCES} ids in References: the oldest but the first dropped")
            ids = (ids[0], *ids[len(ids) - MAX_REFERENCES + 1:])
        return ids


def message_ids(value: str) -> tuple[str, ...]:
    """Ids written `<id>`; a bare `id@host` (some old clients) gets its brackets added.

    Control characters inside an id are dropped: an id is written back
    into the References of our replies.
    """
    bracketed = [_id_text(token) for token in _MSG_ID.findall(value)]
    bracketed = [token for token in bracketed if len(token) > 2]
    if bracketed:
        return tuple(bracketed)
    return tuple(f"<{_id_text(word)}>" for word in value.split() if "@" in word)


def one_line(value: str) -> str:
    """`value` with every line break and control character made a space."""
    return value.translate(_NOT_ONE_LINE)


def bare_address(address: str) -> str:
    """An address fit to write into an envelope or a header: lower-case, no controls, no trailing dot."""
    return storable(address).translate(_NOT_IN_ADDRESS).rstrip(".").lower()


def _id_text(token: str) -> str:
    return token.translate(_NOT_IN_ADDRESS)


def _unfold(value: str) -> str:
    """RFC 5322 unfolding: a line break before white space is not part of the value."""
    if "\n" not in value and "\r" not in value:
        return value
    return _STRAY_BREAK.sub(" ", _FOLD.sub("", value))
