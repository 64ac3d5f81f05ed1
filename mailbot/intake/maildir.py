"""A local Maildir as a watched mailbox: for local delivery and for the demo.

Mail is offered from `new/` only and settled by moving it to `cur/` with the
`S` flag, so the folder must belong to mailbot: a mail client that reads it
there moves it before mailbot has seen it. Receipt time is the delivery time
(the file's modification time, which delivery agents set).
"""

from __future__ import annotations

import logging
import mailbox
import os
from glob import escape as glob_escape
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from mailbot.errors import SourceError
from mailbot.intake.raw import RawMail, SyncState

log = logging.getLogger("mailbot.intake")
PREFIX = "maildir:"


class MaildirSource:
    """The `MailSource` of a local Maildir (made if missing)."""

    def __init__(self, mailbox_name: str, path: Path):
        self.mailbox = mailbox_name
        self.folder = "new"      # a Maildir has no cursor; its one folder of new mail
        self.path = path
        self._maildir: mailbox.Maildir | None = None

    def __enter__(self) -> "MaildirSource":
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._maildir = mailbox.Maildir(self.path, factory=None, create=True)
        except OSError as error:
            raise SourceError(f"mailbox {self.mailbox}: cannot open Maildir {self.path}: {error}") from error
        return self

    def __exit__(self, *exc) -> None:
        self._maildir = None

    def sync_state(self) -> SyncState | None:
        return None

    def fetch_new(self, *, after: SyncState | None = None, batch_size: int = 100) -> Iterator[list[RawMail]]:
        new_dir = self.path / "new"
        names = sorted(entry for entry in new_dir.iterdir() if not entry.name.startswith("."))
        # Oldest delivery first, as IMAP gives UID order.
        names.sort(key=lambda entry: (entry.stat().st_mtime, entry.name))
        batch: list[RawMail] = []
        for entry in names:
            key = entry.name.split(":", 1)[0]
            try:
                raw = entry.read_bytes()
                received = datetime.fromtimestamp(entry.stat().st_mtime, timezone.utc)
            except FileNotFoundError:
                continue  # another reader moved it meanwhile
            batch.append(RawMail(self.mailbox, PREFIX + key, received, raw))
            if len(batch) >= batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    def settle(self, source_keys: list[str]) -> None:
        # A plain rename keeps the bytes exactly as delivered (mailbox.Maildir would rewrite them).
        for source_key in source_keys:
            key = source_key.removeprefix(PREFIX)
            matches = list((self.path / "new").glob(glob_escape(key) + "*"))
            if not matches:
                log.info("mailbox %s: %s is no longer in new/ (settled already)", self.mailbox, key)
                continue
            for file in matches:
                os.replace(file, self.path / "cur" / f"{key}:2,S")


def deliver_to_maildir(path: Path, raw: bytes, *, at: datetime | None = None) -> str:
    """Deliver one message into `path/new` as a delivery agent would; returns its key.

    `at` sets the delivery (receipt) time; used by the demo and by tests.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    box = mailbox.Maildir(path, factory=None, create=True)
    key = box.add(raw)
    if at is not None:
        file = path / "new" / key
        stamp = at.timestamp()
        os.utime(file, (stamp, stamp))
    return key
