"""What makes two deliveries the same message: the Message-ID and the body after the header block.

Transport headers (Received, Delivered-To, X-...) differ between two
deliveries of one message, so only the Message-ID and the body can tell. A
Message-ID is a sender's text like any other: it may be long, hold a NUL or
8-bit bytes, so the keys made from it are always storable and bounded.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from email import policy
from email.parser import BytesHeaderParser

from mailbot.db.models import fit_for_storage

_BODY_START = re.compile(rb"\r?\n\r?\n")   # linear: fixed length
HEADER_BYTES = 1024 * 1024   # where a Message-ID is looked for: a header block longer than this is not mail
MID_KEY_CHARS = 900          # a longer Message-ID is keyed by its start and its hash (the column holds 1,000)


class Digests:
    """The sha256 of a message and of its body (what follows the first blank line), fed in chunks.

    A message without a blank line is all header: its body digest is that of
    the whole. Memory stays at one chunk whatever the size.
    """

    def __init__(self) -> None:
        self.whole = hashlib.sha256()
        self.size = 0
        self._body: hashlib._Hash | None = None
        self._tail = b""    # the end of the last chunk: a blank line may straddle two chunks

    def feed(self, chunk: bytes) -> None:
        self.whole.update(chunk)
        self.size += len(chunk)
        if self._body is not None:
            self._body.update(chunk)
            return
        data = self._tail + chunk if self._tail else chunk
        start = _BODY_START.search(data)
        if start:
            self._body = hashlib.sha256(memoryview(data)[start.end():])
        else:
            self._tail = data[-3:]

    @property
    def sha256(self) -> str:
        return self.whole.hexdigest()

    @property
    def body_sha256(self) -> str:
        return (self._body or self.whole).hexdigest()


@dataclass(frozen=True)
class Identity:
    """A message's Message-ID (made storable, "" when it has none) and the digests of its bytes."""

    message_id: str
    sha256: str
    body_sha256: str

    @property
    def key(self) -> str:
        """The dedup key: `mid:<Message-ID>` (long ones shortened with their hash), else `body:<sha256>`."""
        if not self.message_id:
            return "body:" + self.body_sha256
        if len(self.message_id) <= MID_KEY_CHARS:
            return "mid:" + self.message_id
        whole = hashlib.sha256(self.message_id.encode("utf-8")).hexdigest()
        return f"mid:{self.message_id[:MID_KEY_CHARS - 80]}...sha256:{whole}"

    @property
    def variant_key(self) -> str:
        """The key of a message that reuses an earlier message's Message-ID with another body."""
        return f"{self.key} body:{self.body_sha256}"


def identify(raw: bytes) -> Identity:
    """The identity of a message held whole."""
    digests = Digests()
    digests.feed(raw)
    return identity_of(raw, digests)


def identity_of(head: bytes, digests: Digests) -> Identity:
    """The identity from the start of a message (`head`, the header block at least) and its digests."""
    return Identity(message_id_of(head), digests.sha256, digests.body_sha256)


def dedup_key(raw: bytes) -> str:
    """The dedup key of a message held whole (see `Identity.key`)."""
    return identify(raw).key


def message_id_of(head: bytes) -> str:
    """The Message-ID as its sender wrote it: 8-bit bytes read as UTF-8, NUL made storable, spaces folded.

    Only the header block is parsed (at most HEADER_BYTES): parsing a whole
    message would decode every byte of its attachments into text.
    """
    end = _BODY_START.search(head, 0, HEADER_BYTES)
    block = head[:end.end()] if end else head[:HEADER_BYTES]
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(block)
        values = [value for name, value in headers.raw_items() if name.lower() == "message-id"]
    except Exception:  # noqa: BLE001 - any header trouble means: no Message-ID, decide by the body
        return ""
    if not values:
        return ""
    # compat32 keeps 8-bit bytes as surrogate escapes: give them back and read them as RFC 6532 UTF-8.
    value = values[0].encode("ascii", "surrogateescape").decode("utf-8", "replace")
    return fit_for_storage(" ".join(value.split()))
