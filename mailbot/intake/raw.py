"""The values intake hands over: the exact bytes of one delivery (or how to read them in chunks), and its origin."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Callable, Iterator, Protocol

if TYPE_CHECKING:
    from mailbot.intake.batches import FetchLimits


@dataclass(frozen=True)
class RawMail:
    """One delivery into a watched mailbox, exactly as the server holds it.

    `source_key` names the delivery on its server so that it is recorded once:
    `imap:FOLDER:UIDVALIDITY:UID` (older records: `imap:UIDVALIDITY:UID`) or
    `maildir:FILENAME-BASE`. `received_at` is the server's receipt time (IMAP
    INTERNALDATE, Maildir delivery time), aware.
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
class LargeMail:
    """A delivery over its mailbox's size limit: never held whole, its bytes are read in chunks while recorded.

    `read()` reads the message from the server again, in order, a chunk at a
    time; it works while the source that made it is still connected.
    """

    mailbox: str
    source_key: str
    received_at: datetime
    size: int                  # as the server counts it (IMAP RFC822.SIZE, the file's size)
    limit: int                 # the mailbox's limit it is over, in bytes
    read: Callable[[], Iterator[bytes]] = field(repr=False, compare=False)


Fetched = RawMail | LargeMail


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

    def fetch_new(self, *, after: SyncState | None, limits: "FetchLimits") -> Iterator[list[Fetched]]:
        """Every delivery not yet recorded, oldest first, in batches within `limits`, read without changing flags.

        `after` is the recorded state; when its UIDVALIDITY differs from the
        server's, every message in the folder is offered again (the caller's
        duplicate check keeps that harmless). The caller drops each batch
        before asking for the next, so that only one is ever held.
        """

    def settle(self, source_keys: list[str]) -> None:
        """Mark these recorded deliveries as done on the server (\\Seen, or moved)."""
