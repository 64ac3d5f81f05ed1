"""The complaint as triage reads it: the original writer and text, even when it reached us forwarded."""

from __future__ import annotations

from dataclasses import dataclass

from mailbot import patterns
from mailbot.parse.message import Attachment, Forwarded, Message
from mailbot.triage.ruleset import RuleSet

_SALUTATION = patterns.compile(r"^\s*(dear|to|hello|hi|good (morning|afternoon|evening))\b[^\n]{0,60}$", ignore_case=True)


@dataclass(frozen=True)
class ComplaintView:
    """Who complains and what they wrote; `forwarded` is set only for a forward triage trusts."""

    message: Message
    sender: str
    display_name: str
    subject: str
    body: str                       # the complaint text without its salutation line
    attachments: tuple[Attachment, ...]
    forwarded: Forwarded | None = None
    forward_evidence: tuple[str, ...] = ()
    forwarder: str = ""             # who passed it on: the name and address of the mail we received

    def place(self, name: str) -> str:
        """The text of one place a signal may look in (signals.PLACES)."""
        if name == "text":
            return f"{self.subject}\n{self.body}"
        if name == "subject":
            return self.subject
        if name == "body":
            return self.body
        if name == "sender":
            return self.sender
        if name == "attachments":
            return "\n".join(item.filename for item in self.attachments)
        if name == "cover-note":
            return self.forwarded.cover_note if self.forwarded else ""
        raise KeyError(name)

    def form_field(self, label: str) -> str:
        return self.forwarded.field(label) if self.forwarded else ""

    @property
    def full_text(self) -> str:
        return self.place("text")


def complaint_view(message: Message, ruleset: RuleSet, own_addresses: frozenset[str]) -> ComplaintView:
    """Read a forwarded complaint as its original when the forward is trusted, else the message itself."""
    forwarded, evidence = _trusted_forward(message, ruleset, own_addresses)
    if forwarded is None:
        return ComplaintView(message=message, sender=message.reply_address, display_name=message.display_name,
                             subject=message.subject, body=_without_salutation(message.text),
                             attachments=message.attachments, forward_evidence=evidence)
    return ComplaintView(
        message=message, sender=forwarded.sender, display_name=forwarded.display_name,
        subject=forwarded.subject or message.subject, body=_without_salutation(forwarded.text),
        attachments=forwarded.attachments or message.attachments, forwarded=forwarded,
        forward_evidence=evidence,
        forwarder=f"{message.display_name} <{message.sender}>" if message.display_name else message.sender,
    )


def _trusted_forward(message: Message, ruleset: RuleSet, own: frozenset[str]) -> tuple[Forwarded | None, tuple[str, ...]]:
    found = message.forwarded
    if found is None:
        return None, ()
    evidence = list(found.evidence)
    bodies = {body.address for body in ruleset.bodies.values()}
    if not found.sender:
        return None, (*evidence, "no original writer's address found: read as the forwarder's own mail")
    if found.sender in own or found.sender in bodies:
        return None, (*evidence, f"the quoted block is from {found.sender}, one of our own addresses: not a forward")
    known = ruleset.forwarder(message.sender)
    if known is not None:
        evidence.append(f"sent by {known.name} ({message.sender}), a known forwarder")
    cover_lines = len([line for line in found.cover_note.splitlines() if line.strip()])
    short = cover_lines <= ruleset.policy.forward_cover_note_max_lines
    if short:
        evidence.append(f"short cover note ({cover_lines} lines)")
    # Outlook writes the same header block above a quoted reply: the layout alone is not enough.
    # An unmarked attached message is often a reply the complainant got from the police: never its writer.
    if found.explicit or known is not None or (short and found.layout == "outlook"):
        return found, tuple(evidence)
    return None, (*evidence, "a header block with no forward marker, no known forwarder and a long note: read as a reply")


_QUOTE_INTRO = patterns.compile(r"^\s*On .{5,200}\bwrote:\s*$")


def _own_words(text: str) -> str:
    """The writer's own words: quoted lines ("> …") and their "On … wrote:" line left out."""
    return "\n".join(line for line in text.splitlines()
                     if not line.lstrip().startswith(">") and not ("wrote:" in line and _QUOTE_INTRO.match(line)))


def _without_salutation(text: str) -> str:
    """The writer's own text without its opening "Dear …," line, so that "Dear Commissioner" is not a subject."""
    lines = _own_words(text).splitlines()
    for index, line in enumerate(lines[:4]):
        if _SALUTATION.match(line):
            return "\n".join(lines[:index] + lines[index + 1:])
        if line.strip():
            break
    return "\n".join(lines)
