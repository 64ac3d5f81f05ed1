"""The files and messages attached to a message: name, type and decoded size (never decoding them).

An attachment is a part with a filename or `Content-Disposition: attachment`,
or an attached message (`message/rfc822`: how Outlook and the force's
Standards department forward a complaint). An attached message counts as
one attachment, named after its subject when it has no filename; the parts
inside it belong to it, not to the message that carries it.
"""

from __future__ import annotations

import mimetypes
from email.message import EmailMessage

from mailbot.parse.headers import Headers
from mailbot.parse.message import Attachment
from mailbot.parse.payload import content_size, message_size
from mailbot.parse.text import storable

_ATTACHED_MESSAGE_TYPES = {"message/rfc822", "message/global"}


def attachments(
    mime: EmailMessage, *, body_parts: tuple[EmailMessage, ...]
) -> tuple[Attachment, ...]:
    """Every attachment in document order, leaving out the parts read as the body."""
    found = []
    read_as_body = {id(part) for part in body_parts}
    pending = [mime]   # a stack, not recursion: nesting depth is the sender's choice
    while pending:
        part = pending.pop()
        content_type = storable(part.get_content_type())
        if part is not mime and content_type in _ATTACHED_MESSAGE_TYPES:
            found.append(_attached_message(part, content_type))
        elif part.is_multipart():
            pending.extend(reversed(part.get_payload()))
        elif id(part) in read_as_body:
            continue
        elif _filename(part) or part.is_attachment():
            found.append(_attached_file(part, content_type))
    return tuple(found)


def _attached_file(part: EmailMessage, content_type: str) -> Attachment:
    filename = _filename(part) or f"attachment{mimetypes.guess_extension(content_type) or ''}"
    return Attachment(filename=filename, content_type=content_type, size=content_size(part))


def _attached_message(part: EmailMessage, content_type: str) -> Attachment:
    inner = part.get_payload()
    inner = inner[0] if isinstance(inner, list) and inner else None
    if inner is None:   # an attached message the parser could not read as one
        return Attachment(_filename(part) or "message.eml", content_type, content_size(part))
    subject = Headers(inner).first("Subject").replace("/", "-").strip()
    filename = _filename(part) or f"{subject or 'message'}.eml"
    return Attachment(filename=filename, content_type=content_type, size=message_size(inner))


def _filename(part: EmailMessage) -> str:
    return storable(part.get_filename() or "").strip()
