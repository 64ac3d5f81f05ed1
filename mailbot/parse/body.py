"""Which parts of a message are its body, and their readable text.

The stdlib's `get_body` picks the body (text/plain first, else text/html,
never an attachment). When that part sits in a multipart/mixed beside
other inline text parts, those are body too: Apple Mail splits the text
around each picture placed in it (text, picture, text ...), and mailing
lists append their footer as a part of its own; a mail client shows them
all, in order, and so they are all read.

One repair comes before that: a multipart whose boundary matches nothing
in its body (a mail filter rewrote the header but not the body, or the
boundary is missing) cannot be split, so its raw body is read as plain
text, since the words a person wrote are still in it.

Text is read within `limits`: a part's first `MAX_TEXT_PART_BYTES`, the
message's first `MAX_TEXT_CHARS` and `MAX_HTML_BYTES`; what is past them
is named in the defects.
"""

from __future__ import annotations

import quopri
import re
from dataclasses import dataclass
from email.message import EmailMessage

from mailbot.parse.limits import MAX_HTML_BYTES, MAX_TEXT_CHARS, MAX_TEXT_PART_BYTES
from mailbot.parse.payload import content_bytes, is_blank
from mailbot.parse.text import decode_text, html_to_text, tidy

_RAW_BODY_USED = "no MIME part matched the boundary: raw body used"
_IDENTITY_ENCODINGS = {"", "7bit", "8bit", "binary"}
# linear: a literal at line starts, one class between literals
_EMBEDDED_QP = re.compile(rb"^content-transfer-encoding:[ \t]*quoted-printable", re.I | re.M)
_CONTAINERS_OF_ONE_BODY = {"alternative", "related"}


@dataclass(frozen=True)
class Body:
    """The readable text, the HTML as decoded, and the parts they came from."""

    text: str
    html: str
    parts: tuple[EmailMessage, ...]   # read as the body, so never listed as attachments
    defects: tuple[str, ...]


def read_body(mime: EmailMessage) -> Body:
    """The text of the message: its text/plain parts, else its HTML reduced to text."""
    unsplit = _read_unsplit_as_plain(mime)
    defects: list[str] = []
    plain_parts = body_parts(mime, "plain")
    html_parts = body_parts(mime, "html")
    plain = _read_text(plain_parts, defects, unsplit=unsplit, most=MAX_TEXT_CHARS, what="body text")
    html = _read_text(html_parts, defects, unsplit=[], most=MAX_HTML_BYTES, what="HTML")
    if {id(part) for part in plain_parts} & {id(part) for part in unsplit}:
        defects.insert(0, _RAW_BODY_USED)
    text = tidy(plain)
    if not text and html:
        text = tidy(html_to_text(html))[:MAX_TEXT_CHARS]
    return Body(text=text, html=html, parts=(*plain_parts, *html_parts), defects=tuple(dict.fromkeys(defects)))


def body_parts(mime: EmailMessage, subtype: str) -> list[EmailMessage]:
    """The text/`subtype` parts a mail client shows as the body, in order; [] when there is none.

    `get_body` finds the first; the others are the inline text/`subtype`
    parts beside it in its nearest multipart/mixed (directly, or as the
    body of an alternative or related part there).
    """
    first = mime.get_body(preferencelist=(subtype,))
    if first is None:
        return []
    mixed, branch = _nearest_mixed(mime, first)
    if mixed is None:
        return [first]
    found = []
    for child in mixed.iter_parts():
        if child is branch:
            found.append(first)
        elif _inline_text(child, subtype):
            found.append(child)
        elif child.get_content_subtype() in _CONTAINERS_OF_ONE_BODY and child.is_multipart():
            inner = child.get_body(preferencelist=(subtype,))
            if inner is not None:
                found.append(inner)
    return found


def _nearest_mixed(root: EmailMessage, part: EmailMessage) -> tuple[EmailMessage | None, EmailMessage | None]:
    """The nearest multipart/mixed holding `part`, and its child on the way to `part`."""
    parents: dict[int, EmailMessage] = {}
    pending = [root]   # a stack, not recursion: nesting depth is the sender's choice
    while pending:
        current = pending.pop()
        if current is part:
            break
        if current.get_content_maintype() == "multipart" and current.is_multipart():
            for child in current.iter_parts():
                parents[id(child)] = current
                pending.append(child)
    child = part
    while id(child) in parents:
        parent = parents[id(child)]
        if parent.get_content_subtype() == "mixed":
            return parent, child
        child = parent
    return None, None


def _inline_text(part: EmailMessage, subtype: str) -> bool:
    return (
        part.get_content_type() == f"text/{subtype}"
        and not part.is_attachment()
        and not part.get_filename()
    )


def _read_text(
    parts: list[EmailMessage], defects: list[str], *, unsplit: list[EmailMessage], most: int, what: str
) -> str:
    """The parts' text in order, a blank line between two, at most `most` characters in all."""
    texts = []
    left = most
    unsplit_ids = {id(part) for part in unsplit}
    for part in parts:
        if left <= 0:
            defects.append(f"{what} past {most:,} characters not read")
            break
        text = _decoded(part, defects, raw=id(part) in unsplit_ids, limit=min(left, MAX_TEXT_PART_BYTES))[:left].strip("\r\n")
        if text.strip():
            texts.append(text)
            left -= len(text)
    return "\n\n".join(texts)


def _read_unsplit_as_plain(mime: EmailMessage) -> list[EmailMessage]:
    """Relabel each multipart the parser could not split as text/plain; return them.

    The parser leaves such a part's whole body as one string where its list
    of parts should be; as text/plain it becomes a body `get_body` can find.
    """
    unsplit = [
        part for part in mime.walk()
        if part.get_content_maintype() == "multipart" and not part.is_multipart()
        and not is_blank(part)   # an empty one has nothing to read, and would hide the text
    ]
    for part in unsplit:
        del part["Content-Type"]
        part["Content-Type"] = "text/plain"
    return unsplit


def _decoded(part: EmailMessage, defects: list[str], *, raw: bool, limit: int) -> str:
    """A text part's payload, transfer encoding undone and charset repaired, read up to `limit` bytes."""
    payload, cut = content_bytes(part, limit=limit)
    if cut:
        defects.append(f"a text part longer than {limit:,} bytes: the rest not read")
    if raw and _identity_encoded(part) and _EMBEDDED_QP.search(payload):
        # The raw body holds parts that say they are quoted-printable;
        # undoing it leaves boundary and header lines as they were.
        payload = quopri.decodestring(payload)
    text, repairs = decode_text(payload, part.get_content_charset(), complete=not cut)
    defects.extend(repairs)
    return text.replace("\x00", "")   # see text.tidy: NUL is never what anyone wrote


def _identity_encoded(part: EmailMessage) -> bool:
    """Whether the part's own transfer encoding left its bytes as they were."""
    return part.get("Content-Transfer-Encoding", "").strip().lower() in _IDENTITY_ENCODINGS
