"""`parse_message`: the raw bytes of one email into a `Message` value.

The stdlib `email` package (with `policy.default`) splits the MIME tree and
picks the body; mail-parser finds addresses. The modules beside this one
each do one part of the reading: `head` (a damaged header block),
`headers`, `encoded_words`, `body`, `text`, `charsets` and `markup`
(charsets and HTML), `payload` and `attachments`, `automatic`, `defects`,
and `forwards` (the original inside a forward, which may be attached mail,
read by this same function one level deeper). `limits` bounds what is
read of any one message, so that none can stall parse or flood memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from email.message import EmailMessage
from email.parser import BytesFeedParser
from email.utils import collapse_rfc2231_value
from functools import partial

from mailbot.errors import UnreadableMail
from mailbot.parse.attachments import attachments
from mailbot.parse.automatic import automatic_signals
from mailbot.parse.body import read_body
from mailbot.parse.defects import structural_defects
from mailbot.parse.forwards import find_forwarded
from mailbot.parse.head import repaired_head
from mailbot.parse.headers import Headers
from mailbot.parse.limits import MAX_MIME_HEADER_CHARS, MAX_PARTS
from mailbot.parse.long_bodies import find_long_bodies, reading
from mailbot.parse.message import Message
from mailbot.parse.payload import content_bytes
from mailbot.parse.policy import PARSE_POLICY, HeaderBudget, header_budget
from mailbot.parse.text import storable
# Attached messages read inside attached messages: a forward of a redirect of a
# forward is plausible; deeper nesting is someone's experiment, not a complaint.
MAX_ATTACHED_DEPTH = 3


def parse_message(raw: bytes | bytearray) -> Message:
    """Read one email's bytes into a `Message`.

    A bytearray is read in place, not copied (the record hands a large
    message over as one, see `mailbot.intake.stored_bytes.read_raw`).

    Damaged but readable mail (wrong charset labels, missing or rewritten
    boundaries, HTML only) still gives a Message, with each repair named in
    `defects`. Raises `UnreadableMail`, and nothing else, when nothing
    readable can be made of the bytes: the caller quarantines them.
    """
    with header_budget() as budget:
        return _guarded(lambda: _parse(raw if isinstance(raw, (bytes, bytearray)) else bytes(raw), depth=0,
                                       budget=budget))


def _guarded(read: Callable[[], Message]) -> Message:
    try:
        return read()
    except UnreadableMail:
        raise
    except Exception as error:
        # A broad except on purpose (parse's only other one guards forward
        # recovery): the bytes are a stranger's, and a library that trips
        # over them (the stdlib email package has had many such bugs) must
        # cost one quarantined message, not the mailbox.
        reason = f"the email libraries failed on it: {type(error).__name__}: {error}"
        raise UnreadableMail(reason[:500]) from error


def _parse(raw: bytes, *, depth: int, budget: HeaderBudget) -> Message:
    if not raw or raw.isspace():   # not raw.strip(): that copies the whole message
        raise UnreadableMail("empty message")
    head, rest, repairs = repaired_head(raw)
    bodies = find_long_bodies(raw, head=head, rest=rest)
    with reading(bodies):
        mime = _mime_tree([head, *bodies.pieces(rest)] if head else bodies.pieces(rest), repairs)
        return _from_mime(mime, depth=depth, budget=budget, repairs=repairs)


def _mime_tree(pieces: Iterable[bytes], repairs: list[str]) -> EmailMessage:
    """The stdlib's MIME tree of the message, fed a piece at a time; it stops after `MAX_PARTS` parts.

    Fed whole, the parser would first make a second copy of the message
    as text; in pieces, it holds only the parts it has read, and long leaf
    bodies never reach it (`long_bodies`).
    """
    created = 0

    def new_part(policy) -> EmailMessage:
        nonlocal created
        created += 1
        return EmailMessage(policy=policy)

    parser = BytesFeedParser(_factory=new_part, policy=PARSE_POLICY)
    created = 0   # the parser made one to try the factory
    for piece in pieces:
        if created > MAX_PARTS:
            repairs.append(f"more than {MAX_PARTS:,} MIME parts: the rest of the message not read")
            break
        parser.feed(piece)
    return parser.close()


def _from_mime(mime: EmailMessage, *, depth: int, budget: HeaderBudget, repairs: list[str]) -> Message:
    headers = Headers(mime)
    if not headers.items:
        raise UnreadableMail("no mail headers: these bytes are not an email")
    content_type = mime.get_content_type()   # read before body repairs relabel anything
    report_type = _report_type(mime) if content_type == "multipart/report" else ""
    body = read_body(mime)
    display_name, sender = (headers.addresses("From") or [("", "")])[0]
    return_path = headers.return_path()
    if not sender and not body.text:
        raise UnreadableMail("no From address and no readable text")
    subject = headers.first("Subject")
    read_attached = partial(_read_attached, depth=depth + 1, budget=budget) if depth < MAX_ATTACHED_DEPTH else None
    forwarded, forward_defects = find_forwarded(
        mime,
        subject=subject,
        text=body.text,
        content_type=content_type,
        mailbot_kind=headers.first("X-Mailbot-Kind"),
        read_attached=read_attached,
        writer=(display_name, sender),
    )
    message_id = (headers.message_ids("Message-ID") or ("",))[0]
    reply_to = headers.first_address("Reply-To")
    to = tuple(address for _, address in headers.addresses("To"))
    cc = tuple(address for _, address in headers.addresses("Cc"))
    references = headers.references()
    cut_headers = [f"a MIME header longer than {MAX_MIME_HEADER_CHARS:,} characters (or too many) read in part"]
    return Message(
        message_id=message_id,
        sender=sender,
        display_name=display_name,
        reply_to=reply_to,
        to=to,
        cc=cc,
        subject=subject,
        date_header=headers.first("Date"),
        text=body.text,
        html=body.html,
        attachments=attachments(mime, body_parts=body.parts),
        in_reply_to=(headers.message_ids("In-Reply-To") or ("",))[0],
        references=references,
        return_path=return_path,
        automatic=automatic_signals(
            headers,
            sender=sender,
            return_path=return_path,
            content_type=content_type,
            report_type=report_type,
        ),
        headers=headers.items,
        defects=tuple(dict.fromkeys([
            *repairs, *headers.repairs, *body.defects, *structural_defects(mime), *forward_defects,
            *(cut_headers if budget.cut else []),
        ])),
        forwarded=forwarded,
    )


def _read_attached(part: EmailMessage, *, depth: int, budget: HeaderBudget) -> Message:
    """An attached message (a message/rfc822 part) read as a message of its own."""
    inner = part.get_payload()
    if isinstance(inner, list) and inner and isinstance(inner[0], EmailMessage):
        # Already parsed with the message that carries it: read, not written out and parsed again.
        return _guarded(lambda: _from_mime(inner[0], depth=depth, budget=budget, repairs=[]))
    # An attached message in base64 or quoted-printable, which the parser leaves as bytes.
    return _guarded(lambda: _parse(content_bytes(part, limit=None)[0], depth=depth, budget=budget))


def _report_type(mime: EmailMessage) -> str:
    """What a multipart/report reports (RFC 6522): delivery-status, disposition-notification ..."""
    value = mime.get_param("report-type", "")
    return storable(collapse_rfc2231_value(value)).strip().lower()
