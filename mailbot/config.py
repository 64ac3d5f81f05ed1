"""Loading the TOML configuration file into validated `Settings`, reporting every mistake at once."""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from mailbot.config_keys import ABSENT, SECRET_KEYS, KeyReader
from mailbot.config_oauth import OAUTH_KEYS, check_oauth, oauth_keys_given, read_oauth
from mailbot.config_paths import find_config, shipped_dir  # noqa: F401 - where commands look for them
from mailbot.errors import ConfigError
from mailbot.settings import (
    AUTH_MODES, TLS_MODES, TRANSPORTS, ImapSettings, MailboxSettings, OAuthSettings, Secret, Settings, SmtpSettings,
)

_TOML_LINE = re.compile(r"\(at line (\d+)")


# The ranges every setting is held to (the README's configuration reference lists them).
PORTS = (1, 65535)
MAX_TIMEOUT_SECONDS = 300.0          # a network call that waits longer than this is better retried
MAX_BATCH_SIZE = 10_000
MAX_INTERVAL_SECONDS = 86_400        # poll and outbox: at least once a day
MAX_MESSAGE_MB = 1024
DEFAULT_STORAGE_URL = "sqlite:///storage/mailbot.db"

_IMAP_KEYS = {"host", "port", "tls", "username", "password_env", "password_file", "password_credential", "auth",
              "timeout", "batch_size", "ca_file", *OAUTH_KEYS}
_SMTP_KEYS = {"host", "port", "tls", "username", "password_env", "password_file", "password_credential", "auth",
              "timeout", "ca_file", "transport", "directory", *OAUTH_KEYS}
_MAILBOX_KEYS = {"name", "address", "folder", "staff", "managers", "imap", "smtp", "maildir", "move_to",
                 "answer_backlog_days", "max_message_mb"}
_STORAGE_KEYS = {"url", "password_env", "password_file", "password_credential"}
_DAEMON_KEYS = {"poll_seconds", "outbox_seconds"}
_TOP_KEYS = {"deployment", "rules_dir", "templates_dir", "storage", "imap", "smtp", "mailboxes", "daemon",
             "staff_replies"}


def _imap(reader: KeyReader, defaults: dict, own: dict, own_where: str, *, complete: bool = True) -> ImapSettings:
    """A mailbox's IMAP settings: each key from its own [mailboxes.imap], else from [imap], else the default.

    Each mistake is named where it is written, so one in [imap] is reported
    once however many mailboxes use it. `complete=False` checks only the
    values (the [imap] table on its own, which may leave the password to each mailbox).
    """
    def at(key: str) -> tuple[dict, str]:
        return (own, own_where) if key in own else (defaults, "imap")

    layers = [(own, own_where), (defaults, "imap")] if own else [(defaults, "imap")]

    start = ImapSettings(host="")
    settings = replace(
        start,
        host=reader.text(*at("host"), "host", start.host, expected="a host name"),
        port=reader.whole(*at("port"), "port", start.port, low=PORTS[0], high=PORTS[1], what="a port number"),
        tls=reader.text(*at("tls"), "tls", start.tls, choices=TLS_MODES),
        username=reader.text(*at("username"), "username", start.username),
        auth=reader.text(*at("auth"), "auth", start.auth, choices=AUTH_MODES),
        oauth=read_oauth(reader, layers, start.oauth),
        timeout=reader.seconds(*at("timeout"), "timeout", start.timeout, high=MAX_TIMEOUT_SECONDS),
        batch_size=reader.whole(*at("batch_size"), "batch_size", start.batch_size, low=1, high=MAX_BATCH_SIZE,
                                what="a whole number of messages"),
        ca_file=reader.path(*at("ca_file"), "ca_file") or start.ca_file,
        password=reader.secret(own, own_where, default=reader.secret(defaults, "imap", default=start.password)),
    )
    if not complete:
        return settings
    where = own_where if own else "imap"
    if settings.auth == "password":
        own_secret = any(key in own for key in SECRET_KEYS)
        reader.need_secret(settings.password, own_where if own_secret else "imap")
    else:
        check_oauth(reader, settings.oauth, layers, missing_at=where)
    if settings.tls != "none" and settings.ca_file is not None:
        reader.need(f"{at('ca_file')[1]}.ca_file", settings.ca_file, "ca-file")
    if settings.auth == "password" and not (settings.password.env or settings.password.file):
        hint = ' (the OAuth2 keys given here need auth = "oauth2")' if oauth_keys_given(layers) else ""
        reader.problem(f"{where}.password_env",
                       f'auth = "password" needs password_env, password_file or password_credential{hint}')
    return settings


def _smtp(reader: KeyReader, data: dict, where: str, base: SmtpSettings, base_table: dict | None = None,
          base_where: str = "smtp") -> SmtpSettings:
    """SMTP settings from `data`, each key absent there taken from `base` (the table `base_table` at `base_where`)."""
    reader.unknown_keys(data, where, _SMTP_KEYS)
    layers = [(data, where)] + ([(base_table, base_where)] if base_table is not None else [])
    settings = replace(
        base,
        host=reader.text(data, where, "host", base.host, expected="a host name"),
        port=reader.whole(data, where, "port", base.port, low=PORTS[0], high=PORTS[1], what="a port number"),
        tls=reader.text(data, where, "tls", base.tls, choices=TLS_MODES),
        username=reader.text(data, where, "username", base.username),
        timeout=reader.seconds(data, where, "timeout", base.timeout, high=MAX_TIMEOUT_SECONDS),
        ca_file=reader.path(data, where, "ca_file") or base.ca_file,
        transport=reader.text(data, where, "transport", base.transport, choices=TRANSPORTS),
        directory=reader.path(data, where, "directory") or base.directory,
        password=reader.secret(data, where, default=base.password),
        auth=reader.text(data, where, "auth", base.auth, choices=AUTH_MODES),
        oauth=read_oauth(reader, layers, OAuthSettings()),   # [smtp]'s keys are read again from its table
    )

    def written_at(key: str) -> str:
        return f"{where if key in data else base_where}.{key}"

    if settings.transport == "directory" and settings.directory is None:
        reader.expected(f"{where}.directory", 'a folder path when transport = "directory"')
    elif settings.transport == "directory":
        reader.need(written_at("directory"), settings.directory, "folder")
    else:
        if settings.auth == "oauth2":
            check_oauth(reader, settings.oauth, layers, missing_at=where)
            if not settings.username:
                reader.problem(f"{where}.username", 'auth = "oauth2" needs the username to log in as '
                                                    "(the mailbox address the token is for)")
        elif settings.username:
            own_secret = any(key in data for key in SECRET_KEYS)
            reader.need_secret(settings.password, where if own_secret else base_where)
        if settings.tls != "none" and settings.ca_file is not None:
            reader.need(written_at("ca_file"), settings.ca_file, "ca-file")
    return settings


def _address_ok(text: str) -> bool:
    return "@" in parseaddr(text)[1]


def _mailbox(reader: KeyReader, data: Any, index: int, imap_defaults: dict, smtp: SmtpSettings,
             smtp_table: dict) -> MailboxSettings | None:
    where = f"mailboxes[{index}]"
    if not isinstance(data, dict):
        reader.expected(where, "a table ([[mailboxes]])", data)
        return None
    reader.unknown_keys(data, where, _MAILBOX_KEYS)
    name = reader.text(data, where, "name", "")
    address = reader.text(data, where, "address", "")
    if not name:
        reader.expected(f"{where}.name", 'a mailbox name of the deployment (e.g. "democratic-services")')
    if not _address_ok(address):
        reader.expected(f"{where}.address", "an email address", address if "address" in data else ABSENT)
    people = {}
    for key in ("staff", "managers"):
        people[key] = reader.strings(data, where, key, expected='a list like ["Name <address>", "address"]')
        for person in people[key]:
            if not _address_ok(person):
                reader.expected(f"{where}.{key}", 'entries like "Name <address>" or a bare address', person)
    maildir = reader.path(data, where, "maildir")
    if maildir is not None:
        reader.need(f"{where}.maildir", maildir, "maildir")
    own_imap = reader.table(data, where, "imap", expected="a table ([mailboxes.imap])")
    imap = None
    if maildir is None:
        reader.unknown_keys(own_imap, f"{where}.imap", _IMAP_KEYS)
        imap = _imap(reader, imap_defaults, own_imap, f"{where}.imap")
        if not imap.host:
            reader.expected(f"{where}.imap.host", "an IMAP host (in [imap] or [mailboxes.imap]), or a maildir path")
        if not imap.username:
            imap = replace(imap, username=address)
    elif "imap" in data:
        reader.problem(f"{where}.imap", "a maildir mailbox has no [mailboxes.imap] table")
    own_smtp = reader.table(data, where, "smtp", expected="a table ([mailboxes.smtp])")
    return MailboxSettings(
        name=name, address=address.lower(),
        folder=_folder(reader, data, where),
        staff=people["staff"], managers=people["managers"], imap=imap, maildir=maildir,
        smtp=_smtp(reader, own_smtp, f"{where}.smtp", smtp, smtp_table) if own_smtp else None,
        move_to=reader.text(data, where, "move_to", "", expected="a folder name"),
        answer_backlog_days=reader.whole(data, where, "answer_backlog_days", 2, low=0, what="a whole number of days"),
        max_message_mb=reader.whole(data, where, "max_message_mb", 25, low=1, high=MAX_MESSAGE_MB,
                                    what="a whole number of megabytes"),
    )


def _folder(reader: KeyReader, data: dict, where: str) -> str:
    folder = reader.text(data, where, "folder", "INBOX", expected='a folder name, e.g. "INBOX"')
    if not folder.strip():
        reader.expected(f"{where}.folder", 'a folder name, e.g. "INBOX"', folder)
    return folder or "INBOX"


def _storage(reader: KeyReader, data: dict, base: Path) -> tuple[str, Secret]:
    """The database URL (relative SQLite paths resolved) and where its password comes from.

    A URL never carries a password: it would show wherever the URL is shown.
    The mistake is named without printing the URL.
    """
    reader.unknown_keys(data, "storage", _STORAGE_KEYS)
    url = reader.text(data, "storage", "url", DEFAULT_STORAGE_URL,
                      expected="a database URL (sqlite:///PATH or postgresql+psycopg://USER@HOST/DB)")
    password = reader.secret(data, "storage", default=Secret())
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        reader.expected("storage.url", "a database URL (sqlite:///PATH or postgresql+psycopg://USER@HOST/DB)")
        return DEFAULT_STORAGE_URL, password
    if parsed.password is not None or "password" in parsed.query:
        reader.problem("storage.url", "has a password in it, which is refused (the URL is shown in messages "
                                      "and logs): put the password in [storage] password_env or password_file")
        return DEFAULT_STORAGE_URL, password
    return _resolve_sqlite(url, base), password


def _daemon(reader: KeyReader, data: dict) -> dict[str, int]:
    reader.unknown_keys(data, "daemon", _DAEMON_KEYS)
    return {key: reader.whole(data, "daemon", key, default, low=1, high=MAX_INTERVAL_SECONDS,
                              what="a whole number of seconds")
            for key, default in (("poll_seconds", 60), ("outbox_seconds", 30))}


def load_settings(path: Path, *, check_files: bool = False, check_maildirs: bool = False) -> Settings:
    """Read and validate one config file; raise ConfigError listing every mistake with its line.

    `check_files`: also every file, folder, program and environment variable
    the config names must be there (for commands that connect or send);
    `check_maildirs`: also every Maildir must exist (`check`, which must not make one).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from error
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = _TOML_LINE.search(str(error))
        place = f"{path}:{line.group(1)}" if line else f"{path}"
        raise ConfigError(f"{place}: not valid TOML: {error}") from error
    problems: list[str] = []
    reader = KeyReader(path, text, problems)
    reader.unknown_keys(data, "", _TOP_KEYS)
    deployment = reader.text(data, "", "deployment", "")
    if not deployment:
        reader.expected("deployment", 'a deployment name ("cambridgeshire" or "cleveland")', data.get("deployment", ABSENT))
    rules_dir = reader.path(data, "", "rules_dir") or shipped_dir("rules")
    templates_dir = reader.path(data, "", "templates_dir") or shipped_dir("templates")
    url, storage_password = _storage(reader, reader.table(data, "", "storage"), path.parent)
    reader.need_secret(storage_password, "storage")
    smtp_table = reader.table(data, "", "smtp")
    smtp = _smtp(reader, smtp_table, "smtp", SmtpSettings())
    daemon = _daemon(reader, reader.table(data, "", "daemon"))
    staff_replies = reader.table(data, "", "staff_replies")
    reader.unknown_keys(staff_replies, "staff_replies", {"authserv_id"})
    authserv_id = reader.text(staff_replies, "staff_replies", "authserv_id", "",
                              expected="the authserv-id your receiving mail server writes in Authentication-Results")
    if "authserv_id" in staff_replies and isinstance(staff_replies["authserv_id"], str) and \
            (not authserv_id.strip() or len(authserv_id.split()) != 1):
        reader.expected("staff_replies.authserv_id", "one word: the authserv-id of your receiving mail server "
                        "(leave the key out to not require Authentication-Results)", authserv_id)
    imap_defaults = reader.table(data, "", "imap")
    if imap_defaults:
        reader.unknown_keys(imap_defaults, "imap", _IMAP_KEYS)
        _imap(reader, imap_defaults, {}, "imap", complete=False)
    mailboxes_data = data.get("mailboxes", [])
    if not isinstance(mailboxes_data, list):
        reader.expected("mailboxes", "an array of tables ([[mailboxes]])", mailboxes_data)
        mailboxes_data = []
    mailboxes = [mailbox for index, entry in enumerate(mailboxes_data)
                 if (mailbox := _mailbox(reader, entry, index, imap_defaults, smtp, smtp_table)) is not None]
    names = [mailbox.name for mailbox in mailboxes]
    for name in sorted({name for name in names if names.count(name) > 1}):
        reader.problem(f"mailboxes[{names.index(name)}].name", f"each name once; {name!r} is given {names.count(name)} times")
    if check_files:
        reader.check_needs({"secret-file", "ca-file", "folder", "store-file", "program", "env"})
    if check_maildirs:
        reader.check_needs({"maildir"})
    if problems:
        raise ConfigError(problems)
    return Settings(
        path=path.resolve(), deployment=deployment, rules_dir=rules_dir, templates_dir=templates_dir,
        storage_url=url, storage_password=storage_password, smtp=smtp, mailboxes=tuple(mailboxes),
        poll_seconds=daemon["poll_seconds"], outbox_seconds=daemon["outbox_seconds"],
        staff_authserv_id=authserv_id.strip(),
    )


def _resolve_sqlite(url: str, base: Path) -> str:
    """Make a relative SQLite path relative to the config file's folder, as for every path."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix + ":memory:":
        return prefix + str((base / url[len(prefix):]).resolve())
    return url


__all__ = ["find_config", "load_settings", "shipped_dir"]
