"""The plain `Message` value that parse makes and triage reads."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Attachment:
    """One attached file (or attached message): its name, type and size in bytes."""

    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class AutomaticSignals:
    """What marks a message as written by a machine rather than a person.

    Each field is the evidence as found (header value or description), or
    empty when absent; `reasons()` lists the present ones in words.
    """

    auto_submitted: str = ""        # RFC 3834 value other than "no" ("auto-replied", ...)
    precedence: str = ""            # "bulk", "list", "junk", "auto_reply"
    list_id: str = ""               # List-Id (or List-Unsubscribe when there is no List-Id)
    null_return_path: bool = False  # Return-Path: <> (bounces and other DSNs)
    delivery_report: str = ""       # multipart/report; report-type=... , or a mailer-daemon sender
    auto_reply_headers: str = ""    # X-Autoreply, X-Autorespond (set by auto-responders; not X-Auto-Response-Suppress)
    mailbot_kind: str = ""          # our own X-Mailbot-Kind header (anyone can add it: a hint, not proof)

    def reasons(self) -> list[str]:
        """Every present signal as a short sentence, for the decision log."""
        found = []
        if self.auto_submitted:
            found.append(f"Auto-Submitted: {self.auto_submitted}")
        if self.precedence:
            found.append(f"Precedence: {self.precedence}")
        if self.list_id:
            found.append(f"mailing list ({self.list_id})")
        if self.null_return_path:
            found.append("null return path (Return-Path: <>)")
        if self.delivery_report:
            found.append(f"delivery report ({self.delivery_report})")
        if self.auto_reply_headers:
            found.append(f"auto-reply header ({self.auto_reply_headers})")
        if self.mailbot_kind:
            found.append(f"X-Mailbot-Kind: {self.mailbot_kind}")
        return found

    @property
    def any(self) -> bool:
        return bool(self.reasons())


@dataclass(frozen=True)
class Forwarded:
    """The original complaint recovered from a forward, and why parse believes it is one.

    Parse records what it found; triage decides whom to trust (an IOPC form
    layout can be typed by anyone, a bare Outlook header block also sits
    above replies). `explicit` is False when nothing but the layout says
    "forward": triage then needs evidence of its own (a known forwarder).
    """

    layout: str                     # where the original was found: "iopc-form" | "attached-message" | "gmail" | "outlook"
    sender: str                     # the original writer's address, lower-case bare; "" when none was found
    display_name: str               # their name as written; "" when none
    subject: str                    # the original's subject (for the IOPC form: the form mail's subject)
    date: str                       # as written: "Sent:" / "Date:" line, the form's "Submitted:", the attached Date:
    text: str                       # the original complaint only (for the form: its complaint answers, "Label: answer" lines)
    fields: tuple[tuple[str, str], ...] = ()   # labelled fields in order: the form's, or the inline header block's
    cover_note: str = ""            # what the sender of the mail we received wrote above the forwarded part
    evidence: tuple[str, ...] = ()  # why this is read as a forward, each naming what matched (or was missing)
    explicit: bool = True           # False when no forward marker was found (bare Outlook block, unmarked attachment)
    attachments: tuple[Attachment, ...] = ()   # the original's own, where known (an attached message's)
    message_id: str = ""            # the original's Message-ID, where known (an attached message's)

    def field(self, label: str) -> str:
        """The first field of that label (case-insensitive), or ""."""
        wanted = " ".join(label.lower().split())
        for name, value in self.fields:
            if " ".join(name.lower().split()) == wanted:
                return value
        return ""


@dataclass(frozen=True)
class Message:
    """One received email, reduced to what the later stages need.

    Addresses are lower-cased bare addresses (`jane@example.org`); names are
    as written, decoded; `text` is the readable body (HTML reduced to text,
    or the raw body when no MIME part can be found).
    """

    message_id: str                 # with angle brackets, as in the header; "" when absent
    sender: str                     # From address
    display_name: str               # From display name, "" when absent
    reply_to: str                   # Reply-To address, "" when absent
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    date_header: str                # the sender's Date: as written (never the receipt time)
    text: str
    html: str                       # the HTML part as decoded, "" when none
    attachments: tuple[Attachment, ...] = ()
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    return_path: str | None = None  # None: no header; "" : the null path <>
    automatic: AutomaticSignals = field(default_factory=AutomaticSignals)
    headers: tuple[tuple[str, str], ...] = ()   # every header, decoded, in order
    defects: tuple[str, ...] = ()   # what was repaired to read it (charset, boundary ...)
    forwarded: Forwarded | None = None   # the original inside a forward, when parse found one

    def header(self, name: str) -> str:
        """The first header of that name (case-insensitive), or ""."""
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return ""

    @property
    def reply_address(self) -> str:
        """Where an answer to the writer goes: Reply-To, else From."""
        return self.reply_to or self.sender
