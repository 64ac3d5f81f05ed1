"""The `RawMail` value: the exact bytes of one delivery and where it came from."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Iterator, Protocol


@dataclass(frozen=True)
class RawMail:
    """One delivery into a watched mailbox, exactly as the server holds it.

    `source_key` names the delivery on its server so that it is recorded once:
    `imap:UIDVALIDITY:UID` or `maildir:FILENAME-BASE`. `received_at` is the
    server's receipt time (IMAP INTERNALDATE, Maildir delivery time), aware.
    """

    mailbox: str
    source_key: str
    received_at: datetime
    raw: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    def __repr__(self) -> str:  # never print a whole message into a log
        return f"RawMail({self.mailbox!r}, {self.source_key!r}, {self.received_at.isoformat()}, {len(self.raw)} bytes)"


@dataclass(frozen=True)
class SyncState:
    """Where a mailbox's intake stopped: the folder's UIDVALIDITY and the last UID recorded."""

    uidvalidity: int
    last_uid: int


class MailSource(Protocol):
    """A watched mailbox. Used as a context manager: entering connects, leaving disconnects.

    The caller records each batch in the database, commits, and only then
    calls `settle` for it, so nothing on the server changes before the
    record exists.
    """

    mailbox: str
    folder: str      # the cursor is kept per (mailbox, folder)

    def __enter__(self) -> "MailSource": ...

    def __exit__(self, *exc) -> None: ...

    def sync_state(self) -> SyncState | None:
        """The server's present UIDVALIDITY with last_uid 0, or None where there is no such thing (Maildir)."""

    def fetch_new(self, *, after: SyncState | None, batch_size: int = 100) -> Iterator[list[RawMail]]:
        """Every delivery not yet recorded, oldest first, in batches, read without changing flags.

        `after` is the recorded state; when its UIDVALIDITY differs from the
        server's, every message in the folder is offered again (the caller's
        duplicate check keeps that harmless).
        """

    def settle(self, source_keys: list[str]) -> None:
        """Mark these recorded deliveries as done on the server (\\Seen, or moved)."""
