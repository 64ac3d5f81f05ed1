"""Writing outgoing mail to a folder instead of sending it (the demo, and `transport = "directory"`).

What it writes holds personal data: the files are 0600 and a folder it makes
is 0700, whatever the umask.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from datetime import timezone
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import parsedate_to_datetime
from pathlib import Path

from mailbot.errors import PermanentSendError, TransientSendError
from mailbot.outbox.envelope import Refused, describe_refused, refused_before_sending


class DirectoryTransport:
    """Writes each message to a folder instead of sending it (the demo, and `transport = "directory"`).

    `NAME.eml` holds the raw bytes unchanged and `NAME.envelope.json` the
    envelope; NAME is `DATE-KIND-MESSAGEID` (the Date header in UTC, so the
    files sort in sending order). Both files are written atomically, the
    envelope first; the same Message-ID again overwrites the same two files.
    """

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def __enter__(self) -> DirectoryTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def connect(self) -> None:
        """Make sure the folder can be written (the counterpart of SmtpTransport.connect)."""
        try:
            _private_folder(self.directory)
        except OSError as error:
            raise TransientSendError(f"folder {self.directory}: cannot write: {error}") from error

    def close(self) -> None:
        """Nothing to close (the counterpart of SmtpTransport.close)."""

    def send(self, envelope_from: str, recipients: list[str], raw: bytes) -> Refused:
        """Write the message and its envelope, as a server offering SMTPUTF8 would take them.

        Returns the recipients refused: only addresses that cannot be written
        in an SMTP command (mailbot/outbox/envelope.py); raises
        PermanentSendError when that is every recipient.
        """
        if not recipients:
            raise PermanentSendError("a message with no recipients cannot be sent")
        refused = refused_before_sending(recipients, smtputf8=True)
        accepted = [address for address in recipients if address not in refused]
        if not accepted:
            raise PermanentSendError(f"folder {self.directory}: no recipient can be sent to: "
                                     f"{describe_refused(refused)}")
        headers = BytesHeaderParser().parsebytes(raw)
        name = self.name_for(raw, headers)
        envelope = {"from": envelope_from, "to": accepted,
                    "message_id": _header(headers, "Message-ID"), "kind": _header(headers, "X-Mailbot-Kind")}
        try:
            _private_folder(self.directory)
            _write_atomically(self.directory / f"{name}.envelope.json",
                              (json.dumps(envelope, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
            _write_atomically(self.directory / f"{name}.eml", raw)
        except OSError as error:
            raise TransientSendError(f"cannot write to {self.directory}: {error}") from error
        return refused

    @staticmethod
    def name_for(raw: bytes, headers: Message | None = None) -> str:
        """`20261123T102000Z-acknowledgement-mb1.PCP-2026-00042...@domain`: fixed by the message's headers."""
        headers = headers if headers is not None else BytesHeaderParser().parsebytes(raw)
        try:
            when = parsedate_to_datetime(_header(headers, "Date"))
            stamp = when.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        except (TypeError, ValueError):
            stamp = "undated"
        kind = _safe(_header(headers, "X-Mailbot-Kind")) or "message"
        message_id = _header(headers, "Message-ID").strip("<>")
        if not message_id:
            message_id = "sha256-" + hashlib.sha256(raw).hexdigest()
        return f"{stamp}-{kind}-{_safe(message_id)[:160]}"


def _private_folder(folder: Path) -> None:
    """Make `folder` (and its parents) readable by this user only when it is new; an existing one is left as it is."""
    if not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o700)


def _write_atomically(path: Path, data: bytes) -> None:
    """Write `path` in one step, readable by this user only whatever the umask: it holds personal data."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(descriptor, "wb") as handle:
        os.fchmod(handle.fileno(), 0o600)   # the umask may have taken bits away, and an old file may have had more
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _header(headers: Message, name: str) -> str:
    value = headers.get(name)
    return " ".join(str(value).split()) if value is not None else ""


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._@+=-]", "_", text)   # linear: one class
