"""A part's content read within a bound, and its size found without decoding it.

`get_payload(decode=True)` decodes a whole part into a second copy in
memory: 20 MB of base64 for an attachment whose name, type and size are
all parse keeps. Here an attachment's size is counted from its encoded
text, and a text part is decoded only as far as parse reads it. A long
base64 body the parser never saw (`long_bodies`) is read from the raw
message where its placeholder stands.
"""

from __future__ import annotations

import binascii
import re
from email.message import Message

from mailbot.parse import long_bodies

_WHITE_SPACE = " \t\r\n"
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")   # one character class: linear
_IDENTITY_ENCODINGS = ("", "7bit", "8bit", "binary")
_UUENCODINGS = ("x-uuencode", "uuencode", "uue", "x-uue")


class _Encoded:
    """A leaf part's content as the parser keeps it (8-bit bytes as surrogates), set-aside spans included."""

    def __init__(self, text: str):
        bodies = long_bodies.current()
        self._raw = bodies.raw if bodies else b""
        self._pieces = bodies.expand(text) if bodies else [text]

    def __len__(self) -> int:
        return sum(len(piece) if isinstance(piece, str) else piece[1] - piece[0] for piece in self._pieces)

    def count(self, character: str) -> int:
        encoded = character.encode()
        return sum(
            piece.count(character) if isinstance(piece, str) else self._raw.count(encoded, *piece)
            for piece in self._pieces
        )

    def head(self, size: int | None) -> str:
        """The first `size` characters (None: all of them)."""
        out, left = [], len(self) if size is None else size
        for piece in self._pieces:
            if left <= 0:
                break
            if isinstance(piece, str):
                out.append(piece[:left])
            else:
                start, end = piece
                out.append(self._raw[start:min(end, start + left)].decode("ascii", "surrogateescape"))
            left -= len(out[-1])
        return "".join(out)

    def tail(self, size: int) -> str:
        """The last `size` characters."""
        out, left = [], size
        for piece in reversed(self._pieces):
            if left <= 0:
                break
            if isinstance(piece, str):
                out.append(piece[max(0, len(piece) - left):])
            else:
                start, end = piece
                out.append(self._raw[max(start, end - left):end].decode("ascii", "surrogateescape"))
            left -= len(out[-1])
        return "".join(reversed(out))


def content_bytes(part: Message, *, limit: int | None) -> tuple[bytes, bool]:
    """At most `limit` bytes (None: all) of the part's content, transfer encoding undone; and whether
    more was left.

    A leaf part only; a multipart gives b"". Damaged base64 and
    quoted-printable are read as far as they go, as the stdlib reads them.
    """
    encoded = _encoded(part)
    if encoded is None:
        return b"", False
    encoding = _transfer_encoding(part)
    total = len(encoded)
    if encoding == "base64":
        # Four characters make three bytes; line breaks come on top (at most 2 in 78).
        window = encoded.head(None if limit is None else (limit // 3 + 1) * 4 * 2)
        data = _base64("".join(window.split()), cut=len(window) < total)
    elif encoding == "quoted-printable":
        window = encoded.head(None if limit is None else limit * 3)   # "=XX" is the longest form of a byte
        data = binascii.a2b_qp(window.encode("utf-8", "surrogateescape"))
    elif encoding in _UUENCODINGS:   # a rarity: the stdlib's own reading, of the whole
        window = encoded.head(None)
        copy = Message()
        copy["Content-Transfer-Encoding"] = encoding
        copy.set_payload(window)
        data = copy.get_payload(decode=True) or b""
    else:   # 7bit, 8bit, binary, and (as the stdlib reads them) names it does not know
        window = encoded.head(limit)
        data = window.encode("utf-8", "surrogateescape")
    if limit is None:
        return data, False
    return data[:limit], len(data) > limit or len(window) < total


def content_size(part: Message) -> int:
    """The size in bytes of the part's decoded content, counted without decoding it where that can be done."""
    encoded = _encoded(part)
    if encoded is None:
        return 0
    encoding = _transfer_encoding(part)
    if encoding == "base64":
        characters = len(encoded) - sum(encoded.count(space) for space in _WHITE_SPACE)
        end = encoded.tail(80).rstrip(_WHITE_SPACE)[-4:]
        padding = len(end) - len(end.rstrip("="))
        return max(0, (characters - padding) * 3 // 4)
    if encoding in ("quoted-printable", *_UUENCODINGS):
        return len(content_bytes(part, limit=None)[0])
    return len(encoded)   # one character per byte: the parser keeps 8-bit bytes as surrogates


def is_blank(part: Message) -> bool:
    """Whether a part as the parser keeps it holds nothing but white space (without copying it)."""
    payload = part._payload   # noqa: SLF001 - see _encoded
    return isinstance(payload, str) and (not payload or payload.isspace())


def message_size(message: Message) -> int:
    """About how many bytes an attached message takes, counted from its parsed parts, not by writing it out."""
    total = 0
    pending = [message]   # a stack, not recursion: nesting depth is the sender's choice
    while pending:
        part = pending.pop()
        total += sum(len(name) + len(str(value)) + 4 for name, value in part.raw_items()) + 2
        payload = part.get_payload()
        if isinstance(payload, list):
            boundary = part.get_boundary() or ""
            total += (len(boundary) + 6) * (len(payload) + 1)
            pending.extend(payload)
        else:
            encoded = _encoded(part)
            total += len(encoded) if encoded is not None else 0
    return total


def _encoded(part: Message) -> _Encoded | None:
    """A leaf part's content as the parser keeps it.

    Not `get_payload()`: that decodes a payload holding 8-bit bytes with
    the part's charset, replacing what does not fit, into a second copy.
    """
    payload = part._payload   # noqa: SLF001 - the stdlib keeps it there, and only there
    return _Encoded(payload) if isinstance(payload, str) else None


def _transfer_encoding(part: Message) -> str:
    return str(part.get("content-transfer-encoding", "")).strip().lower()


def _base64(characters: str, *, cut: bool) -> bytes:
    """Base64 as the stdlib reads it (other characters skipped, padding repaired); a cut tail dropped."""
    data = characters.encode("ascii", "ignore")
    if _NOT_BASE64.search(data.rstrip(b"=")):
        data = _NOT_BASE64.sub(b"", data)
    else:
        data = data.rstrip(b"=")
    usable = len(data) - len(data) % 4
    if cut or len(data) % 4 == 1:   # a lone last character holds no whole byte
        data = data[:usable]
    return binascii.a2b_base64(data + b"=" * (-len(data) % 4))
