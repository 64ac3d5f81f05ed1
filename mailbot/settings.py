"""The validated settings values that config.py builds from the TOML file."""

from __future__ import annotations

from email.utils import getaddresses

import os
from dataclasses import dataclass, field
from pathlib import Path

from mailbot.errors import ConfigError

TLS_MODES = ("ssl", "starttls", "none")
AUTH_MODES = ("password", "oauth2")
OAUTH_PROVIDERS = ("microsoft", "google", "command")
OAUTH_FLOWS = ("app", "delegated")
TRANSPORTS = ("smtp", "directory")


@dataclass(frozen=True)
class Secret:
    """Where a secret comes from: an environment variable, or a file it names.

    The value is read when needed, never stored in the settings or printed.
    `credential` is the name given as `password_credential`, when the file
    was found that way (systemd's credentials folder, else the config's own
    `credentials/` folder).
    """

    env: str = ""
    file: Path | None = None
    credential: str = ""

    def read(self) -> str | None:
        """The secret, or None when none is configured; ConfigError when its file or variable is missing."""
        if self.file is not None:
            try:
                return self.file.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as error:
                reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
                raise ConfigError(f"password_file {self.file}: cannot read it: {reason}") from error
        if self.env:
            value = os.environ.get(self.env)
            if value is None:
                raise ConfigError(f"environment variable {self.env} is not set (it holds a secret the config names)")
            return value
        return None

    def __repr__(self) -> str:
        return f"Secret(env={self.env!r}, file={self.file!r}, credential={self.credential!r})"


@dataclass(frozen=True)
class OAuthSettings:
    """Where an OAuth2 access token for a SASL XOAUTH2 login comes from (`auth = "oauth2"`).

    The same keys sit in [imap], [smtp], [mailboxes.imap] and [mailboxes.smtp].
    `flow = "app"` is app-only access (Microsoft client credentials, a Google
    Workspace service account with domain-wide delegation); `"delegated"` is
    a user's consent given once (`mailbot auth login`), kept as a refresh
    token in `token_store` and replaced there atomically whenever it rotates.
    """

    provider: str = "command"                 # oauth_provider: microsoft | google | command
    token_command: tuple[str, ...] = ()       # command: run without a shell; stdout is the access token
    flow: str = "app"                         # oauth_flow: app | delegated
    tenant_id: str = ""                       # microsoft: the directory (tenant) id or domain
    client_id: str = ""                       # microsoft, google: the app registration's client id
    client_secret: Secret = field(default_factory=Secret)   # client_secret_env / client_secret_file
    client_certificate_file: Path | None = None  # microsoft app-only: a PEM with private key and certificate
    service_account_file: Path | None = None  # google app-only: the service account's JSON key
    token_store: Path | None = None           # delegated: where the refresh token is kept
    authority: str = ""                       # oauth_authority: another login host (national clouds)


@dataclass(frozen=True)
class ImapSettings:
    """How to reach one mailbox's IMAP server."""

    host: str
    port: int = 993
    tls: str = "ssl"                 # ssl | starttls | none
    username: str = ""
    password: Secret = field(default_factory=Secret)
    auth: str = "password"           # password | oauth2
    oauth: OAuthSettings = field(default_factory=OAuthSettings)   # where the token comes from (auth = "oauth2")
    timeout: float = 30.0
    batch_size: int = 100
    ca_file: Path | None = None      # a private CA to trust (TLS modes), else the system's


@dataclass(frozen=True)
class SmtpSettings:
    """How to hand mail to the SMTP server, or to a folder instead (`transport = "directory"`)."""

    host: str = "localhost"
    port: int = 587
    tls: str = "starttls"
    username: str = ""
    password: Secret = field(default_factory=Secret)
    auth: str = "password"           # password (AUTH when a username is given) | oauth2 (XOAUTH2 / OAUTHBEARER)
    oauth: OAuthSettings = field(default_factory=OAuthSettings)   # where the token comes from (auth = "oauth2")
    timeout: float = 30.0
    ca_file: Path | None = None
    transport: str = "smtp"          # smtp | directory
    directory: Path | None = None    # where `directory` writes one .eml per message


@dataclass(frozen=True)
class MailboxSettings:
    """One watched shared mailbox and the people it notifies."""

    name: str
    address: str
    folder: str = "INBOX"
    staff: tuple[str, ...] = ()      # "Name <address>" or bare addresses
    managers: tuple[str, ...] = ()
    imap: ImapSettings | None = None  # None for a Maildir mailbox
    maildir: Path | None = None
    smtp: SmtpSettings | None = None  # None: the top-level [smtp]
    move_to: str = ""                 # after recording, move there instead of setting \Seen
    answer_backlog_days: int = 2      # first sync: mail older than this is recorded and opened, never auto-answered
    max_message_mb: int = 25          # larger mail is recorded with its bytes and quarantined as "too large"

    @property
    def max_message_bytes(self) -> int:
        return self.max_message_mb * 1024 * 1024

    @property
    def staff_people(self) -> tuple[tuple[str, str], ...]:
        """(name, bare lower-case address) of each staff member and manager, as the config lists them."""
        return tuple((name, address.lower()) for name, address in getaddresses([*self.staff, *self.managers])
                     if address)


@dataclass(frozen=True)
class Settings:
    """The whole validated configuration of one mailbot installation."""

    path: Path                       # the config file it came from
    deployment: str
    rules_dir: Path
    templates_dir: Path
    storage_url: str                 # never with a password in it: that is `storage_password`
    smtp: SmtpSettings
    mailboxes: tuple[MailboxSettings, ...]
    poll_seconds: int = 60
    outbox_seconds: int = 30
    storage_password: Secret = field(default_factory=Secret)
    staff_authserv_id: str = ""      # [staff_replies] authserv_id: staff replies also need its DMARC/DKIM pass

    def mailbox(self, name: str) -> MailboxSettings:
        for mailbox in self.mailboxes:
            if mailbox.name == name:
                return mailbox
        raise KeyError(name)

    def smtp_for(self, mailbox: MailboxSettings) -> SmtpSettings:
        return mailbox.smtp or self.smtp
