"""`parse_message`: the raw bytes of one email into a `Message` value.

The stdlib `email` package (with `policy.default`) splits the MIME tree and
picks the body; mail-parser decodes headers and addresses. The modules
beside this one each do one part of the reading: `headers`, `body`,
`text` (charsets and HTML), `attachments`, `automatic`, `defects`, and
`forwards` (the original inside a forward, which may be attached mail,
read by this same function one level deeper).
"""

from __future__ import annotations

from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import collapse_rfc2231_value
from functools import partial

from mailbot.errors import UnreadableMail
from mailbot.parse.attachments import attachments
from mailbot.parse.automatic import automatic_signals
from mailbot.parse.body import read_body
from mailbot.parse.defects import structural_defects
from mailbot.parse.forwards import find_forwarded
from mailbot.parse.headers import Headers
from mailbot.parse.message import Message
from mailbot.parse.policy import PARSE_POLICY
from mailbot.parse.text import storable

_PARSER = BytesParser(policy=PARSE_POLICY)
# Attached messages read inside attached messages: a forward of a redirect of a
# forward is plausible; deeper nesting is someone's experiment, not a complaint.
MAX_ATTACHED_DEPTH = 3


def parse_message(raw: bytes) -> Message:
    """Read one email's bytes into a `Message`.

    Damaged but readable mail (wrong charset labels, missing or rewritten
    boundaries, HTML only) still gives a Message, with each repair named in
    `defects`. Raises `UnreadableMail`, and nothing else, when nothing
    readable can be made of the bytes: the caller quarantines them.
    """
    return _read(raw, depth=0)


def _read(raw: bytes, *, depth: int) -> Message:
    try:
        return _parse(bytes(raw), depth=depth)
    except UnreadableMail:
        raise
    except Exception as error:
        # A broad except on purpose (parse's only other one guards forward
        # recovery): the bytes are a stranger's, and a library that trips
        # over them (the stdlib email package has had many such bugs) must
        # cost one quarantined message, not the mailbox.
        reason = f"the email libraries failed on it: {type(error).__name__}: {error}"
        raise UnreadableMail(reason) from error


def _parse(raw: bytes, *, depth: int) -> Message:
    if not raw.strip():
        raise UnreadableMail("empty message")
    mime = _PARSER.parsebytes(raw)
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
    forwarded, forward_defects = find_forwarded(
        mime,
        subject=subject,
        text=body.text,
        content_type=content_type,
        mailbot_kind=headers.first("X-Mailbot-Kind"),
        read_attached=partial(_read, depth=depth + 1) if depth < MAX_ATTACHED_DEPTH else None,
    )
    return Message(
        message_id=(headers.message_ids("Message-ID") or ("",))[0],
        sender=sender,
        display_name=display_name,
        reply_to=headers.first_address("Reply-To"),
        to=tuple(address for _, address in headers.addresses("To")),
        cc=tuple(address for _, address in headers.addresses("Cc")),
        subject=subject,
        date_header=headers.first("Date"),
        text=body.text,
        html=body.html,
        attachments=attachments(mime, body_parts=body.parts),
        in_reply_to=(headers.message_ids("In-Reply-To") or ("",))[0],
        references=headers.message_ids("References"),
        return_path=return_path,
        automatic=automatic_signals(
            headers,
            sender=sender,
            return_path=return_path,
            content_type=content_type,
            report_type=report_type,
        ),
        headers=headers.items,
        defects=tuple(dict.fromkeys([*body.defects, *structural_defects(mime), *forward_defects])),
        forwarded=forwarded,
    )


def _report_type(mime: EmailMessage) -> str:
    """What a multipart/report reports (RFC 6522): delivery-status, disposition-notification ..."""
    value = mime.get_param("report-type", "")
    return storable(collapse_rfc2231_value(value)).strip().lower()
