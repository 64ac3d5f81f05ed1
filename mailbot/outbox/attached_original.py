"""A received message attached to one we send, byte for byte, as a `message/rfc822` part.

The standard library would parse and re-write an attached message
(refolding headers, re-encoding parts), so the part is generated around a
placeholder and the original's bytes are put in its place afterwards,
untouched but for the line ends the wire requires.
"""

from __future__ import annotations

import hashlib
import re
from email.message import EmailMessage
from email.policy import Policy

from mailbot.outbox.templates import Rendered

ATTACHED_FILENAME = "original-message.eml"
_BARE_LF = re.compile(rb"(?<!\r)\n")   # linear: fixed length


def wire_form(raw: bytes) -> bytes:
    """`raw` with every bare LF made CRLF, and nothing else changed: what an attached message becomes."""
    return _BARE_LF.sub(b"\r\n", raw)


def with_original(message: EmailMessage, original: bytes, *, boundary: str, placeholder: str,
                  policy: Policy) -> bytes:
    """`message` made multipart/mixed, its text first, then `original` as a message/rfc822 part, as bytes.

    The part is generated holding `placeholder`, which is then replaced by
    `original`: the generator never parses or re-writes the attached message.
    """
    message.make_mixed()                      # moves the text (or the alternatives) into the first part
    message.get_payload(0)["Content-Language"] = "en-GB"
    message.attach(_attachment_part(placeholder, transfer_encoding=_attached_encoding(original), policy=policy))
    message.set_boundary(boundary)
    message["Content-Language"] = "en-GB"
    framed = message.as_bytes(policy=policy)
    marker = placeholder.encode("ascii")
    if framed.count(marker) != 1:
        raise RuntimeError("the placeholder of the attached message was not written exactly once")
    # The CRLF after the placeholder belongs to the closing delimiter, so the part's body is `original` exactly.
    return framed.replace(marker, original)


def placeholder_for(message_id: str, rendered: Rendered, original: bytes) -> str:
    """A word that occurs nowhere else in the message, to be replaced by the attached bytes."""
    counter = 0
    while True:
        digest = hashlib.sha256(b"placeholder\0%d\0" % counter + message_id.encode("utf-8", "surrogatepass")
                                + b"\0" + original).hexdigest()
        placeholder = f"mailbot-attached-message-{digest}"
        if placeholder not in rendered.text and placeholder not in (rendered.html or ""):
            return placeholder
        counter += 1


def _attachment_part(placeholder: str, *, transfer_encoding: str, policy: Policy) -> EmailMessage:
    """The message/rfc822 part, holding `placeholder` where the original's bytes will go."""
    part = EmailMessage(policy=policy)
    part["Content-Type"] = "message/rfc822"
    part["Content-Disposition"] = f'attachment; filename="{ATTACHED_FILENAME}"'
    part["Content-Description"] = "The message as it was received"
    part["Content-Transfer-Encoding"] = transfer_encoding
    part.set_payload(placeholder)   # a str payload of message/rfc822 is written out as it is
    return part


def _attached_encoding(original: bytes) -> str:
    """The Content-Transfer-Encoding a message/rfc822 body may carry (RFC 2046 5.2.1): never base64."""
    lines = original.split(b"\r\n")
    if b"\0" in original or b"\r" in original.replace(b"\r\n", b"") or any(len(line) > 998 for line in lines):
        return "binary"
    return "7bit" if original.isascii() else "8bit"
