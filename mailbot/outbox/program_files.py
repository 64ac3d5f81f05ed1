"""Program files in received mail: never passed on to another body, each named where it was left out.

A redirect carries the complaint to another body from our own address, so
whatever it carries looks vouched for by us. A file that runs when opened
is left out of the copy that goes; the record keeps the message whole.

What counts as a program (a judgement, kept deliberately narrow so that
evidence is not lost): the extensions below, whatever the claimed type;
the types that name a program; and a Windows program (`MZ` at the start)
whatever its name. Office files that can carry macros (`.docm`, `.xlsm`,
...) count as programs: macros run code, a complainant's evidence hardly
needs them, and staff can still pass the kept file on by hand. Older
Office files (`.doc`, `.xls`) and archives (`.zip`) are passed on: they are
common evidence, and the receiving body's own mail filter looks inside them.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from email import charset, policy
from email.errors import HeaderParseError
from email.generator import BytesGenerator
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from io import BytesIO

PROGRAM_EXTENSIONS = frozenset({
    "exe", "scr", "js", "jse", "vbs", "vbe", "wsf", "wsh", "bat", "cmd", "com", "pif", "cpl", "msi", "msp",
    "jar", "ps1", "psm1", "lnk", "hta", "iso", "img", "vhd", "vhdx", "dll", "reg", "application", "appx", "msix",
    "docm", "dotm", "xlsm", "xltm", "xlam", "pptm", "potm", "ppsm", "ppam", "sldm",
})
PROGRAM_TYPES = frozenset({
    "application/x-msdownload", "application/x-msdos-program", "application/x-dosexec", "application/x-msi",
    "application/x-ms-installer", "application/java-archive", "application/x-java-archive",
    "application/x-ms-shortcut", "application/hta", "application/x-iso9660-image", "application/javascript",
    "application/x-javascript", "text/javascript", "application/x-vbscript", "text/vbscript",
    "application/vnd.ms-word.document.macroenabled.12", "application/vnd.ms-excel.sheet.macroenabled.12",
    "application/vnd.ms-powerpoint.presentation.macroenabled.12",
})
_PE_MAGIC = b"MZ"
# Every attached file is named or marked as one: mail without these words has none, and is not parsed again.
_ATTACHMENT_HINT = re.compile(rb"filename|name\s*=|disposition:\s*attachment", re.IGNORECASE)   # linear: literals, one \s*
_POLICY = policy.compat32.clone(linesep="\r\n")   # compat32 writes headers back as they came
_NOTE_CHARSET = charset.Charset("utf-8")
_NOTE_CHARSET.body_encoding = charset.QP          # the note stays readable in the raw message


@dataclass(frozen=True)
class Withheld:
    """One attached file left out of what is passed on: its name as the sender gave it, and its size."""

    filename: str
    content_type: str
    size: int


def is_program(filename: str, content_type: str, head: bytes = b"") -> bool:
    """Whether a file runs when opened: by its name's last extension, its declared type, or its first bytes."""
    extension = filename.strip().rstrip(".").rsplit(".", 1)[-1].lower() if "." in filename else ""
    return (extension in PROGRAM_EXTENSIONS or content_type.lower() in PROGRAM_TYPES
            or head.startswith(_PE_MAGIC))


def without_programs(raw: bytes) -> tuple[bytes, tuple[Withheld, ...]]:
    """`raw` with every program file replaced by a short note, and what was left out.

    When the message holds no program file, `raw` comes back unchanged, byte
    for byte; otherwise it is written again around the notes (compat32: the
    headers as they came). Attached messages are looked into as well.
    """
    if not _ATTACHMENT_HINT.search(raw):
        return raw, ()
    message = BytesParser(policy=_POLICY).parsebytes(raw)
    withheld: list[Withheld] = []
    pending: list[Message] = [message]   # a stack, not recursion: nesting is the sender's choice
    while pending:
        part = pending.pop()
        payload = part.get_payload()
        if isinstance(payload, list):
            pending.extend(reversed(payload))
            continue
        filename = _filename(part)
        if not (filename or str(part.get("Content-Disposition", "")).lower().startswith("attachment")):
            continue
        if is_program(filename, part.get_content_type(), _head(part)):
            withheld.append(Withheld(filename or "(no file name)", part.get_content_type(), _decoded_size(part)))
            _replace_with_note(part, filename, withheld[-1].size)
    if not withheld:
        return raw, ()
    out = BytesIO()
    BytesGenerator(out, mangle_from_=False, policy=_POLICY).flatten(message)
    return out.getvalue(), tuple(withheld)


def _head(part: Message) -> bytes:
    """The first bytes of a part, decoding only the start of base64 (a large file is not decoded whole)."""
    payload = part.get_payload()
    if not isinstance(payload, str):
        return b""
    if part.get("Content-Transfer-Encoding", "").strip().lower() == "base64":
        start = "".join(payload[:200].split())[:16]
        try:
            return base64.b64decode(start[: len(start) - len(start) % 4])
        except (binascii.Error, ValueError):
            return b""
    return payload[:16].encode("latin-1", "replace")


def _decoded_size(part: Message) -> int:
    payload = part.get_payload()
    if not isinstance(payload, str):
        return 0
    if part.get("Content-Transfer-Encoding", "").strip().lower() == "base64":
        return len("".join(payload.split())) * 3 // 4
    return len(payload)


def _filename(part: Message) -> str:
    """The part's file name as the sender's mail program shows it (RFC 2231 and RFC 2047 decoded)."""
    name = str(part.get_filename() or part.get_param("name") or "")
    if "=?" in name:
        try:
            name = str(make_header(decode_header(name)))
        except (HeaderParseError, UnicodeError, LookupError):
            pass   # judged by the name as written
    return " ".join(name.split())


def _replace_with_note(part: Message, filename: str, size: int) -> None:
    """Make `part` a short text saying what was left out there, in place (the tree keeps its shape)."""
    for header in ("Content-Type", "Content-Transfer-Encoding", "Content-Disposition", "Content-Description"):
        del part[header]
    name = filename or "an attached file"
    part.set_payload(f"[{name} ({size} bytes) was left out here: it is a program file, which is never passed "
                     "on. The message is kept whole in the record of the office that passed it on.]\r\n",
                     charset=_NOTE_CHARSET)
    part["Content-Disposition"] = "inline"
