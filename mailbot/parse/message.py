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
