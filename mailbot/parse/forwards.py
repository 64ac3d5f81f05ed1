"""Whether a message carries a forwarded complaint, and the original recovered from it.

Other bodies forward complaints: the IOPC mails its online form, a force's
staff forward from Outlook (inline, or the original attached as
message/rfc822), another mailbot installation redirects with the original
attached. Parse recovers the original writer and text and says, in
`evidence`, what made it think so; triage decides whom to trust.

Which layout wins when a message holds more than one:
1. an inline block with a forward marker (a "Forwarded message" line, an
   FW:/Fwd: subject, "forward" in the cover note): that is the forward, a
   message attached below it belongs to the original, and an IOPC form as
   its original text is read as the form;
2. the IOPC form in the body (an answer may quote a header block);
3. an attached message (the first one): Outlook's "forward as attachment",
   and mailbot's own redirect;
4. an unmarked Outlook header block (`explicit=False`): as likely a reply,
   and no forward at all when it is the writer's own correspondence: mail
   they sent (its From is theirs) or mail sent to them (its To is theirs),
   quoted below their own words.
A delivery report's returned message is never a forward.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from email.message import EmailMessage

from mailbot.errors import UnreadableMail
from mailbot.parse.forward_blocks import FORWARD_PREFIX, InlineForward, find_inline_forward
from mailbot.parse.iopc_form import read_iopc_form
from mailbot.parse.message import Forwarded, Message
from mailbot.parse.written_address import written_address

ReadAttached = Callable[[EmailMessage], Message]   # reads a message/rfc822 part's message

# linear: no nested quantifier; the word and the spaces after it are disjoint classes
_FORWARD_WORD = re.compile(r"(?:\b([a-z]+)\s+)?\b(forward(?:s|ed|ing)?)\b", re.IGNORECASE)
# "I look forward to your reply", "put forward a complaint": the word, but not a forward.
_NOT_FORWARDING = {
    "look", "looks", "looking", "looked", "go", "going", "move", "moving", "way", "put", "putting",
    "come", "came", "coming", "step", "bring", "bringing", "brought", "carry", "carried", "straight",
}
_ATTACHED_MESSAGE_TYPES = {"message/rfc822", "message/global"}
_HEADERS_KEPT = ("From", "To", "Cc", "Date", "Subject")


@dataclass(frozen=True)
class _Markers:
    """What in the message we received says "forward", and what was looked for in vain."""

    found: tuple[str, ...]
    missing: tuple[str, ...]


def find_forwarded(
    mime: EmailMessage, *, subject: str, text: str, content_type: str, mailbot_kind: str,
    read_attached: ReadAttached | None, writer: tuple[str, str] = ("", ""),
) -> tuple[Forwarded | None, tuple[str, ...]]:
    """The forwarded original in this message, or None; and the defects met reading it.

    `read_attached` reads an attached message (a message/rfc822 part) as
    parse reads any message (None when nesting is already too deep to read
    another). Never raises: a forward that cannot
    be recovered costs the Forwarded value, recorded in the defects, not the
    message.
    """
    defects: list[str] = []
    try:
        if content_type == "multipart/report":
            return None, ()
        found = _find(mime, subject=subject, text=text, mailbot_kind=mailbot_kind,
                      read_attached=read_attached, defects=defects, writer=writer)
    except Exception as error:
        # The boundary of forward recovery, on purpose: the message itself was
        # read, and a stranger's odd forward must not make it unreadable.
        defects.append(f"forwarded message not recovered: {type(error).__name__}: {error}")
        return None, tuple(defects)
    return found, tuple(defects)


def _find(mime, *, subject, text, mailbot_kind, read_attached, defects, writer) -> Forwarded | None:
    inline = find_inline_forward(text)
    if inline is not None:
        markers = _markers(subject, inline.cover_note, mailbot_kind)
        if (markers.found or any(block.layout == "gmail" for block in inline.chain)) and not _quotes_a_machine(inline):
            return _from_inline(inline, markers)
    form = read_iopc_form(text, subject=subject)
    if form is not None:
        return form
    attached = _first_attached_message(mime)
    if attached is not None:
        found = _from_attached(attached, subject=subject, text=text, mailbot_kind=mailbot_kind,
                               read_attached=read_attached, defects=defects)
        if found is not None:
            return found
    if inline is not None and not _own_correspondence(inline, writer) and not _quotes_a_machine(inline):
        return _from_inline(inline, _markers(subject, inline.cover_note, mailbot_kind))
    return None


# Addresses that send automatic confirmations: mail from them, passed on, is nobody's complaint.
_MACHINE_SENDERS = ("noreply", "no-reply", "no_reply", "donotreply", "do-not-reply", "do_not_reply", "mailer-daemon",
                    "postmaster", "notifications", "auto-confirm", "autoreply", "auto-reply")


def _quotes_a_machine(inline: InlineForward) -> bool:
    """Whether the passed-on mail is an automatic one ("Your report has been received"), not a form a person filled in.

    A person forwarding a confirmation they were sent writes for themselves;
    the IOPC's form mail, also from a no-reply address, carries a person's complaint and is read as one.
    """
    _, sender = written_address(inline.chain[-1].header("From"))
    local = sender.split("@", 1)[0]
    return any(local.startswith(word) for word in _MACHINE_SENDERS) and read_iopc_form(inline.text, subject="") is None


def _own_correspondence(inline: InlineForward, writer: tuple[str, str]) -> bool:
    """Whether an unmarked block quotes mail the writer sent or was sent: their own story, not another's.

    `writer` is (display name, address) of the message's From; a block's From
    or To naming the same address, or the same name of two words or more, is theirs.
    """
    name, address = writer
    name = " ".join(name.lower().split())
    for block in inline.chain:
        for header in ("From", "To"):
            written_name, written = written_address(block.header(header))
            written_name = " ".join(written_name.lower().replace(",", " ").split())
            if (address and written == address.lower()) or \
                    (len(name.split()) >= 2 and (written_name == name or _same_person(written_name, name))):
                return True
    return False


def _same_person(written: str, name: str) -> bool:
    """"Fairclough Keith" and "Keith Fairclough": Outlook writes "Surname, Forename"."""
    return sorted(written.split()) == sorted(name.split())


def _markers(subject: str, cover_note: str, mailbot_kind: str) -> _Markers:
    found, missing = [], []
    prefix = FORWARD_PREFIX.match(subject)
    if prefix:
        found.append(f"subject prefix {prefix.group(1)!r}")
    else:
        missing.append("no FW:/Fwd: subject prefix")
    word = next((hit.group(2) for hit in _FORWARD_WORD.finditer(cover_note)
                 if (hit.group(1) or "").lower() not in _NOT_FORWARDING), "")
    if word:
        found.append(f"the cover note says {word!r}")
    else:
        missing.append("no 'forward' in the cover note")
    if mailbot_kind.strip().lower() == "redirect":
        found.append("X-Mailbot-Kind: redirect (a mailbot installation redirected it)")
    return _Markers(tuple(found), tuple(missing))


def _from_inline(inline: InlineForward, markers: _Markers) -> Forwarded:
    chain, original = inline.chain, inline.chain[-1]
    evidence = [_describe(block) for block in chain]
    if len(chain) > 1:
        evidence.append(f"forward of a forward: {len(chain)} blocks, the original is the innermost")
    explicit = bool(markers.found) or any(block.layout == "gmail" for block in chain)
    evidence.extend(markers.found if explicit else markers.missing)
    form = read_iopc_form(inline.text, subject=original.header("Subject"))
    if form is not None:   # a person forwarded the IOPC's form mail
        return replace(form, cover_note=inline.cover_note, explicit=explicit,
                       evidence=(*evidence, *form.evidence))
    display_name, sender = written_address(original.header("From"))
    if not sender:
        evidence.append(f"the block's From line names no address ({original.header('From')!r})")
    return Forwarded(
        layout=original.layout,
        sender=sender,
        display_name=display_name,
        subject=original.header("Subject"),
        date=original.header("Sent") or original.header("Date"),
        text=inline.text,
        fields=original.headers,
        cover_note=inline.cover_note,
        evidence=tuple(evidence),
        explicit=explicit,
    )


def _describe(block) -> str:
    names = ", ".join(name for name, _ in block.headers) or "no header lines"
    if block.header("From"):
        names = f"{names}; From: {block.header('From')}"
    if block.layout == "gmail":
        return f"forward marker {block.marker!r} ({names})"
    if block.marker:
        return f"Outlook header block ({names}) under {block.marker!r}, which Outlook also writes above replies"
    return f"Outlook header block ({names}) with no marker line"


def _from_attached(part, *, subject, text, mailbot_kind, read_attached, defects) -> Forwarded | None:
    if read_attached is None:
        defects.append("attached message nested too deeply to read")
        return None
    try:
        inner = read_attached(part)
    except UnreadableMail as error:
        defects.append(f"attached message unreadable: {error}")
        return None
    defects.extend(f"attached message: {defect}" for defect in inner.defects)
    markers = _markers(subject, text, mailbot_kind)
    explicit = bool(markers.found)
    evidence = (f"attached {part.get_content_type()} from {inner.sender or 'no address'}, "
                f"subject {inner.subject!r}", *(markers.found if explicit else markers.missing))
    if inner.forwarded is not None and inner.forwarded.explicit:
        # The attached message is itself a forward (a redirected IOPC form,
        # a forwarded FW:): its original is the complainant's.
        return replace(inner.forwarded, cover_note=text, explicit=explicit,
                       evidence=(*evidence, "the attached message is itself a forward",
                                 *inner.forwarded.evidence))
    return Forwarded(
        layout="attached-message",
        sender=inner.sender,
        display_name=inner.display_name,
        subject=inner.subject,
        date=inner.date_header,
        text=inner.text,
        fields=tuple((name, inner.header(name)) for name in _HEADERS_KEPT if inner.header(name)),
        cover_note=text,
        evidence=evidence,
        explicit=explicit,
        attachments=inner.attachments,
        message_id=inner.message_id,
    )


def _first_attached_message(mime: EmailMessage) -> EmailMessage | None:
    """The first attached message in document order, not looking inside attached messages."""
    pending = [mime]   # a stack, not recursion: nesting depth is the sender's choice
    while pending:
        part = pending.pop()
        if part is not mime and part.get_content_type() in _ATTACHED_MESSAGE_TYPES:
            return part
        if part.is_multipart() and part.get_content_maintype() == "multipart":
            pending.extend(reversed(part.get_payload()))
    return None
