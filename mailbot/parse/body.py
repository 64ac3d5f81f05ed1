"""Which parts of a message are its body, and their readable text.

The stdlib's `get_body` picks the parts (text/plain first, else text/html,
never an attachment). One repair comes before it: a multipart whose
boundary matches nothing in its body (a mail filter rewrote the header but
not the body, or the boundary is missing) cannot be split, so its raw body
is read as plain text, since the words a person wrote are still in it.
"""

from __future__ import annotations

import quopri
import re
from dataclasses import dataclass
from email.message import EmailMessage

from mailbot.parse.text import decode_text, html_to_text, tidy

_RAW_BODY_USED = "no MIME part matched the boundary: raw body used"
_IDENTITY_ENCODINGS = {"", "7bit", "8bit", "binary"}
# linear: a literal at line starts, one class between literals
_EMBEDDED_QP = re.compile(rb"^content-transfer-encoding:[ \t]*quoted-printable", re.I | re.M)


@dataclass(frozen=True)
class Body:
    """The readable text, the HTML as decoded, and the parts they came from."""

    text: str
    html: str
    parts: tuple[EmailMessage, ...]   # read as the body, so never listed as attachments
    defects: tuple[str, ...]


def read_body(mime: EmailMessage) -> Body:
    """The text of the message: its text/plain part, else its HTML reduced to text."""
    unsplit = _read_unsplit_as_plain(mime)
    defects: list[str] = []
    plain_part = mime.get_body(preferencelist=("plain",))
    html_part = mime.get_body(preferencelist=("html",))
    raw_body_used = any(plain_part is part for part in unsplit)
    plain = _decoded(plain_part, defects, raw=raw_body_used) if plain_part else ""
    html = _decoded(html_part, defects, raw=False) if html_part else ""
    if raw_body_used:
        defects.insert(0, _RAW_BODY_USED)
    parts = tuple(part for part in (plain_part, html_part) if part is not None)
    text = tidy(plain)
    if not text and html:
        text = tidy(html_to_text(html))
    return Body(text=text, html=html, parts=parts, defects=tuple(dict.fromkeys(defects)))


def _read_unsplit_as_plain(mime: EmailMessage) -> list[EmailMessage]:
    """Relabel each multipart the parser could not split as text/plain; return them.

    The parser leaves such a part's whole body as one string where its list
    of parts should be; as text/plain it becomes a body `get_body` can find.
    """
    unsplit = [
        part for part in mime.walk()
        if part.get_content_maintype() == "multipart" and not part.is_multipart()
    ]
    for part in unsplit:
        del part["Content-Type"]
        part["Content-Type"] = "text/plain"
    return unsplit


def _decoded(part: EmailMessage, defects: list[str], *, raw: bool) -> str:
    """A text part's payload, transfer encoding undone and charset repaired."""
    payload = part.get_payload(decode=True) or b""
    if raw and _identity_encoded(part) and _EMBEDDED_QP.search(payload):
        # The raw body holds parts that say they are quoted-printable;
        # undoing it leaves boundary and header lines as they were.
        payload = quopri.decodestring(payload)
    text, repairs = decode_text(payload, part.get_content_charset())
    defects.extend(repairs)
    return text.replace("\x00", "")   # see text.tidy: NUL is never what anyone wrote


def _identity_encoded(part: EmailMessage) -> bool:
    """Whether the part's own transfer encoding left its bytes as they were."""
    return part.get("Content-Transfer-Encoding", "").strip().lower() in _IDENTITY_ENCODINGS
