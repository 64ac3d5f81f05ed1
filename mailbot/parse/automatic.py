"""The evidence in a message's headers that a machine, not a person, wrote it.

Parse only records what it finds; triage decides what it means (an IOPC
form forward says `Auto-Submitted: auto-generated` and is still a complaint).
What counts follows RFC 3834 and what mail systems really send:

- `Auto-Submitted` with any value but `no`; `no` says a person wrote it.
- `Precedence: bulk | list | junk | auto_reply` (RFC 3834 section 3.1.8).
- A mailing list: `List-Id`, else `List-Unsubscribe` or `List-Post`.
- The null return path `<>`, used by bounces and other notifications.
- A delivery report: `multipart/report`, or a MAILER-DAEMON / postmaster sender.
- `X-Autoreply`, `X-Autorespond` (vacation programs). Not
  `X-Auto-Response-Suppress`: Outlook sets it on ordinary mail too.
- Our own `X-Mailbot-Kind`.

No guessing from the subject ("Out of office", "Auto:"): people write those.
"""

from __future__ import annotations

import re

from mailbot.parse.headers import Headers
from mailbot.parse.message import AutomaticSignals

_COMMENT = re.compile(r"\([^()]*\)")       # linear: a class that stops at the next parenthesis
_WORD_BREAK = re.compile(r"[\s()]+")       # linear: one class
_BULK_PRECEDENCE = {"bulk", "list", "junk", "auto_reply"}
_DAEMON_LOCAL_PARTS = {"mailer-daemon", "postmaster"}
_LIST_HEADERS = ("List-Id", "List-Unsubscribe", "List-Post")
_AUTO_REPLY_HEADERS = ("X-Autoreply", "X-Autorespond")


def automatic_signals(
    headers: Headers, *, sender: str, return_path: str | None, content_type: str, report_type: str
) -> AutomaticSignals:
    """What in these headers marks the message as automatic; empty fields when nothing does."""
    return AutomaticSignals(
        auto_submitted=_auto_submitted(headers),
        precedence=_precedence(headers),
        list_id=_mailing_list(headers),
        null_return_path=return_path == "",
        delivery_report=_delivery_report(sender, content_type, report_type),
        auto_reply_headers=_auto_reply_headers(headers),
        mailbot_kind=headers.first("X-Mailbot-Kind"),
    )


def _keyword(value: str) -> str:
    """The leading keyword of a structured value, without comments or parameters."""
    bare = _COMMENT.sub(" ", value.split(";", 1)[0])   # one pass: nesting is not worth a loop
    words = _WORD_BREAK.split(bare.strip(" \t()"))
    return words[0].lower() if words else ""


def _auto_submitted(headers: Headers) -> str:
    for value in headers.all("Auto-Submitted"):
        keyword = _keyword(value)
        if keyword and keyword != "no":
            return keyword
    return ""


def _precedence(headers: Headers) -> str:
    keyword = _keyword(headers.first("Precedence"))
    return keyword if keyword in _BULK_PRECEDENCE else ""


def _mailing_list(headers: Headers) -> str:
    for name in _LIST_HEADERS:
        value = headers.first(name)
        if value:
            return value if name == "List-Id" else f"{name}: {value}"
    return ""


def _delivery_report(sender: str, content_type: str, report_type: str) -> str:
    evidence = []
    if content_type == "multipart/report":
        evidence.append(f"multipart/report; report-type={report_type or 'unknown'}")
    if sender.partition("@")[0] in _DAEMON_LOCAL_PARTS:
        evidence.append(f"sent by {sender}")
    return "; ".join(evidence)


def _auto_reply_headers(headers: Headers) -> str:
    found = [f"{name}: {headers.first(name)}" for name in _AUTO_REPLY_HEADERS if name in headers]
    return ", ".join(found)
