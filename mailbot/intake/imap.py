"""`ImapSource`: one folder of one IMAP mailbox, read by UIDVALIDITY and UID, never by \\Seen.

Mail that staff read first in Outlook must still be taken in, so nothing
here looks at flags: new mail is every UID above the last one recorded,
fetched with BODY.PEEK[] so that reading changes nothing. Sizes are asked
first, so that a batch holds a bounded number of bytes and a message over
the mailbox's limit is read in chunks (partial FETCH), never whole. The
server is changed only in `settle`, which the caller runs after its
database commit.
"""

from __future__ import annotations

import logging
from datetime import timezone
from typing import Iterator

from imapclient import IMAPClient

from mailbot.errors import SourceError
from mailbot.intake.batches import FetchLimits, plan_batches
from mailbot.intake.imap_connect import close, connect, source_errors, where
from mailbot.intake.raw import Fetched, LargeMail, RawMail, SyncState
from mailbot.intake.source_keys import imap_key, parse_imap_key
from mailbot.settings import ImapSettings

log = logging.getLogger("mailbot.intake")

SEEN = b"\\Seen"
DELETED = b"\\Deleted"
SIZE_WINDOW = 1000   # UIDs whose sizes one command asks for: the command line stays short


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

    def fetch_new(self, *, after: SyncState | None, limits: FetchLimits = FetchLimits()) -> Iterator[list[Fetched]]:
        """Messages with a UID above `after.last_uid`, oldest first, in batches within `limits`.

        Sizes come first (RFC822.SIZE), so that a batch is bounded by bytes as
        well as by count and a message over the limit is never fetched whole.
        A different UIDVALIDITY in `after` means the server renumbered the
        folder: every message is offered again, and the caller's duplicate
        check (by content) keeps that harmless.
        """
        client = self._connected()
        last_uid = self._last_uid(after)
        with source_errors(self._where, "searching for new mail"):
            # `UID n:*` always matches the newest message, even below n.
            uids = sorted(uid for uid in client.search(["UID", f"{last_uid + 1}:*"]) if uid > last_uid)
        for start in range(0, len(uids), SIZE_WINDOW):
            window = uids[start:start + SIZE_WINDOW]
            with source_errors(self._where, f"asking the sizes of UIDs {window[0]}-{window[-1]}"):
                found = client.fetch(window, ["RFC822.SIZE", "INTERNALDATE"])
            about = {uid: (int(found[uid][b"RFC822.SIZE"]), found[uid][b"INTERNALDATE"])
                     for uid in window if uid in found}   # not in `found`: expunged meanwhile
            for planned in plan_batches(((uid, size) for uid, (size, _) in about.items()), limits):
                if planned.too_large:
                    [uid] = planned.keys
                    batch = [self._large_mail(uid, *about[uid], limits)]
                else:
                    batch = self._fetch_bodies(planned.keys, about)
                if batch:
                    yield batch
                del batch  # the caller has recorded it: hold no bodies while fetching the next

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

    def _fetch_bodies(self, uids: list[int], about: dict) -> list[RawMail]:
        with source_errors(self._where, f"fetching UIDs {uids[0]}-{uids[-1]}"):
            found = self._connected().fetch(uids, ["BODY.PEEK[]"])
        return [RawMail(mailbox=self.mailbox, source_key=imap_key(self.folder, self._uidvalidity, uid),
                        received_at=about[uid][1].astimezone(timezone.utc),  # aware: connect() keeps zones
                        raw=bytes(found[uid][b"BODY[]"]))
                for uid in uids if uid in found]

    def _large_mail(self, uid: int, size: int, received, limits: FetchLimits) -> LargeMail:
        return LargeMail(mailbox=self.mailbox, source_key=imap_key(self.folder, self._uidvalidity, uid),
                         received_at=received.astimezone(timezone.utc), size=size, limit=limits.max_message_bytes,
                         read=lambda: self._read_in_chunks(uid, limits.chunk_bytes))

    def _read_in_chunks(self, uid: int, chunk_bytes: int) -> Iterator[bytes]:
        """The message's bytes in order, `chunk_bytes` at a time (partial FETCH), never the whole at once."""
        client = self._connected()
        offset = 0
        while True:
            with source_errors(self._where, f"reading UID {uid} from byte {offset}"):
                found = client.fetch([uid], [f"BODY.PEEK[]<{offset}.{chunk_bytes}>"])
            data = found.get(uid, {}).get(f"BODY[]<{offset}>".encode())
            if data is None and offset == 0:
                raise SourceError(f"{self._where}: UID {uid} was expunged while it was being read")
            if not data:
                return
            yield bytes(data)
            offset += len(data)
            if len(data) < chunk_bytes:
                return

    def _uids_of(self, source_keys: list[str]) -> Iterator[int]:
        for source_key in source_keys:
            key = parse_imap_key(source_key)
            if key is None or key.folder not in (None, self.folder):  # None: recorded before keys named the folder
                log.warning("%s: cannot settle %r: not an IMAP source key of this folder", self._where, source_key)
            elif key.uidvalidity != self._uidvalidity:
                log.warning("%s: not settling %r: recorded under UIDVALIDITY %s, the server now has %d",
                            self._where, source_key, key.uidvalidity, self._uidvalidity)
            else:
                yield key.uid
