"""`ImapSource`: one folder of one IMAP mailbox, read by UIDVALIDITY and UID, never by \\Seen.

Mail that staff read first in Outlook must still be taken in, so nothing
here looks at flags: new mail is every UID above the last one recorded,
fetched with BODY.PEEK[] so that reading changes nothing. The server is
changed only in `settle`, which the caller runs after its database commit.
"""

from __future__ import annotations

import logging
from datetime import timezone
from typing import Iterator

from imapclient import IMAPClient

from mailbot.intake.imap_connect import close, connect, source_errors, where
from mailbot.intake.raw import RawMail, SyncState
from mailbot.settings import ImapSettings

log = logging.getLogger("mailbot.intake")

SEEN = b"\\Seen"
DELETED = b"\\Deleted"


class ImapSource:
    """A `MailSource` for one folder of one mailbox; entering connects and selects the folder."""

    def __init__(self, mailbox: str, settings: ImapSettings, *, folder: str = "INBOX", move_to: str = ""):
        self.mailbox = mailbox
        self.settings = settings
        self.folder = folder
        self.move_to = move_to
        self._where = f"{where(mailbox, settings)} folder {folder!r}"
        self._client: IMAPClient | None = None
        self._uidvalidity: int | None = None

    def __repr__(self) -> str:
        return f"ImapSource({self._where})"

    def __enter__(self) -> "ImapSource":
        client = connect(self.mailbox, self.settings)
        try:
            with source_errors(self._where, "selecting the folder"):
                # Not EXAMINE: settle must be able to set flags in this session.
                selected = client.select_folder(self.folder)
        except BaseException:
            close(client)
            raise
        self._client = client
        self._uidvalidity = int(selected[b"UIDVALIDITY"])
        return self

    def __exit__(self, *exc) -> None:
        if self._client is not None:
            close(self._client)
        self._client = None

    def sync_state(self) -> SyncState:
        """The folder's UIDVALIDITY as the server gave it on SELECT, with last_uid 0."""
        self._connected()
        return SyncState(uidvalidity=self._uidvalidity, last_uid=0)

    def fetch_new(self, *, after: SyncState | None, batch_size: int = 100) -> Iterator[list[RawMail]]:
        """Messages with a UID above `after.last_uid`, oldest first, `batch_size` at a time.

        A different UIDVALIDITY in `after` means the server renumbered the
        folder: every message is offered again, and the caller's duplicate
        check (by content) keeps that harmless.
        """
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        client = self._connected()
        last_uid = self._last_uid(after)
        with source_errors(self._where, "searching for new mail"):
            # `UID n:*` always matches the newest message, even below n.
            uids = sorted(uid for uid in client.search(["UID", f"{last_uid + 1}:*"]) if uid > last_uid)
        for start in range(0, len(uids), batch_size):
            chunk = uids[start:start + batch_size]
            with source_errors(self._where, f"fetching UIDs {chunk[0]}-{chunk[-1]}"):
                found = client.fetch(chunk, ["BODY.PEEK[]", "INTERNALDATE"])
            batch = [self._raw_mail(uid, found[uid]) for uid in chunk if uid in found]  # gone: expunged meanwhile
            if batch:
                yield batch

    def settle(self, source_keys: list[str]) -> None:
        """Set \\Seen on (or move) these recorded messages; keys of another UIDVALIDITY are skipped."""
        client = self._connected()
        uids = sorted(set(self._uids_of(source_keys)))
        if not uids:
            return
        if not self.move_to:
            with source_errors(self._where, f"setting \\Seen on {len(uids)} messages"):
                client.add_flags(uids, [SEEN], silent=True)
            return
        with source_errors(self._where, f"moving {len(uids)} messages to {self.move_to!r}"):
            if client.has_capability("MOVE"):
                client.move(uids, self.move_to)
            else:
                client.copy(uids, self.move_to)
                client.add_flags(uids, [DELETED], silent=True)
                if client.has_capability("UIDPLUS"):
                    client.uid_expunge(uids)  # only ours: a plain EXPUNGE would take others' \Deleted too
                else:
                    log.info("%s: no UIDPLUS; %d copied messages left \\Deleted for the server to expunge",
                             self._where, len(uids))

    # --- helpers ---------------------------------------------------------
    def _connected(self) -> IMAPClient:
        if self._client is None:
            raise RuntimeError(f"{self!r} is not connected: use it as a context manager")
        return self._client

    def _last_uid(self, after: SyncState | None) -> int:
        if after is None:
            return 0
        if after.uidvalidity != self._uidvalidity:
            log.warning("%s: UIDVALIDITY changed from %d (recorded) to %d (server); offering every message again",
                        self._where, after.uidvalidity, self._uidvalidity)
            return 0
        return after.last_uid

    def _raw_mail(self, uid: int, data: dict) -> RawMail:
        received = data[b"INTERNALDATE"]  # aware: connect() turns normalise_times off
        return RawMail(mailbox=self.mailbox, source_key=f"imap:{self._uidvalidity}:{uid}",
                       received_at=received.astimezone(timezone.utc), raw=bytes(data[b"BODY[]"]))

    def _uids_of(self, source_keys: list[str]) -> Iterator[int]:
        for key in source_keys:
            scheme, _, rest = key.partition(":")
            uidvalidity, _, uid = rest.partition(":")
            if scheme != "imap" or not uidvalidity.isdigit() or not uid.isdigit():
                log.warning("%s: cannot settle %r: not an IMAP source key", self._where, key)
            elif int(uidvalidity) != self._uidvalidity:
                log.warning("%s: not settling %r: recorded under UIDVALIDITY %s, the server now has %d",
                            self._where, key, uidvalidity, self._uidvalidity)
            else:
                yield int(uid)
