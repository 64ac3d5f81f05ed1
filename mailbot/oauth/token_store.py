"""The delegated flow's refresh token on disk: read under a lock, replaced atomically the moment it rotates.

A provider may rotate the refresh token on every use and refuse the old one.
So a new one is on disk (temporary file in the same folder, mode 0600,
fsync, rename over the old, fsync of the folder) before the access token it
came with is handed to anyone: a process killed after that point loses
nothing, and the next one starts from the newest token.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from mailbot.oauth.errors import TokenError

log = logging.getLogger("mailbot.oauth")
_thread_locks: dict[Path, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


@dataclass(frozen=True)
class Grant:
    """What `mailbot auth login` saved: whose consent, for which app, and the refresh token."""

    provider: str
    client_id: str
    refresh_token: str = field(repr=False)
    tenant_id: str = ""
    account: str = ""                 # who signed in (information for the administrator)

    def rotated(self, refresh_token: str) -> Grant:
        return replace(self, refresh_token=refresh_token)


def read_grant(path: Path, *, client_id: str = "") -> Grant:
    """The grant saved at `path` (for `client_id`, when given); TokenError saying to run `mailbot auth login`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        grant = Grant(**{key: str(data.get(key, "")) for key in Grant.__dataclass_fields__})
    except FileNotFoundError:
        raise TokenError(f"token_store {path} does not exist",
                         diagnosis=f"no sign-in is saved in {path} yet: run `mailbot auth login` for this mailbox "
                                   "(or `--smtp`) as the user mailbot runs as") from None
    except OSError as error:
        raise TokenError(f"token_store {path}: cannot read it: {error.strerror}",
                         diagnosis=f"make {path} readable by the user mailbot runs as") from None
    except (ValueError, TypeError):
        raise TokenError(f"token_store {path} is not a saved sign-in",
                         diagnosis=f"{path} is damaged: run `mailbot auth login` again") from None
    if client_id and grant.client_id != client_id:
        raise TokenError(f"token_store {path} holds a sign-in for another app ({grant.client_id})",
                         diagnosis=f"{path} was made for client_id {grant.client_id}, not {client_id}: "
                                   "run `mailbot auth login` again")
    return grant


def keep_rotated(path: Path, grant: Grant, refresh_token: str | None, *, place: str) -> None:
    """Save `refresh_token` when the provider issued a new one: before anyone uses the access token it came with."""
    if refresh_token and refresh_token != grant.refresh_token:
        save_grant(path, grant.rotated(refresh_token))
        log.info("%s: the refresh token rotated; the new one is saved in %s", place, path)


def save_grant(path: Path, grant: Grant) -> None:
    """Replace `path` with `grant` so that a crash at any instant leaves the old or the new file, whole."""
    data = json.dumps(asdict(grant), indent=2).encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)  # mode 0600
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(folder)      # the rename itself survives a power cut
        finally:
            os.close(folder)
    except OSError as error:
        raise TokenError(f"token_store {path}: cannot save the new refresh token: {error.strerror}",
                         diagnosis=f"make the folder {path.parent} writable by the user mailbot runs as, then run "
                                   "`mailbot auth login` again (the provider may already have retired the old "
                                   "token)") from None


@contextmanager
def locked(path: Path):
    """Hold `path`'s lock (threads of this process, and other processes through a `.lock` file beside it).

    Two refreshes of one rotating token at once would each retire the
    other's: the second must read what the first saved.
    """
    with _thread_locks_guard:
        thread_lock = _thread_locks.setdefault(path.resolve(), threading.Lock())
    with thread_lock:
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            handle = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as error:
            raise TokenError(f"token_store {path}: cannot lock it: {error.strerror}",
                             diagnosis=f"make the folder {path.parent} writable by the user mailbot runs as") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        finally:
            os.close(handle)        # closing releases the flock
