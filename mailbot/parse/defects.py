"""What the stdlib parser found wrong in a message's structure, in a few words each.

These go into `Message.defects` beside the repairs parse made itself, so
that a reader of a case knows the text was recovered from damaged mail.
"""

from __future__ import annotations

from email.message import EmailMessage

_WORDS = {
    "CloseBoundaryNotFoundDefect": "closing MIME boundary missing",
    "MissingHeaderBodySeparatorDefect": "no blank line between headers and body",
    "FirstHeaderLineIsContinuationDefect": "first header line is a continuation line",
    "MisplacedEnvelopeHeaderDefect": "envelope From_ line inside the headers",
    "InvalidMultipartContentTransferEncodingDefect": "multipart with a transfer encoding",
    "InvalidBase64PaddingDefect": "damaged base64 (padding)",
    "InvalidBase64CharactersDefect": "damaged base64 (characters)",
    "InvalidBase64LengthDefect": "damaged base64 (length)",
}
# Said better by body.py's "raw body used" when they matter.
_SAID_ELSEWHERE = {
    "StartBoundaryNotFoundDefect",
    "NoBoundaryInMultipartDefect",
    "MultipartInvariantViolationDefect",
}


def structural_defects(mime: EmailMessage) -> list[str]:
    """Each kind of defect the parser recorded anywhere in the message, once."""
    found: dict[str, None] = {}
    for part in mime.walk():
        for defect in part.defects:
            name = type(defect).__name__
            if name not in _SAID_ELSEWHERE:
                found[_WORDS.get(name, name)] = None
    return list(found)
