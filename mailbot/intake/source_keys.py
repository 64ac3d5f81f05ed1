"""How a delivery is named on its server, so that it is recorded once: its source key."""

from __future__ import annotations

from typing import NamedTuple

IMAP_PREFIX = "imap:"
MAILDIR_PREFIX = "maildir:"


class ImapKey(NamedTuple):
    folder: str | None     # None in keys recorded before the folder was part of them
    uidvalidity: int
    uid: int


def imap_key(folder: str, uidvalidity: int, uid: int) -> str:
    """The source key of one IMAP delivery: the folder is in it, so two folders of one mailbox never collide."""
    return f"{IMAP_PREFIX}{folder}:{uidvalidity}:{uid}"


def parse_imap_key(source_key: str) -> ImapKey | None:
    """The parts of an IMAP source key, new (`imap:FOLDER:V:U`) or old (`imap:V:U`); None for any other key."""
    if not source_key.startswith(IMAP_PREFIX):
        return None
    parts = source_key[len(IMAP_PREFIX):].rsplit(":", 2)   # a folder name may hold ':'
    folder = parts.pop(0) if len(parts) == 3 else None
    if len(parts) != 2 or not all(part.isdigit() for part in parts):
        return None
    return ImapKey(folder, int(parts[0]), int(parts[1]))
