"""Reading typed keys out of the config's TOML tables: each value's type and range checked, each mistake
named by file, line and key (`mailbot.toml:14: daemon.poll_seconds: expected ..., got -5`).

A value of the wrong type or outside its range is a mistake, never replaced
by the default: only a key that is absent takes its default.
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from mailbot.config_files import Need, problem_of
from mailbot.settings import Secret
from mailbot.toml_lines import key_lines, line_of

ABSENT = object()


def toml_repr(value: Any) -> str:
    """A value written as it would be in the TOML file (so `got "sixty"`, `got -5`, `got true`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, dict):
        return "a table"
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class KeyReader:
    """Reads the keys of one config file, collecting every problem (each once) with file, line and key."""

    def __init__(self, path: Path, text: str, problems: list[str]):
        self.file = path
        self.base = path.parent
        self.problems = problems
        self.needs: list[Need] = []
        self._lines = key_lines(text)

    def place(self, key: str) -> str:
        """`FILE:LINE` of a key (or of its table when the key is absent), else `FILE`."""
        line = line_of(self._lines, key)
        return f"{self.file}:{line}" if line else f"{self.file}"

    def problem(self, key: str, text: str) -> None:
        line = f"{self.place(key)}: {key}: {text}"
        if line not in self.problems:
            self.problems.append(line)

    def expected(self, key: str, expected: str, got: Any = ABSENT) -> None:
        tail = "" if got is ABSENT else f", got {toml_repr(got)}"
        self.problem(key, f"expected {expected}{tail}")

    def unknown_keys(self, data: dict, where: str, known: set[str]) -> None:
        """Report every key of `data` that is not in `known` (a typo must not pass silently)."""
        for name in data:
            if name not in known:
                full = f"{where}.{name}" if where else name
                self.problem(full, f"unknown key (known: {', '.join(sorted(known))})")

    # -- what keys name outside the file -----------------------------------------

    def need(self, key: str, target: str | Path, kind: str) -> None:
        """Remember that `key` names `target`, to be checked by `check_needs` (see config_files.py)."""
        self.needs.append(Need(key=key, target=str(target), kind=kind))

    def need_secret(self, secret: Secret, where: str) -> None:
        if secret.file is not None:
            key = "password_credential" if secret.credential else "password_file"
            self.need(f"{where}.{key}", secret.file, "secret-file")
        elif secret.env:
            self.need(f"{where}.password_env", secret.env, "env")

    def check_needs(self, kinds: set[str]) -> None:
        """Report every recorded need of these kinds that is not met."""
        for need in self.needs:
            problem = problem_of(need) if need.kind in kinds else None
            if problem:
                self.problem(need.key, problem)

    # -- typed values ----------------------------------------------------------

    def text(self, data: dict, where: str, key: str, default: str, *, choices: tuple[str, ...] = (),
             expected: str = "a string") -> str:
        full = _join(where, key)
        value = data.get(key, ABSENT)
        if value is ABSENT:
            return default
        if not isinstance(value, str):
            self.expected(full, " | ".join(f'"{choice}"' for choice in choices) if choices else expected, value)
            return default
        if choices and value not in choices:
            self.expected(full, "one of " + " | ".join(f'"{choice}"' for choice in choices), value)
            return default
        return value

    def whole(self, data: dict, where: str, key: str, default: int, *, low: int, high: int | None = None,
              what: str = "a whole number") -> int:
        """An integer from `low` to `high` (inclusive); `what` says what it counts (`a port number`)."""
        full = _join(where, key)
        value = data.get(key, ABSENT)
        if value is ABSENT:
            return default
        if not _is_whole(value) or value < low or (high is not None and value > high):
            span = f">= {low}" if high is None else f"from {low} to {high}"
            self.expected(full, f"{what} {span}", value)
            return default
        return value

    def seconds(self, data: dict, where: str, key: str, default: float, *, high: float) -> float:
        """A duration in seconds: more than 0, at most `high` (a fraction is allowed)."""
        full = _join(where, key)
        value = data.get(key, ABSENT)
        if value is ABSENT:
            return default
        if not _is_number(value) or not 0 < value <= high:
            self.expected(full, f"a number of seconds > 0 and <= {high:g}", value)
            return default
        return float(value)

    def strings(self, data: dict, where: str, key: str, *, expected: str = "a list of strings") -> tuple[str, ...]:
        full = _join(where, key)
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.expected(full, expected, value)
            return ()
        return tuple(value)

    def path(self, data: dict, where: str, key: str) -> Path | None:
        """A path, relative to the config file's folder unless absolute; None when absent or wrong."""
        value = self.text(data, where, key, "", expected="a path (a string)")
        if key in data and isinstance(data[key], str) and not value.strip():
            self.expected(_join(where, key), "a path, not an empty string", value)
        return (self.base / value).resolve() if value.strip() else None

    def table(self, data: dict, where: str, key: str, *, expected: str = "a table") -> dict:
        value = data.get(key, {})
        if not isinstance(value, dict):
            self.expected(_join(where, key), expected, value)
            return {}
        return value

    def secret(self, data: dict, where: str, *, default: Secret) -> Secret:
        """One of `password_env`, `password_file`, `password_credential`; `default` when the table names none.

        `password_credential = "NAME"` is the file NAME that systemd hands the
        service (`$CREDENTIALS_DIRECTORY/mailbot_NAME`, see systemd/mailbot.service)
        or, outside the service (an administrator's `mailbot check`), the file
        `credentials/NAME` beside the config file.
        """
        env = self.text(data, where, "password_env", "", expected="the name of an environment variable")
        file = self.path(data, where, "password_file")
        credential = self.text(data, where, "password_credential", "", expected="a file name")
        given = [key for key in SECRET_KEYS if key in data]
        if not given:
            return default
        if len(given) > 1:
            self.problem(_join(where, given[-1]), f"give one of {', '.join(SECRET_KEYS)}, not {' and '.join(given)}")
        if credential:
            if "/" in credential or credential.startswith("."):
                self.expected(_join(where, "password_credential"), "a plain file name such as \"imap-password\"",
                              credential)
            return Secret(file=credential_file(credential, self.base), credential=credential)
        return Secret(env=env, file=file)


SECRET_KEYS = ("password_env", "password_file", "password_credential")
CREDENTIALS_PREFIX = "mailbot_"   # LoadCredential=mailbot:/etc/mailbot/credentials names each file mailbot_NAME


def credential_file(name: str, config_folder: Path) -> Path:
    """Where the credential NAME is: systemd's folder inside the service, else `credentials/` beside the config."""
    handed = os.environ.get("CREDENTIALS_DIRECTORY")
    if handed:
        return Path(handed) / f"{CREDENTIALS_PREFIX}{name}"
    return config_folder / "credentials" / name


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key
