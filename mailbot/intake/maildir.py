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
from datetime import datetime, timezone
from functools import partial
from glob import escape as glob_escape
from pathlib import Path
from typing import Iterator

from mailbot.errors import SourceError
from mailbot.intake.batches import FetchLimits, plan_batches
from mailbot.intake.raw import Fetched, LargeMail, RawMail, SyncState
from mailbot.intake.source_keys import MAILDIR_PREFIX

log = logging.getLogger("mailbot.intake")


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

    def fetch_new(self, *, after: SyncState | None = None,
                  limits: FetchLimits = FetchLimits()) -> Iterator[list[Fetched]]:
        """Every file in new/, oldest delivery first (as IMAP gives UID order), in batches within `limits`."""
        found = []
        for entry in (self.path / "new").iterdir():
            if entry.name.startswith("."):
                continue
            try:
                stat = entry.stat()
            except FileNotFoundError:
                continue  # another reader moved it meanwhile
            found.append((stat.st_mtime, entry.name, stat.st_size))
        found.sort()
        received = {name: datetime.fromtimestamp(mtime, timezone.utc) for mtime, name, _ in found}
        sizes = {name: size for _, name, size in found}
        for planned in plan_batches(sizes.items(), limits):
            if planned.too_large:
                [name] = planned.keys
                batch = [LargeMail(self.mailbox, self._key(name), received[name], size=sizes[name],
                                   limit=limits.max_message_bytes,
                                   read=partial(self._read_in_chunks, self.path / "new" / name, limits.chunk_bytes))]
            else:
                batch = list(self._read_files(planned.keys, received))
            if batch:
                yield batch
            del batch  # the caller has recorded it: hold no bodies while reading the next

    def _read_files(self, names: list[str], received: dict[str, datetime]) -> Iterator[RawMail]:
        for name in names:
            try:
                raw = (self.path / "new" / name).read_bytes()
            except FileNotFoundError:
                continue  # another reader moved it meanwhile
            yield RawMail(self.mailbox, self._key(name), received[name], raw)

    def _read_in_chunks(self, file: Path, chunk_bytes: int) -> Iterator[bytes]:
        try:
            with open(file, "rb") as stream:
                while chunk := stream.read(chunk_bytes):
                    yield chunk
        except FileNotFoundError as error:
            raise SourceError(f"mailbox {self.mailbox}: {file.name} left new/ while it was being read") from error

    @staticmethod
    def _key(name: str) -> str:
        return MAILDIR_PREFIX + name.split(":", 1)[0]

    def settle(self, source_keys: list[str]) -> None:
        # A plain rename keeps the bytes exactly as delivered (mailbox.Maildir would rewrite them).
        for source_key in source_keys:
            key = source_key.removeprefix(MAILDIR_PREFIX)
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
