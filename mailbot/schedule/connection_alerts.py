"""Servers mailbot cannot reach or log in to, made loud once: an `alert` when a mailbox or an SMTP server starts
failing and one when it works again, the state kept in the database (`connection_health`).

    a pass                    the row                       and
    ├── fails, first time     failing_since, reported_at    an alert to the managers (or staff), through a
    │                                                       path that works; none: logged loudly, `check` shows it
    ├── fails again           failures, last_error          nothing more (the daemon's backoff goes on)
    └── works after failing   recovered_at; failing_since   an alert: it works again
                              cleared

An IMAP failure is mailed through the mailbox's SMTP server. An SMTP
server's failure cannot be mailed through itself: it goes through another
mailbox whose [mailboxes.smtp] differs, else only to the log and `check`.
Kept in the database, so separate `run --once` processes report once; the
outbox key (target and start of the failure) makes a replay add nothing.
"""

from __future__ import annotations

import logging
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mailbot.db.engine import NoDatabase, open_engine, session_factory
from mailbot.db.models import ConnectionHealth
from mailbot.kinds import Kind
from mailbot.oauth import TokenError
from mailbot.outbox.queue import Outgoing, enqueue
from mailbot.settings import MailboxSettings, Settings, SmtpSettings

log = logging.getLogger("mailbot.daemon")
_SHOWN = 2000        # characters of an error kept and shown


@dataclass(frozen=True)
class Target:
    """One server mailbot needs: `key` in the database, `what` in words, and the mailboxes it serves."""

    key: str                               # mailbox:NAME | smtp:[USER@]HOST:PORT
    service: str                           # imap (a mailbox: IMAP or Maildir) | smtp
    what: str
    mailboxes: tuple[MailboxSettings, ...]


def mailbox_target(mailbox: MailboxSettings) -> Target:
    if mailbox.imap is None:
        return Target(f"mailbox:{mailbox.name}", "imap", f"the {mailbox.name} mailbox (Maildir {mailbox.maildir})",
                      (mailbox,))
    imap = mailbox.imap
    return Target(f"mailbox:{mailbox.name}", "imap",
                  f"the {mailbox.name} mailbox (IMAP {imap.host}:{imap.port}, user {imap.username})", (mailbox,))


def smtp_target(settings: Settings, smtp: SmtpSettings) -> Target:
    users = tuple(mailbox for mailbox in settings.mailboxes if settings.smtp_for(mailbox) == smtp)
    login = f"{smtp.username}@" if smtp.username else ""
    what = f"the SMTP server {smtp.host}:{smtp.port}" + (f" (user {smtp.username})" if smtp.username else "")
    return Target(f"smtp:{login}{smtp.host}:{smtp.port}", "smtp", what, users)


def in_plain_words(error: BaseException) -> str:
    """What failed, for an administrator: a token provider's diagnosis where there is one, what a network
    failure means where it is one, else the error as raised (which names the server)."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, TokenError):
            return cause.diagnosis
        for kind, meaning in _NETWORK_MEANINGS:
            if isinstance(cause, kind):
                return f"{error} ({meaning})"
        cause = cause.__cause__
    return str(error)


_NETWORK_MEANINGS = (
    (ConnectionRefusedError, "nothing accepts connections there: check host and port, and that the server runs"),
    (socket.gaierror, "the host name cannot be found: check host"),
    (ssl.SSLCertVerificationError, "the server's TLS certificate is not trusted: check host, or give ca_file"),
    (ssl.SSLError, "TLS failed: check tls and port (ssl is usually 993 or 465, starttls 143 or 587)"),
    (TimeoutError, "the server did not answer in time: check host, port and any firewall"),
)


def connection_failed(app, target: Target, error: BaseException, *, now: datetime) -> None:
    """Record a failure of `target`; the first of a run of failures is reported (see the module doc)."""
    words = in_plain_words(error)[:_SHOWN]
    with _recording(app, target) as session:
        row = session.get(ConnectionHealth, target.key)
        if row is None:
            row = ConnectionHealth(target=target.key, failures=0, reported_to="", last_error="")
            session.add(row)
        row.failures, row.last_error = row.failures + 1, words
        if row.failing_since is None:
            row.failing_since, row.reported_at, row.reported_to = now, None, ""
        if row.reported_at is None:
            told = _alert(app, session, target, row, state="failing", now=now)
            row.reported_at, row.reported_to = now, ", ".join(told)
            log.error("ALERT: mailbot cannot use %s: %s (%s)", target.what, words,
                      f"told {row.reported_to}" if told else "nobody could be told by email: see `mailbot check`")
        session.commit()


def connection_worked(app, target: Target, *, now: datetime) -> None:
    """Record that `target` worked; after a failure, that is reported once."""
    with _recording(app, target) as session:
        row = session.get(ConnectionHealth, target.key)
        if row is None or row.failing_since is None:
            return
        _alert(app, session, target, row, state="recovered", now=now)
        log.warning("mailbot can use %s again (failing since %s, %d failed attempt(s))", target.what,
                    row.failing_since.isoformat(), row.failures)
        row.failing_since, row.recovered_at, row.failures = None, now, 0
        session.commit()


@contextmanager
def _recording(app, target: Target) -> Iterator[Session]:
    """A session for one target's state. Whatever goes wrong here is logged and the pass goes on: an alert that
    cannot be made must not stop a mailbox's intake or the outbox (the boundary of each, as in quarantined.py)."""
    with app.sessions() as session:
        try:
            yield session
        except IntegrityError:   # another process recorded the same target (or queued its alert) at once: it reports
            session.rollback()
            log.info("connection state of %s recorded by another process", target.what)
        except Exception:  # noqa: BLE001 - see the docstring
            session.rollback()
            log.exception("the state of %s could not be recorded, nor its alert made", target.what)


def _alert(app, session, target: Target, row: ConnectionHealth, *, state: str, now: datetime) -> list[str]:
    """Queue the alert about `target` to its mailboxes' managers (or staff); the addresses, or [] when nobody
    can be told by email (nobody listed, or no other working path for an SMTP server)."""
    people = list(dict.fromkeys(person for mailbox in target.mailboxes for person in (mailbox.managers or mailbox.staff)))
    sender = _sender(app.settings, target, state=state)
    if not people or sender is None:
        return []
    context = {"kind": Kind.ALERT.value, "deployment": app.settings.deployment,
               "mailbox": {"name": sender.name, "address": sender.address},
               "connection": {"state": state, "service": target.service, "what": target.what,
                              "mailboxes": [mailbox.name for mailbox in target.mailboxes],
                              "since": row.failing_since, "at": now, "error": row.last_error}}
    body = app.ruleset.bodies.get(app.ruleset.mailboxes.get(sender.name, ""))
    cause = f"conn-{target.key}-{row.failing_since.isoformat()}-{state}"
    enqueue(session, Outgoing(kind=Kind.ALERT, context=context, case=None, cause=cause,
                              from_name=f"mailbot ({body.name if body else sender.name})",
                              from_address=sender.address, to=tuple(people), mailbox=sender.name),
            templates=app.templates, secret=app.secret, now=now)
    return people


def _sender(settings: Settings, target: Target, *, state: str) -> MailboxSettings | None:
    """The mailbox whose SMTP path carries the alert: its own, except for a failing SMTP server (another's)."""
    if target.service == "imap" or state == "recovered":
        return target.mailboxes[0] if target.mailboxes else None
    failing = {settings.smtp_for(mailbox) for mailbox in target.mailboxes}
    return next((mailbox for mailbox in settings.mailboxes if settings.smtp_for(mailbox) not in failing), None)


def failing_targets(settings: Settings) -> list[ConnectionHealth] | None:
    """Every target failing now, as the last passes recorded it; None when there is no database (or no table) yet.

    Never creates anything (`mailbot check` without --connect).
    """
    try:
        engine = open_engine(settings.storage_url, password=settings.storage_password.read(), create=False)
    except NoDatabase:
        return None
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table(ConnectionHealth.__tablename__):
                return None
        with session_factory(engine)() as session:
            return list(session.scalars(select(ConnectionHealth).where(ConnectionHealth.failing_since.is_not(None))
                                        .order_by(ConnectionHealth.target)))
    finally:
        engine.dispose()
