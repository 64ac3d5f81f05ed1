"""Handing composed bytes to the SMTP server (or, for the demo and tests, to a folder).

    send() outcomes
    ├── returns {}                 every recipient accepted
    ├── returns {addr: (code, msg)} some recipients refused, the rest accepted: do not resend
    ├── TransientSendError         4xx, timeout, refused/reset connection, login or TLS failure
    └── PermanentSendError         every recipient refused with 5xx, or 5xx to MAIL FROM or DATA

A transport never changes the bytes and never adds recipients: the envelope
is exactly what the caller passes (the outbox row's To and Cc).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import smtplib
import socket
import ssl
from datetime import timedelta, timezone
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import TracebackType
from typing import Protocol

from mailbot.errors import ConfigError, PermanentSendError, TransientSendError
from mailbot.settings import SmtpSettings

log = logging.getLogger("mailbot.outbox")

Refused = dict[str, tuple[int, bytes]]

# 5xx replies about the session, not the message (authentication required or
# refused): the same message succeeds once the configuration is put right.
_NOT_THE_MESSAGE = frozenset({530, 534, 535, 538})


class Transport(Protocol):
    """What the outbox needs of a transport; usable as a context manager around several sends."""

    def send(self, envelope_from: str, recipients: list[str], raw: bytes) -> Refused: ...

    def __enter__(self) -> Transport: ...

    def __exit__(self, *exc_info: object) -> None: ...


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after `attempts` failed attempts: 1, 2, 4, 8 ... minutes, at most an hour."""
    return timedelta(minutes=min(60, 2 ** min(max(attempts - 1, 0), 6)))


def make_transport(settings: SmtpSettings) -> SmtpTransport | DirectoryTransport:
    """The transport the settings name (`smtp`, or `directory` with its folder)."""
    if settings.transport == "directory":
        if settings.directory is None:
            raise ConfigError('smtp.directory: a folder path is needed when transport = "directory"')
        return DirectoryTransport(settings.directory)
    if settings.transport == "smtp":
        return SmtpTransport(settings)
    raise ConfigError(f"smtp.transport: {settings.transport!r} is not one of smtp, directory")


class SmtpTransport:
    """Sends through one SMTP server; inside `with`, one connection serves several sends.

    Outside `with`, each send opens and closes its own connection. After any
    failure the connection is dropped and the next send opens a fresh one.
    """

    def __init__(self, settings: SmtpSettings, *, local_hostname: str | None = None):
        if settings.tls not in ("ssl", "starttls", "none"):
            raise ConfigError(f"smtp.tls: {settings.tls!r} is not one of ssl, starttls, none")
        self.settings = settings
        self.local_hostname = local_hostname
        self._client: smtplib.SMTP | None = None
        self._held = False

    def __enter__(self) -> SmtpTransport:
        self._held = True
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._held = False
        self.close()

    def connect(self) -> None:
        """Open, secure and log in to the connection now (`mailbot check --connect`); raises TransientSendError."""
        if self._client is not None:
            return
        settings = self.settings
        where = f"{settings.host}:{settings.port}"
        password = settings.password.read() if settings.username else None  # ConfigError when unset
        client: smtplib.SMTP | None = None
        try:
            if settings.tls == "ssl":
                client = smtplib.SMTP_SSL(settings.host, settings.port, local_hostname=self.local_hostname,
                                          timeout=settings.timeout, context=self._tls_context())
            else:
                client = smtplib.SMTP(settings.host, settings.port, local_hostname=self.local_hostname,
                                      timeout=settings.timeout)
                if settings.tls == "starttls":
                    client.starttls(context=self._tls_context())
            client.ehlo_or_helo_if_needed()
            if settings.username and password:
                client.login(settings.username, password)
        except smtplib.SMTPAuthenticationError as error:
            _close_quietly(client)
            raise TransientSendError(f"SMTP {where}: login as {settings.username} refused "
                                     f"({error.smtp_code} {_text(error.smtp_error)})") from error
        except smtplib.SMTPNotSupportedError as error:
            _close_quietly(client)
            raise TransientSendError(f"SMTP {where}: {error} (check smtp.tls and the credentials)") from error
        except (smtplib.SMTPException, OSError) as error:  # OSError covers refused, reset, timeout, TLS, DNS
            _close_quietly(client)
            raise TransientSendError(f"SMTP {where}: cannot connect: {_describe(error)}") from error
        self._client = client

    def close(self) -> None:
        """Say QUIT and drop the connection, if one is open."""
        client, self._client = self._client, None
        if client is not None:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()

    def send(self, envelope_from: str, recipients: list[str], raw: bytes) -> Refused:
        """Hand `raw` to the server for exactly `recipients`; returns the recipients refused (see module doc)."""
        if not recipients:
            raise PermanentSendError("a message with no recipients cannot be sent")
        if self._client is not None and not self._alive():
            self.close()
        self.connect()
        assert self._client is not None
        where = f"{self.settings.host}:{self.settings.port}"
        try:
            refused = self._client.sendmail(envelope_from, list(recipients), raw, mail_options=self._body_options(raw))
        except smtplib.SMTPRecipientsRefused as error:
            self.close()
            detail = "; ".join(f"{address}: {code} {_text(text)}" for address, (code, text) in error.recipients.items())
            if all(500 <= code < 600 for code, _ in error.recipients.values()):
                raise PermanentSendError(f"SMTP {where}: every recipient refused: {detail}") from error
            raise TransientSendError(f"SMTP {where}: recipients refused for now: {detail}") from error
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
            self.close()
            stage = "sender" if isinstance(error, smtplib.SMTPSenderRefused) else "message"
            message = f"SMTP {where}: {stage} refused: {error.smtp_code} {_text(error.smtp_error)}"
            if 500 <= error.smtp_code < 600 and error.smtp_code not in _NOT_THE_MESSAGE:
                raise PermanentSendError(message) from error
            raise TransientSendError(message) from error
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise TransientSendError(f"SMTP {where}: sending failed: {_describe(error)}") from error
        finally:
            if not self._held:
                self.close()
        if refused:
            log.warning("SMTP %s accepted the message for some recipients only; refused: %s",
                        where, ", ".join(refused))
        return refused

    def _body_options(self, raw: bytes) -> list[str]:
        """BODY=8BITMIME for 8-bit bytes (an attached original kept intact); refuse where the server lacks it."""
        if raw.isascii():
            return []
        if not self._client.has_extn("8bitmime"):
            where = f"{self.settings.host}:{self.settings.port}"
            raise PermanentSendError(f"SMTP {where}: the message holds 8-bit text (an original kept intact) and "
                                     "the server does not offer 8BITMIME")
        return ["BODY=8BITMIME"]

    def _alive(self) -> bool:
        try:
            return self._client is not None and self._client.noop()[0] == 250
        except (smtplib.SMTPException, OSError):
            return False

    def _tls_context(self) -> ssl.SSLContext:
        ca_file = self.settings.ca_file
        return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)


class DirectoryTransport:
    """Writes each message to a folder instead of sending it (the demo, and `transport = "directory"`).

    `NAME.eml` holds the raw bytes unchanged and `NAME.envelope.json` the
    envelope; NAME is `DATE-KIND-MESSAGEID` (the Date header in UTC, so the
    files sort in sending order). Both files are written atomically, the
    envelope first; the same Message-ID again overwrites the same two files.
    """

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def __enter__(self) -> DirectoryTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def connect(self) -> None:
        """Make sure the folder can be written (the counterpart of SmtpTransport.connect)."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise TransientSendError(f"folder {self.directory}: cannot write: {error}") from error

    def send(self, envelope_from: str, recipients: list[str], raw: bytes) -> Refused:
        """Write the message and its envelope; returns {} (a folder refuses nobody)."""
        if not recipients:
            raise PermanentSendError("a message with no recipients cannot be sent")
        headers = BytesHeaderParser().parsebytes(raw)
        name = self.name_for(raw, headers)
        envelope = {"from": envelope_from, "to": list(recipients),
                    "message_id": _header(headers, "Message-ID"), "kind": _header(headers, "X-Mailbot-Kind")}
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            _write_atomically(self.directory / f"{name}.envelope.json",
                              (json.dumps(envelope, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
            _write_atomically(self.directory / f"{name}.eml", raw)
        except OSError as error:
            raise TransientSendError(f"cannot write to {self.directory}: {error}") from error
        return {}

    @staticmethod
    def name_for(raw: bytes, headers: Message | None = None) -> str:
        """`20261123T102000Z-acknowledgement-mb1.PCP-2026-00042...@domain`: fixed by the message's headers."""
        headers = headers if headers is not None else BytesHeaderParser().parsebytes(raw)
        try:
            when = parsedate_to_datetime(_header(headers, "Date"))
            stamp = when.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        except (TypeError, ValueError):
            stamp = "undated"
        kind = _safe(_header(headers, "X-Mailbot-Kind")) or "message"
        message_id = _header(headers, "Message-ID").strip("<>")
        if not message_id:
            message_id = "sha256-" + hashlib.sha256(raw).hexdigest()
        return f"{stamp}-{kind}-{_safe(message_id)[:160]}"


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _header(headers: Message, name: str) -> str:
    value = headers.get(name)
    return " ".join(str(value).split()) if value is not None else ""


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._@+=-]", "_", text)   # linear: one class


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _describe(error: BaseException) -> str:
    if isinstance(error, (socket.timeout, TimeoutError)):
        return "timed out"
    return f"{type(error).__name__}: {error}"


def _close_quietly(client: smtplib.SMTP | None) -> None:
    if client is not None:
        try:
            client.close()
        except OSError:
            pass
