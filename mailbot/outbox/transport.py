"""Handing composed bytes to the SMTP server (or, for the demo and tests, to a folder).

    send() outcomes
    ├── returns {}                 every recipient accepted
    ├── returns {addr: (code, msg)} some recipients refused, the rest accepted: do not resend
    ├── TransientSendError         4xx, timeout, refused/reset connection, login or TLS failure
    └── PermanentSendError         every recipient refused with 5xx, 5xx to MAIL FROM or DATA
                                   (a message over the server's SIZE: 552), a sender address
                                   the server cannot take

A recipient whose address has characters beyond ASCII goes out with SMTPUTF8
(RFC 6531) where the server offers it; where it does not, only that recipient
is refused, and the others still get the message (mailbot/outbox/envelope.py).

A transport never changes the bytes and never adds recipients: the envelope
is exactly what the caller passes (the outbox row's To and Cc).
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from datetime import timedelta
from types import TracebackType
from typing import Protocol

from mailbot.errors import ConfigError, PermanentSendError, SendError, TransientSendError
from mailbot.outbox.directory import DirectoryTransport
from mailbot.oauth import TokenError
from mailbot.outbox.envelope import Refused, describe_refused, refused_before_sending, writable
from mailbot.outbox.smtp_login import log_in
from mailbot.settings import SmtpSettings

__all__ = ["DirectoryTransport", "Refused", "SmtpTransport", "Transport", "make_transport", "retry_delay"]

log = logging.getLogger("mailbot.outbox")

# 5xx replies about the session, not the message (authentication required or
# refused): the same message succeeds once the configuration is put right.
_NOT_THE_MESSAGE = frozenset({530, 534, 535, 538})
REFUSED_SMTP_TOKEN_HINT = ("the token is expired or revoked, or not for this user; Exchange Online also refuses "
                           "every token while SMTP AUTH is turned off for the mailbox or the tenant")


class Transport(Protocol):
    """What the outbox needs of a transport; usable as a context manager around several sends."""

    def send(self, envelope_from: str, recipients: list[str], raw: bytes) -> Refused: ...

    def connect(self) -> None: ...

    def close(self) -> None: ...

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
        password = settings.password.read() if settings.username and settings.auth == "password" else None
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
            log_in(client, settings, password=password, where=where)
        except TokenError as error:   # its diagnosis stays on the cause, for the alert and `check --connect`
            _close_quietly(client)
            raise TransientSendError(str(error)) from error
        except smtplib.SMTPAuthenticationError as error:
            _close_quietly(client)
            reply = f"{error.smtp_code} {_text(error.smtp_error)}"
            if settings.auth == "oauth2":
                raise TransientSendError(f"SMTP {where}: the server refused the OAuth2 token for {settings.username} "
                                         f"({reply}; {REFUSED_SMTP_TOKEN_HINT})") from error
            raise TransientSendError(f"SMTP {where}: login as {settings.username} refused ({reply})") from error
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
        smtputf8 = self._client.has_extn("smtputf8")
        if envelope_from and not writable(envelope_from):
            raise PermanentSendError(f"SMTP {where}: the sender address {ascii(envelope_from)} cannot be written "
                                     "in an SMTP command")
        if not envelope_from.isascii() and not smtputf8:
            raise PermanentSendError(f"SMTP {where}: the sender address {envelope_from} needs SMTPUTF8, "
                                     "which the server does not offer")
        refused_here = refused_before_sending(recipients, smtputf8=smtputf8)
        accepted = [address for address in recipients if address not in refused_here]
        if not accepted:
            raise PermanentSendError(f"SMTP {where}: no recipient can be sent to: {describe_refused(refused_here)}")
        options = self._body_options(raw)
        if not envelope_from.isascii() or not all(address.isascii() for address in accepted):
            options.append("SMTPUTF8")
        try:
            refused = self._client.sendmail(envelope_from, accepted, raw, mail_options=options)
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise _send_error(error, where=where, refused_here=refused_here) from error
        except BaseException:
            self.close()   # whatever else went wrong, the session may be halfway through a command
            raise
        if not self._held:
            self.close()
        refused = {**refused_here, **refused}
        if refused:
            log.warning("SMTP %s accepted the message for some recipients only; refused: %s",
                        where, describe_refused(refused))
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


def _send_error(error: smtplib.SMTPException | OSError, *, where: str, refused_here: Refused) -> SendError:
    """The typed error for what smtplib raised: permanent for a 5xx about the message, else transient."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        every = {**refused_here, **error.recipients}
        if all(500 <= code < 600 for code, _ in every.values()):
            return PermanentSendError(f"SMTP {where}: every recipient refused: {describe_refused(every)}")
        return TransientSendError(f"SMTP {where}: recipients refused for now: {describe_refused(every)}")
    if isinstance(error, (smtplib.SMTPSenderRefused, smtplib.SMTPDataError)):
        stage = "sender" if isinstance(error, smtplib.SMTPSenderRefused) else "message"
        message = f"SMTP {where}: {stage} refused: {error.smtp_code} {_text(error.smtp_error)}"
        if 500 <= error.smtp_code < 600 and error.smtp_code not in _NOT_THE_MESSAGE:
            return PermanentSendError(message)   # 552 here is a message over the server's SIZE
        return TransientSendError(message)
    return TransientSendError(f"SMTP {where}: sending failed: {_describe(error)}")


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
