"""A deterministic backlog of realistic mail in the words of the test corpus (benchmarks/backlog.py, tests/e2e).

Each message is one of: a complaint to the Police and Crime Panel (the
corpus's Panel complaints, rewritten for each sender) in plain text, or multipart/alternative
as Outlook and webmail send it (text and a styled HTML copy); 6 % of them
carry a 200 KB PDF; some are automatic (out-of-office replies, bounces) and
some are complainants' replies to their own earlier mail, quoting it. Every
sender is someone of their own, so the cap on automatic answers never holds
an acknowledgement back. The same seed gives the same bytes.
"""

from __future__ import annotations

import base64
import quopri
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.parser import BytesParser
from email.utils import format_datetime, parseaddr
from html import escape
from pathlib import Path
from typing import Iterator

CORPUS = Path(__file__).resolve().parent / "corpus" / "mail"
AUTOMATIC = ("p17-pcc-out-of-office-reply.eml", "p18-panel-bounce.eml", "t28-pcc-exchange-automatic-reply.eml")
NOT_COMPLAINTS = ("forged", "newsletter", "bulletin", "cleveland", "iopc-form", "force-forward", "outlook-forward",
                  "gmail-forward", "dse-forward")
ATTACHMENT_SHARE, AUTOMATIC_SHARE, REPLY_SHARE, PLAIN_SHARE = 0.06, 0.05, 0.10, 0.30
ATTACHMENT_BYTES = 200 * 1024
MAILBOX_ADDRESS = "democratic.services@peterborough.gov.uk"

# What Outlook puts before the words of every HTML message: most of the size of ordinary mail.
OUTLOOK_STYLE = ("<html xmlns:v=\"urn:schemas-microsoft-com:vml\" xmlns:o=\"urn:schemas-microsoft-com:office:office\">"
                 "<head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">"
                 "<meta name=\"Generator\" content=\"Microsoft Word 15 (filtered medium)\"><style><!--\r\n"
                 + "".join(f"@font-face {{font-family:\"Font {n}\"; panose-1:2 15 5 2 2 2 4 3 2 4;}}\r\n"
                           for n in range(12))
                 + "".join(f"p.MsoStyle{n}, li.MsoStyle{n}, div.MsoStyle{n} {{margin:0cm; font-size:11.0pt; "
                           f"font-family:\"Calibri\",sans-serif; mso-style-priority:{n}; color:#1F1F1F;}}\r\n"
                           for n in range(75))
                 + "--></style></head><body lang=\"EN-GB\" link=\"#0563C1\" vlink=\"#954F72\"><div class=WordSection1>")


@dataclass(frozen=True)
class Template:
    name: str
    display_name: str
    subject: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Generated:
    """One message of the backlog: its bytes, when it was received, and what mailbot should make of it."""

    raw: bytes
    received_at: datetime
    kind: str            # complaint | attachment | automatic | reply
    sender: str


def load_templates() -> tuple[list[Template], list[bytes]]:
    """(complaints to write new ones from, the automatic mail to copy)."""
    complaints = []
    for path in sorted(CORPUS.glob("*.eml")):
        if path.name in AUTOMATIC or "panel" not in path.name or any(word in path.name for word in NOT_COMPLAINTS):
            continue
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        body = message.get_body(("plain", "html"))
        if body is None:
            continue
        try:
            text = body.get_content()
        except (LookupError, ValueError):
            continue
        if body.get_content_type() == "text/html":
            text = re.sub(r"<[^>]*>", "", text)
        paragraphs = tuple(" ".join(part.split()) for part in re.split(r"\n\s*\n", text) if part.strip())
        display = parseaddr(str(message["From"]))[0] or "A Resident"
        complaints.append(Template(path.stem, display, str(message["Subject"] or "Complaint"), paragraphs))
    automatic = [(CORPUS / name).read_bytes() for name in AUTOMATIC]
    return complaints, automatic


def backlog(count: int, *, now: datetime, seed: int = 11) -> Iterator[Generated]:
    """`count` messages received over the 36 hours before `now`, oldest first; the same seed, the same mail."""
    rng = random.Random(seed)
    complaints, automatic = load_templates()
    start = now - timedelta(hours=36)
    answered: list[tuple[str, str, str, Template]] = []   # (sender, Message-ID, subject, template) of complaints
    for number in range(count):
        received = start + timedelta(seconds=(number + rng.random()) * 36 * 3600 / count)
        roll = rng.random()
        if roll < AUTOMATIC_SHARE:
            raw = _automatic(rng.choice(automatic), number, received)
            yield Generated(raw, received, "automatic", "")
        elif roll < AUTOMATIC_SHARE + REPLY_SHARE and answered:
            sender, message_id, subject, template = rng.choice(answered)
            yield Generated(_reply(rng, template, sender, message_id, subject, number, received), received, "reply",
                            sender)
        else:
            template = rng.choice(complaints)
            sender = f"{_local(template.display_name)}.{number}@example.org"
            message_id = f"<backlog.{number}.{seed}@example.org>"
            with_pdf = rng.random() < ATTACHMENT_SHARE / (1 - AUTOMATIC_SHARE - REPLY_SHARE)
            raw = _complaint(rng, template, sender, message_id, received, with_pdf=with_pdf)
            answered.append((sender, message_id, template.subject, template))
            yield Generated(raw, received, "attachment" if with_pdf else "complaint", sender)


def _local(display_name: str) -> str:
    return re.sub(r"[^a-z]+", ".", display_name.lower()).strip(".") or "resident"


def _headers(rng: random.Random, template: Template, sender: str, message_id: str, subject: str, received: datetime,
             content_type: str, extra: str = "") -> str:
    hops = "".join(f"Received: from relay{hop}.example.net (relay{hop}.example.net [192.0.2.{rng.randint(1, 254)}])\r\n"
                   f"\tby mx{hop}.peterborough.gov.uk with ESMTPS id {rng.getrandbits(64):016x}\r\n"
                   f"\tfor <{MAILBOX_ADDRESS}>; {format_datetime(received)}\r\n" for hop in range(rng.randint(2, 5)))
    signature = base64.b64encode(rng.randbytes(256)).decode()
    return (f"Return-Path: <{sender}>\r\n{hops}"
            f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=mail;\r\n"
            f"\th=from:to:subject:date:message-id; bh={base64.b64encode(rng.randbytes(32)).decode()};\r\n"
            f"\tb={signature[:76]}\r\n\t{signature[76:152]}\r\n\t{signature[152:]}\r\n"
            f"Date: {format_datetime(received - timedelta(seconds=rng.randint(2, 90)))}\r\n"
            f"From: {template.display_name} <{sender}>\r\nTo: {MAILBOX_ADDRESS}\r\nSubject: {subject}\r\n"
            f"Message-ID: {message_id}\r\n{extra}MIME-Version: 1.0\r\nContent-Type: {content_type}\r\n")


def _text_part(text: str) -> str:
    return f"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{text}\r\n"


def _html_part(paragraphs: list[str]) -> str:
    html = OUTLOOK_STYLE + "".join(
        f"<p class=MsoStyle{index % 75} style=\"margin-bottom:8.0pt;line-height:107%\"><span style=\"font-size:"
        f"11.0pt;font-family:&quot;Calibri&quot;,sans-serif;mso-fareast-language:EN-GB\">{escape(paragraph)}"
        f"<o:p></o:p></span></p>\r\n" for index, paragraph in enumerate(paragraphs)) + "</div></body></html>"
    encoded = quopri.encodestring(html.encode("utf-8")).decode("ascii").replace("\n", "\r\n")
    return f"Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{encoded}\r\n"


def _multipart(parts: list[str], boundary: str) -> str:
    return "".join(f"--{boundary}\r\n{part}" for part in parts) + f"--{boundary}--\r\n"


def _complaint(rng: random.Random, template: Template, sender: str, message_id: str, received: datetime, *,
               with_pdf: bool) -> bytes:
    paragraphs = list(template.paragraphs)
    text = "\r\n\r\n".join(paragraphs)
    if rng.random() < PLAIN_SHARE and not with_pdf:
        return (_headers(rng, template, sender, message_id, template.subject, received,
                         "text/plain; charset=utf-8")
                + "Content-Transfer-Encoding: 8bit\r\n\r\n" + text + "\r\n").encode()
    alternative = f"=_alt_{rng.getrandbits(48):012x}"
    body = _multipart([_text_part(text), _html_part(paragraphs)], alternative)
    if not with_pdf:
        return (_headers(rng, template, sender, message_id, template.subject, received,
                         f'multipart/alternative; boundary="{alternative}"') + "\r\n" + body).encode()
    mixed = f"=_mixed_{rng.getrandbits(48):012x}"
    pdf = base64.encodebytes(rng.randbytes(ATTACHMENT_BYTES)).decode("ascii").replace("\n", "\r\n")
    attachment = ("Content-Type: application/pdf; name=\"evidence.pdf\"\r\n"
                  "Content-Disposition: attachment; filename=\"evidence.pdf\"\r\n"
                  f"Content-Transfer-Encoding: base64\r\n\r\n{pdf}")
    inner = f"Content-Type: multipart/alternative; boundary=\"{alternative}\"\r\n\r\n{body}"
    return (_headers(rng, template, sender, message_id, template.subject, received,
                     f'multipart/mixed; boundary="{mixed}"') + "\r\n" + _multipart([inner, attachment], mixed)).encode()


def _reply(rng: random.Random, template: Template, sender: str, earlier_id: str, subject: str, number: int,
           received: datetime) -> bytes:
    quoted = "\r\n".join("> " + paragraph for paragraph in template.paragraphs)
    text = ("Dear Democratic Services,\r\n\r\nFurther to my email below, I have remembered something more: the "
            "officer I spoke to afterwards said he would pass my concerns on, and nobody has been in touch since. "
            f"I would be grateful if this could be added to my complaint.\r\n\r\n{template.display_name}\r\n\r\n"
            f"On {format_datetime(received - timedelta(hours=3))}, {template.display_name} <{sender}> wrote:\r\n"
            f"{quoted}\r\n")
    extra = f"In-Reply-To: {earlier_id}\r\nReferences: {earlier_id}\r\n"
    return (_headers(rng, template, sender, f"<backlog.reply.{number}@example.org>", "Re: " + subject, received,
                     "text/plain; charset=utf-8", extra) + "Content-Transfer-Encoding: 8bit\r\n\r\n" + text).encode()


def _automatic(raw: bytes, number: int, received: datetime) -> bytes:
    """A copy of an automatic message of the corpus with a Message-ID and a date of its own."""
    head, separator, body = raw.partition(b"\n\n") if b"\r\n\r\n" not in raw else raw.partition(b"\r\n\r\n")
    lines = [line for line in head.splitlines() if not re.match(rb"(?i)(message-id|date):", line)]
    lines += [f"Message-ID: <backlog.automatic.{number}@example.net>".encode(),
              f"Date: {format_datetime(received)}".encode()]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
