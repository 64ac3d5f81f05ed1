"""What the config names outside itself — secret files, CA files, folders, programs, environment variables,
Maildirs, token stores — checked to be there before a command that connects or sends starts.

Commands that only read the record never need them (under systemd the
secrets exist only inside the service), so config.py records each as a
`Need` and checks them only when asked.
"""

from __future__ import annotations

import os
import shutil
import ssl
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Need:
    """One thing a key of the config needs: `kind` says what (see `problem_of`)."""

    key: str              # where it is written, e.g. "mailboxes[0].imap.password_file"
    target: str           # the path, program or variable name
    kind: str             # secret-file | ca-file | folder | store-file | program | env | maildir


def problem_of(need: Need) -> str | None:
    """What is wrong with one need, in words (without the key), or None when it is met."""
    check = _CHECKS[need.kind]
    return check(need.target)


def _secret_file(target: str) -> str | None:
    path = Path(target)
    if not path.exists():
        return f"{path} does not exist"
    if not path.is_file():
        return f"{path} is not a file"
    if not os.access(path, os.R_OK):
        return f"{path} cannot be read by this user (uid {os.getuid()})"
    return None


def _ca_file(target: str) -> str | None:
    problem = _secret_file(target)
    if problem:
        return problem
    try:
        ssl.create_default_context(cafile=target)
    except (ssl.SSLError, OSError, ValueError) as error:
        return f"{target} is not a CA certificate file in PEM form ({error})"
    return None


def _folder(target: str) -> str | None:
    """A folder mailbot writes into: it may be made, but only inside a folder that exists."""
    path = Path(target)
    if path.is_dir():
        return None
    if path.exists():
        return f"{path} is not a folder"
    if not path.parent.is_dir():
        return f"{path.parent} (the folder that would hold {path.name}) does not exist"
    return None


def _store_file(target: str) -> str | None:
    """A file mailbot keeps up to date itself (an OAuth2 token store): it may be missing, its folder may not."""
    path = Path(target)
    if path.is_dir():
        return f"{path} is a folder, not a file"
    if not path.parent.is_dir():
        return f"{path.parent} (the folder that would hold {path.name}) does not exist"
    return None


def _program(target: str) -> str | None:
    if shutil.which(target) is None:
        where = "is not an executable file" if os.sep in target else "is not a program on PATH"
        return f"{target!r} {where}"
    return None


def _env(target: str) -> str | None:
    return None if target in os.environ else f"the environment variable {target} is not set"


def _maildir(target: str) -> str | None:
    path = Path(target)
    if not path.exists():
        return (f"{path} does not exist (mailbot reads a Maildir that mail is delivered to; "
                f"`mailbot run` would make an empty one)")
    missing = [name for name in ("cur", "new", "tmp") if not (path / name).is_dir()]
    if missing:
        return f"{path} is not a Maildir (no {', '.join(name + '/' for name in missing)} in it)"
    return None


_CHECKS = {"secret-file": _secret_file, "ca-file": _ca_file, "folder": _folder, "store-file": _store_file, "program": _program,
           "env": _env, "maildir": _maildir}
