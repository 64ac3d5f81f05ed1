"""Composing one outgoing message: a rendered template plus our headers, as the exact bytes to store and send.

The output is a pure function of the inputs (the multipart boundaries are
derived from the Message-ID and the content), so the bytes stored in the
outbox row are the bytes sent, on the first attempt and on every retry.

A message that carries another one (a redirect carries the complaint) is
multipart/mixed: our text first, then the original, untouched
(attached_original.py).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from email import policy
from email._header_value_parser import get_unstructured
from email.headerregistry import Address, UnstructuredHeader
from email.message import EmailMessage
from email.header import decode_header, make_header
from email.utils import format_datetime, unquote

from mailbot import patterns
from mailbot.outbox.header_classes import HeaderClasses
from mailbot.outbox.attached_original import placeholder_for, wire_form, with_original
from mailbot.kinds import Kind
from mailbot.outbox.templates import Rendered, TemplateSet

__all__ = ["Rendered", "TemplateSet", "compose", "envelope_recipients", "needs_8bitmime", "parse_address",
           "wire_form"]

_NAMED_ADDRESS = patterns.compile(r"\s*(.*?)\s*<([^<>]*)>\s*", dot_all=True)   # cubic with `re`
_ADDR_SPEC = re.compile(r'[^@\s<>,;"]+@[^@\s<>,;"]+')   # linear with fullmatch: classes end at "@"

# Exchange honours this and sends no out-of-office or auto-reply to our mail;
# delivery reports (DR, NDR) are deliberately not suppressed: bounces are recorded.
AUTO_RESPONSE_SUPPRESS = "OOF, AutoReply"



class _MessageIdsHeader:
    """Message-ID / In-Reply-To / References: written exactly, folded only between ids, never encoded.

    The standard library treats these as unstructured text and, for an id
    longer than a line, writes RFC 2047 encoded words that no mail client
    reads as a Message-ID; here each id stays whole (up to 998 octets a line).
    """

    max_count = 1

    @classmethod
    def parse(cls, value: str, kwds: dict) -> None:
        kwds["decoded"] = " ".join(str(value).split())
        kwds["parse_tree"] = get_unstructured(kwds["decoded"])
        kwds["defects"] = []

    def fold(self, *, policy) -> str:  # noqa: D102 - the email.headerregistry protocol
        return _fold_at(self.name, str(self).split(), policy)


class _SubjectHeader(UnstructuredHeader):
    """Subject: folded between words after the first, never as `Subject:` alone on its line.

    When the whole subject fits on a line of its own, the standard library
    moves all of it to a continuation line; Python's own parser then reads it
    back with a leading space. Plain ASCII subjects are folded at spaces here
    instead; anything needing RFC 2047 words is left to the standard library.
    """

    max_count = 1

    def fold(self, *, policy) -> str:  # noqa: D102 - the email.headerregistry protocol
        folded = super().fold(policy=policy)
        value = str(self)
        if (not folded.startswith(f"{self.name}:{policy.linesep} ") or not value.isascii()
                or "  " in value or any(char in value for char in "\t\r\n")):
            return folded
        return _fold_at(self.name, value.split(" "), policy)


def _fold_at(name: str, words: list[str], policy) -> str:
    """`Name: word word …` folded only between words, each line within the policy's length where it can be."""
    lines, line = [], f"{name}:"
    for word in words:
        if len(line) + 1 + len(word) > policy.max_line_length and line != f"{name}:":
            lines.append(line)
            line = ""
        line += f" {word}"
    lines.append(line)
    return policy.linesep.join(lines) + policy.linesep


_HEADERS = HeaderClasses()
_HEADERS.map_to_type("message-id", _MessageIdsHeader)
_HEADERS.map_to_type("in-reply-to", _MessageIdsHeader)
_HEADERS.map_to_type("references", _MessageIdsHeader)
_HEADERS.map_to_type("subject", _SubjectHeader)
POLICY = policy.SMTP.clone(header_factory=_HEADERS)
# For a message to a non-ASCII address (RFC 6531/6532): its headers are written in UTF-8, never as RFC 2047
# encoded words, which are not allowed in an address. Such a message goes out only with SMTPUTF8.
UTF8_POLICY = POLICY.clone(utf8=True)

_OWN_HEADERS = frozenset(name.lower() for name in (
    "From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
    "Auto-Submitted", "X-Mailbot-Kind", "X-Mailbot-Case", "X-Auto-Response-Suppress",
    "MIME-Version", "Content-Type", "Content-Transfer-Encoding", "Content-Language", "Bcc",
))


def compose(rendered: Rendered, *, kind: Kind, from_addr: str, to: Sequence[str],
            cc: Sequence[str] = (), reply_to: str | None, message_id: str, date: datetime,
            case_ref: str | None, in_reply_to: str | None = None, references: Sequence[str] = (),
            extra_headers: Mapping[str, str] | None = None,
            attached_message: bytes | None = None) -> bytes:
    """The message as bytes (CRLF line ends, UTF-8): text/plain, or text and HTML as alternatives.

    Addresses are `Name <address>` or bare; `message_id` is used exactly as
    given, with its angle brackets; `date` must be aware. `Auto-Submitted` is
    `auto-replied` for kinds that answer a message, else `auto-generated`.
    `extra_headers` may not replace a header compose sets itself.

    `attached_message` (the raw bytes of a received message) makes the result
    multipart/mixed: the text (and HTML) first, then that message attached as
    `message/rfc822`, byte for byte as given. The one change is to line ends
    the wire requires: a bare LF (a Maildir file) becomes CRLF; input that is
    already CRLF, as IMAP gives it, is attached unchanged. Its
    Content-Transfer-Encoding says what it holds (7bit, 8bit, or binary for
    NUL, a bare CR or a line over 998 octets); 8bit needs a server with
    8BITMIME (see `needs_8bitmime`).

    Raises ValueError for a malformed address, a naive date, a clashing extra
    header or an empty attached message.
    """
    kind = Kind(kind)
    if date.tzinfo is None:
        raise ValueError("compose needs an aware date")
    if not to:
        raise ValueError("a message needs at least one To address")
    if not (message_id.startswith("<") and message_id.endswith(">")):
        raise ValueError(f"Message-ID {message_id!r} must be in angle brackets")

    addresses = {"From": [parse_address(from_addr)], "To": [parse_address(address) for address in to],
                 "Cc": [parse_address(address) for address in cc],
                 "Reply-To": [parse_address(reply_to)] if reply_to else []}
    written = UTF8_POLICY if any(not item.addr_spec.isascii() for found in addresses.values() for item in found) \
        else POLICY
    message = EmailMessage(policy=POLICY)
    for name, found in addresses.items():
        if found:
            message[name] = found if name in ("To", "Cc") else found[0]
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    if writable_id(in_reply_to or ""):
        message["In-Reply-To"] = in_reply_to
    threading = [reference for reference in references if writable_id(reference)]
    if threading:
        message["References"] = " ".join(threading)
    message["Auto-Submitted"] = "auto-replied" if kind.answers_a_message else "auto-generated"
    message["X-Auto-Response-Suppress"] = AUTO_RESPONSE_SUPPRESS
    message["X-Mailbot-Kind"] = kind.value
    if case_ref:
        message["X-Mailbot-Case"] = case_ref
    for name, value in (extra_headers or {}).items():
        if name.lower() in _OWN_HEADERS or name.lower().startswith("content-"):
            raise ValueError(f"extra header {name!r} would replace one compose sets itself")
        message[name] = value

    original = None if attached_message is None else wire_form(attached_message)
    if original is not None and not original.strip():
        raise ValueError("the attached message is empty")
    avoid = original or b""
    message.set_content(rendered.text, subtype="plain", charset="utf-8",
                        cte=_transfer_encoding(rendered.text))
    if rendered.html is not None:
        message.add_alternative(rendered.html, subtype="html", charset="utf-8",
                                cte=_transfer_encoding(rendered.html))
        message.set_boundary(_boundary(message_id, rendered, avoid=avoid))
    if original is None:
        message["Content-Language"] = "en-GB"   # after the body: set_content clears Content-* headers
        return message.as_bytes(policy=written)

    return with_original(message, original, boundary=_boundary(message_id, rendered, avoid=avoid, salt="mixed"),
                         placeholder=placeholder_for(message_id, rendered, original), policy=written)


def writable_id(message_id: str) -> bool:
    """Whether a received Message-ID can be written in In-Reply-To or References as it is.

    A sender's Message-ID may hold 8-bit bytes, spaces or control characters;
    such an id is left out (threading falls back to the case reference in
    the subject) rather than making the answer impossible to write.
    """
    return (len(message_id) > 2 and message_id.startswith("<") and message_id.endswith(">")
            and message_id.isascii() and message_id.isprintable() and " " not in message_id)


def needs_8bitmime(raw: bytes) -> bool:
    """Whether composed bytes hold 8-bit octets, so the SMTP MAIL command needs BODY=8BITMIME."""
    return not raw.isascii()


def parse_address(text: str) -> Address:
    """One `Name <address>` (the name plain, quoted or RFC 2047 encoded) or bare address, as an Address.

    Everything before the `<` is the name, so an unquoted comma in it (a body's
    name) stays in the name. Raises ValueError when there is no address.
    """
    named = _NAMED_ADDRESS.fullmatch(text or "")
    name, address = (named[1], named[2]) if named else ("", (text or "").strip())
    if not _ADDR_SPEC.fullmatch(address):
        raise ValueError(f"{text!r} is not an email address")
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = unquote(name)
    name = str(make_header(decode_header(name))) if "=?" in name else name
    local, _, domain = address.rpartition("@")
    return Address(display_name=" ".join(name.split()), username=local, domain=domain)


def envelope_recipients(to: Sequence[str], cc: Sequence[str] = ()) -> list[str]:
    """The bare addresses of To and Cc, in order: exactly the envelope recipients (no Bcc, ever)."""
    return [parse_address(address).addr_spec for address in [*to, *cc]]


def _transfer_encoding(text: str) -> str:
    """7bit for short-lined ASCII (readable as stored), quoted-printable otherwise."""
    if text.isascii() and all(len(line) <= 78 for line in text.splitlines()):
        return "7bit"
    return "quoted-printable"


def _boundary(message_id: str, rendered: Rendered, *, avoid: bytes = b"", salt: str = "") -> str:
    """A boundary fixed by the content, that occurs in none of the parts (nor in `avoid`)."""
    seed = "\0".join((message_id, rendered.subject, rendered.text, rendered.html or ""))
    if salt:
        seed += f"\0{salt}"
    if avoid:
        seed += "\0" + hashlib.sha256(avoid).hexdigest()
    counter = 0
    while True:
        digest = hashlib.sha256(f"{seed}\0{counter}".encode("utf-8", "surrogatepass")).hexdigest()
        boundary = f"=_mailbot_{digest[:32]}"
        if (boundary not in rendered.text and boundary not in (rendered.html or "")
                and boundary.encode("ascii") not in avoid):
            return boundary
        counter += 1
