"""Opening a logged-in IMAP connection from `ImapSettings`: TLS mode, password or XOAUTH2 token.

Every failure comes out as a `SourceError` that names the mailbox, host and
port, so that an operator reading one log line knows which mailbox to fix;
no message ever carries the password or the token.
"""

from __future__ import annotations

import socket
import ssl
from contextlib import contextmanager
from typing import Iterator

from imapclient import IMAPClient
from imapclient.exceptions import CapabilityError, IMAPClientError, LoginError

from mailbot.errors import ConfigError, SourceError
from mailbot.oauth import access_token
from mailbot.settings import ImapSettings

# What imapclient, imaplib, socket and ssl raise when a server misbehaves.
# ssl.SSLError and socket.timeout are OSErrors; LoginError and imaplib's
# abort and readonly are IMAPClientErrors.
NETWORK_ERRORS = (IMAPClientError, OSError, EOFError)
# What a refused bearer token means, in the order worth checking (Exchange Online's usual causes first).
REFUSED_TOKEN_HINT = ("the token is expired or revoked, or is not for this mailbox: check username, and for "
                      "Exchange Online that the app's service principal has FullAccess on the mailbox")


def where(mailbox: str, settings: ImapSettings) -> str:
    """How log lines and errors name a mailbox: `mailbox 'x' (imap.example:993)`."""
    return f"mailbox {mailbox!r} ({settings.host}:{settings.port})"


@contextmanager
def source_errors(place: str, action: str) -> Iterator[None]:
    """Turn a network or protocol failure during `action` into a SourceError naming `place`."""
    try:
        yield
    except SourceError:
        raise
    except NETWORK_ERRORS as exc:
        detail = _describe(exc)
        raise SourceError(f"{place}: {action} failed: {detail}") from exc


def connect(mailbox: str, settings: ImapSettings) -> IMAPClient:
    """A logged-in client for `settings`, with its timeout set and times kept timezone-aware."""
    place = where(mailbox, settings)
    with source_errors(place, "connecting"):
        client = _open(settings, place)
    try:
        _log_in(client, settings, place)
    except BaseException:
        close(client)
        raise
    return client


def close(client: IMAPClient) -> None:
    """Log out, or failing that drop the connection: a dead server must not stop a shutdown."""
    try:
        client.logout()
    except Exception:
        try:
            client.shutdown()
        except Exception:
            pass


def _open(settings: ImapSettings, place: str) -> IMAPClient:
    if settings.tls not in ("ssl", "starttls", "none"):
        raise ConfigError(f"{place}: imap tls must be ssl, starttls or none, not {settings.tls!r}")
    context = None
    if settings.tls != "none":
        context = ssl.create_default_context(cafile=str(settings.ca_file) if settings.ca_file else None)
    client = IMAPClient(settings.host, settings.port, ssl=settings.tls == "ssl", ssl_context=context,
                        timeout=settings.timeout)
    client.normalise_times = False  # INTERNALDATE stays aware; we convert to UTC ourselves
    # imapclient sets imaplib's `debug` to 5, and imaplib then formats the repr of every literal it reads
    # (whole messages) into a log line before any logger can drop it: twice a message's size, per fetch.
    client._imap.debug = 0
    if settings.tls == "starttls":
        try:
            client.starttls(context)
        except CapabilityError as exc:
            close(client)
            raise SourceError(f"{place}: the server does not offer STARTTLS") from exc
        except BaseException:
            close(client)
            raise
    return client


def _log_in(client: IMAPClient, settings: ImapSettings, place: str) -> None:
    user = settings.username
    if settings.auth == "oauth2":
        secret = access_token(settings.oauth, user=user, place=place, timeout=settings.timeout)
        login, action = _oauth_login(client), "OAuth2 login"
    elif settings.auth == "password":
        secret, login, action = settings.password.read(), client.login, "login"
        if secret is None:
            raise ConfigError(f"{place}: no IMAP password configured")
    else:
        raise ConfigError(f"{place}: imap auth must be password or oauth2, not {settings.auth!r}")
    with source_errors(place, action):
        try:
            login(user, secret)
        except LoginError as exc:
            if settings.auth == "oauth2":
                raise SourceError(f"{place}: the server refused the token for user {user!r}: {_describe(exc)} "
                                  f"({REFUSED_TOKEN_HINT})") from exc
            raise SourceError(f"{place}: authentication failed for user {user!r}: {_describe(exc)}") from exc


def _oauth_login(client: IMAPClient):
    """SASL XOAUTH2 (what Exchange Online and Gmail document), else OAUTHBEARER where only that is offered."""
    if not client.has_capability("AUTH=XOAUTH2") and client.has_capability("AUTH=OAUTHBEARER"):
        return client.oauthbearer_login
    return client.oauth2_login


def _describe(exc: BaseException) -> str:
    """A one-line reason, with imapclient's bytes and bare timeouts made readable."""
    if isinstance(exc, socket.timeout):
        return "timed out"
    text = exc.args[0] if len(exc.args) == 1 else str(exc)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = str(text)
    if text[:2] in ("b'", 'b"') and text[-1:] == text[1]:  # LoginError wraps str(b"...")
        text = text[2:-1]
    return f"{type(exc).__name__}: {text}" if isinstance(exc, OSError) else text
