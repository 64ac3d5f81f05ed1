"""Loading the TOML configuration file into validated `Settings`, reporting every mistake at once."""

from __future__ import annotations

import os
import tomllib
from dataclasses import replace
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from mailbot.errors import ConfigError
from mailbot.settings import (
    TLS_MODES, ImapSettings, MailboxSettings, Secret, Settings, SmtpSettings,
)

DEFAULT_PATHS = (Path("mailbot.toml"), Path("/etc/mailbot/mailbot.toml"))
SHIPPED = Path(__file__).parent / "_shipped"      # inside an installed wheel
SOURCE_TREE = Path(__file__).parent.parent        # a checkout or an editable install


def shipped_dir(name: str) -> Path:
    """The shipped `rules` or `templates` folder, in a wheel or in the source tree."""
    inside = SHIPPED / name
    return inside if inside.is_dir() else SOURCE_TREE / name


def find_config(explicit: str | os.PathLike | None) -> Path:
    """The config file to use: the one given, else ./mailbot.toml, else /etc/mailbot/mailbot.toml."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"{path}: no such config file")
        return path
    for path in DEFAULT_PATHS:
        if path.is_file():
            return path
    raise ConfigError("no config file: give --config FILE, or create ./mailbot.toml or /etc/mailbot/mailbot.toml")


class _Reader:
    """Reads typed keys out of one TOML table, collecting problems with file and key."""

    def __init__(self, path: Path, problems: list[str]):
        self.path = path
        self.base = path.parent
        self.problems = problems

    def problem(self, key: str, expected: str, got: Any = None) -> None:
        tail = f", got {got!r}" if got is not None else ""
        self.problems.append(f"{self.path}: {key}: expected {expected}{tail}")

    def table(self, data: dict, where: str, allowed: set[str]) -> None:
        """Report every key of `data` that is not in `allowed` (a typo must not pass silently)."""
        for name in data:
            if name not in allowed:
                full = f"{where}.{name}" if where else name
                self.problems.append(f"{self.path}: {full}: unknown key (known: {', '.join(sorted(allowed))})")

    def get(self, data: dict, where: str, key: str, kind: type, default: Any, *, choices=None) -> Any:
        full = f"{where}.{key}" if where else key
        if key not in data:
            return default
        value = data[key]
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if not ok:
            self.problem(full, f"a {kind.__name__}", value)
            return default
        if choices and value not in choices:
            self.problem(full, "one of " + " | ".join(choices), value)
            return default
        return value

    def strings(self, data: dict, where: str, key: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.problem(f"{where}.{key}", "a list of strings", value)
            return ()
        return tuple(value)

    def path_of(self, data: dict, where: str, key: str) -> Path | None:
        value = self.get(data, where, key, str, None)
        return None if value is None else (self.base / value).resolve()

    def secret(self, data: dict, where: str) -> Secret:
        env = self.get(data, where, "password_env", str, "")
        file = self.path_of(data, where, "password_file")
        return Secret(env=env, file=file)


_IMAP_KEYS = {"host", "port", "tls", "username", "password_env", "password_file", "auth",
              "token_command", "timeout", "batch_size", "ca_file"}
_SMTP_KEYS = {"host", "port", "tls", "username", "password_env", "password_file", "timeout",
              "ca_file", "transport", "directory"}
_MAILBOX_KEYS = {"name", "address", "folder", "staff", "managers", "imap", "smtp", "maildir", "move_to",
                 "answer_backlog_days", "max_message_mb"}
_TOP_KEYS = {"deployment", "rules_dir", "templates_dir", "storage", "imap", "smtp", "mailboxes", "daemon"}


def _imap(reader: _Reader, data: dict, where: str) -> ImapSettings:
    reader.table(data, where, _IMAP_KEYS)
    start = ImapSettings(host="")
    values = {
        "host": reader.get(data, where, "host", str, start.host),
        "port": reader.get(data, where, "port", int, start.port),
        "tls": reader.get(data, where, "tls", str, start.tls, choices=TLS_MODES),
        "username": reader.get(data, where, "username", str, start.username),
        "auth": reader.get(data, where, "auth", str, start.auth, choices=("password", "oauth2")),
        "token_command": reader.strings(data, where, "token_command") if "token_command" in data else start.token_command,
        "timeout": reader.get(data, where, "timeout", float, start.timeout),
        "batch_size": reader.get(data, where, "batch_size", int, start.batch_size),
        "ca_file": reader.path_of(data, where, "ca_file") or start.ca_file,
    }
    if "password_env" in data or "password_file" in data:
        values["password"] = reader.secret(data, where)
    else:
        values["password"] = start.password
    return replace(start, **values)


def _smtp(reader: _Reader, data: dict, where: str, base: SmtpSettings) -> SmtpSettings:
    reader.table(data, where, _SMTP_KEYS)
    values = {
        "host": reader.get(data, where, "host", str, base.host),
        "port": reader.get(data, where, "port", int, base.port),
        "tls": reader.get(data, where, "tls", str, base.tls, choices=TLS_MODES),
        "username": reader.get(data, where, "username", str, base.username),
        "timeout": reader.get(data, where, "timeout", float, base.timeout),
        "ca_file": reader.path_of(data, where, "ca_file") or base.ca_file,
        "transport": reader.get(data, where, "transport", str, base.transport, choices=("smtp", "directory")),
        "directory": reader.path_of(data, where, "directory") or base.directory,
    }
    values["password"] = reader.secret(data, where) if ("password_env" in data or "password_file" in data) else base.password
    settings = replace(base, **values)
    if settings.transport == "directory" and settings.directory is None:
        reader.problem(f"{where}.directory", 'a folder path when transport = "directory"')
    return settings


def _address_ok(text: str) -> bool:
    return "@" in parseaddr(text)[1]


def _mailbox(reader: _Reader, data: Any, index: int, imap_defaults: dict | None) -> MailboxSettings | None:
    where = f"mailboxes[{index}]"
    if not isinstance(data, dict):
        reader.problem(where, "a table ([[mailboxes]])", data)
        return None
    reader.table(data, where, _MAILBOX_KEYS)
    name = reader.get(data, where, "name", str, "")
    address = reader.get(data, where, "address", str, "")
    if not name:
        reader.problem(f"{where}.name", "a mailbox name of the deployment (e.g. \"democratic-services\")")
    if not _address_ok(address):
        reader.problem(f"{where}.address", "an email address", address or None)
    staff = reader.strings(data, where, "staff")
    managers = reader.strings(data, where, "managers")
    for key, people in (("staff", staff), ("managers", managers)):
        for person in people:
            if not _address_ok(person):
                reader.problem(f"{where}.{key}", "entries like \"Name <address>\" or a bare address", person)
    maildir = reader.path_of(data, where, "maildir")
    imap = None
    if maildir is None:
        merged = dict(imap_defaults or {})
        own = data.get("imap", {})
        if not isinstance(own, dict):
            reader.problem(f"{where}.imap", "a table", own)
            own = {}
        merged.update(own)
        imap = _imap(reader, merged, f"{where}.imap" if own else "imap")
        if not imap.host:
            reader.problem(f"{where}.imap.host", "an IMAP host (in [imap] or [mailboxes.imap]), or a maildir path")
        if not imap.username:
            imap = replace(imap, username=address)
    elif "imap" in data:
        reader.problem(f"{where}.imap", "no [mailboxes.imap] table for a maildir mailbox")
    return MailboxSettings(
        name=name, address=address.lower(),
        folder=reader.get(data, where, "folder", str, "INBOX"),
        staff=staff, managers=managers, imap=imap, maildir=maildir,
        smtp=None, move_to=reader.get(data, where, "move_to", str, ""),
        answer_backlog_days=reader.get(data, where, "answer_backlog_days", int, 2),
        max_message_mb=reader.get(data, where, "max_message_mb", int, 25),
    )


def load_settings(path: Path) -> Settings:
    """Read and validate one config file; raise ConfigError listing every mistake."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from error
    problems: list[str] = []
    reader = _Reader(path, problems)
    reader.table(data, "", _TOP_KEYS)
    deployment = reader.get(data, "", "deployment", str, "")
    if not deployment:
        reader.problem("deployment", 'a deployment name ("cambridgeshire" or "cleveland")', data.get("deployment"))
    rules_dir = reader.path_of(data, "", "rules_dir") or shipped_dir("rules")
    templates_dir = reader.path_of(data, "", "templates_dir") or shipped_dir("templates")
    storage = data.get("storage", {})
    reader.table(storage, "storage", {"url"})
    url = reader.get(storage, "storage", "url", str, "sqlite:///storage/mailbot.db")
    url = _resolve_sqlite(url, path.parent)
    smtp_table = data.get("smtp", {})
    smtp = _smtp(reader, smtp_table, "smtp", SmtpSettings())
    daemon = data.get("daemon", {})
    reader.table(daemon, "daemon", {"poll_seconds", "outbox_seconds"})
    mailboxes_data = data.get("mailboxes", [])
    if not isinstance(mailboxes_data, list):
        reader.problem("mailboxes", "an array of tables ([[mailboxes]])", mailboxes_data)
        mailboxes_data = []
    imap_defaults = data.get("imap") if isinstance(data.get("imap"), dict) else None
    if imap_defaults is not None:
        reader.table(imap_defaults, "imap", _IMAP_KEYS)
    mailboxes = []
    for index, entry in enumerate(mailboxes_data):
        mailbox = _mailbox(reader, entry, index, imap_defaults)
        if mailbox is None:
            continue
        if isinstance(entry.get("smtp"), dict):
            mailbox = replace(mailbox, smtp=_smtp(reader, entry["smtp"], f"mailboxes[{index}].smtp", smtp))
        mailboxes.append(mailbox)
    names = [mailbox.name for mailbox in mailboxes]
    for name in {name for name in names if names.count(name) > 1}:
        reader.problem("mailboxes", f"each name once; {name!r} is given {names.count(name)} times")
    if problems:
        raise ConfigError(problems)
    return Settings(
        path=path.resolve(), deployment=deployment, rules_dir=rules_dir, templates_dir=templates_dir,
        storage_url=url, smtp=smtp, mailboxes=tuple(mailboxes),
        poll_seconds=reader.get(daemon, "daemon", "poll_seconds", int, 60),
        outbox_seconds=reader.get(daemon, "daemon", "outbox_seconds", int, 30),
    )


def _resolve_sqlite(url: str, base: Path) -> str:
    """Make a relative SQLite path relative to the config file's folder, as for every path."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix + ":memory:":
        return prefix + str((base / url[len(prefix):]).resolve())
    return url


__all__ = ["find_config", "load_settings", "shipped_dir"]
