"""A part's content read within a bound, and its size found without decoding it.

`get_payload(decode=True)` decodes a whole part into a second copy in
memory: 20 MB of base64 for an attachment whose name, type and size are
all parse keeps. Here an attachment's size is counted from its encoded
text, and a text part is decoded only as far as parse reads it.
"""

from __future__ import annotations

import binascii
from email.message import Message

_WHITE_SPACE = " \t\r\n"
_QP_CHUNK_CHARS = 1024 * 1024


def content_bytes(part: Message, *, limit: int) -> tuple[bytes, bool]:
    """At most `limit` bytes of the part's content, transfer encoding undone; and whether more was left.

    A leaf part only; a multipart gives b"". Damaged base64 and
    quoted-printable are read as far as they go, as the stdlib reads them.
    """
    encoded = _encoded(part)
    if encoded is None:
        return b"", False
    encoding = _transfer_encoding(part)
    if encoding == "base64":
        # Four characters make three bytes; line breaks come on top (at most 2 in 78).
        window = encoded[: (limit // 3 + 1) * 4 * 2]
        data = _base64_prefix("".join(window.split()), cut=len(window) < len(encoded))
        if data is None:   # characters out of place: the stdlib's more forgiving reading
            window, data = encoded, part.get_payload(decode=True) or b""
    elif encoding == "quoted-printable":
        window = encoded[: limit * 3]   # "=XX" is the longest form of one byte
        data = binascii.a2b_qp(window.encode("utf-8", "surrogateescape"))
    elif encoding in ("", "7bit", "8bit", "binary"):
        window = encoded[:limit]
        data = window.encode("utf-8", "surrogateescape")
    else:   # uuencode and other rarities: the stdlib's own reading, bounded after the fact
        window = encoded
        data = part.get_payload(decode=True) or b""
    cut = len(data) > limit or len(window) < len(encoded)
    return data[:limit], cut


def content_size(part: Message) -> int:
    """The size in bytes of the part's decoded content, counted without decoding it where that can be done."""
    encoded = _encoded(part)
    if encoded is None:
        return 0
    encoding = _transfer_encoding(part)
    if encoding == "base64":
        characters = len(encoded) - sum(encoded.count(space) for space in _WHITE_SPACE)
        end = encoded.rstrip(_WHITE_SPACE)[-4:]
        padding = len(end) - len(end.rstrip("="))
        return max(0, (characters - padding) * 3 // 4)
    if encoding == "quoted-printable":
        return sum(len(binascii.a2b_qp(chunk)) for chunk in _line_chunks(encoded))
    if encoding in ("", "7bit", "8bit", "binary"):
        return len(encoded)   # one character per byte: the parser keeps 8-bit bytes as surrogates
    return len(part.get_payload(decode=True) or b"")


def message_size(message: Message) -> int:
    """About how many bytes an attached message takes, counted from its parsed parts, not by writing it out."""
    total = 0
    pending = [message]   # a stack, not recursion: nesting depth is the sender's choice
    while pending:
        part = pending.pop()
        total += sum(len(name) + len(str(value)) + 4 for name, value in part.raw_items()) + 2
        payload = part.get_payload()
        if isinstance(payload, str):
            total += len(_encoded(part) or "")
        elif isinstance(payload, list):
            boundary = part.get_boundary() or ""
            total += (len(boundary) + 6) * (len(payload) + 1)
            pending.extend(payload)
    return total


def _encoded(part: Message) -> str | None:
    """A leaf part's content as the parser keeps it: the encoded text, 8-bit bytes as surrogates.

    `get_payload()` would decode a payload holding 8-bit bytes with the
    part's charset, replacing what does not fit, into a second copy.
    """
    payload = part._payload   # noqa: SLF001 - the stdlib keeps it there, and only there
    return payload if isinstance(payload, str) else None


def _transfer_encoding(part: Message) -> str:
    return str(part.get("content-transfer-encoding", "")).strip().lower()


def _base64_prefix(characters: str, *, cut: bool) -> bytes | None:
    """Base64 with its padding repaired and a cut tail dropped; None when that is not enough."""
    if cut:
        characters = characters[: len(characters) - len(characters) % 4]
    else:
        characters = characters.rstrip("=")
        if len(characters) % 4 == 1:
            characters = characters[:-1]
        characters += "=" * (-len(characters) % 4)
    try:
        return binascii.a2b_base64(characters)
    except binascii.Error:
        return None


def _line_chunks(text: str):
    """`text` in pieces of about `_QP_CHUNK_CHARS`, each ending at a line end (quoted-printable
    escapes never span lines)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start + _QP_CHUNK_CHARS)
        end = len(text) if end < 0 else end + 1
        yield text[start:end].encode("utf-8", "surrogateescape")
        start = end

