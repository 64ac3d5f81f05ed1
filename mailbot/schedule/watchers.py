"""Watching IMAP mailboxes with IDLE: one connection per watched folder, which wakes that mailbox's job at once.

The server tells an IDLE connection of new mail (an untagged EXISTS or
RECENT) the moment it arrives; the watcher then asks the schedule to run the
mailbox's intake, which reads it over a connection of its own. The watcher
reads nothing and changes nothing: polling every `poll_seconds` goes on
beside it, and is all a Maildir mailbox or a server without IDLE gets.

A lost connection is opened again after a wait that doubles up to
BACKOFF_CAP_SECONDS, with jitter so that the watchers of one server do not
all come back in the same second; once back, the watcher wakes the job, for
mail that came while it was away.
"""

from __future__ import annotations

import logging
import random
import socket
import threading
import time
from collections.abc import Callable

from imapclient import IMAPClient

from mailbot.errors import SourceError
from mailbot.intake.imap_connect import NETWORK_ERRORS, close, connect, source_errors, where
from mailbot.settings import MailboxSettings

log = logging.getLogger("mailbot.intake")

RENEW_SECONDS = 25 * 60       # RFC 2177: servers may drop an IDLE after 30 minutes; re-issue well before 29
CHECK_SECONDS = 1.0           # how long one wait for the server lasts: a stop is seen within this
BACKOFF_FIRST_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 300.0
STEADY_SECONDS = 60.0         # a connection that lasted this long was a good one: the next failure waits little
STOP_TIMEOUT_SECONDS = 2.0    # leaving IDLE and logging out on a stop: a dead server must not hold the exit
NEW_MAIL = (b"EXISTS", b"RECENT")


class Backoff:
    """Waits before reconnecting: doubling from `first` up to `cap`, each drawn between half and all of it."""

    def __init__(self, first: float = BACKOFF_FIRST_SECONDS, cap: float = BACKOFF_CAP_SECONDS,
                 draw: Callable[[float, float], float] = random.uniform):
        self.first, self.cap = first, cap
        self._draw = draw
        self.failures = 0

    def next_wait(self) -> float:
        """The wait after one more failure in a row."""
        ceiling = min(self.cap, self.first * 2 ** min(self.failures, 30))
        self.failures += 1
        return self._draw(ceiling / 2, ceiling)   # jitter: watchers that failed together come back apart

    def reset(self) -> None:
        self.failures = 0


class IdleWatcher:
    """A thread holding one IDLE connection to `mailbox`'s folder and calling `on_new_mail` when mail arrives.

    It ends by itself when the server does not offer IDLE (polling is then
    all there is) and when `stop` is called.
    """

    def __init__(self, mailbox: MailboxSettings, on_new_mail: Callable[[], None], *,
                 renew_seconds: float = RENEW_SECONDS, check_seconds: float = CHECK_SECONDS,
                 backoff: Backoff | None = None):
        if mailbox.imap is None:
            raise ValueError(f"mailbox {mailbox.name!r} is a Maildir: there is no IMAP folder to watch")
        self.mailbox = mailbox
        self.on_new_mail = on_new_mail
        self.renew_seconds = renew_seconds
        self.check_seconds = check_seconds
        self.backoff = backoff or Backoff()
        self.idles = 0                      # IDLE commands issued: a renewal is one more
        self.connections = 0                # sessions in which IDLE was running
        self.heard = 0                      # untagged responses the server sent in IDLE, of any kind
        self._place = f"{where(mailbox.name, mailbox.imap)} folder {mailbox.folder!r}"
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"idle-{mailbox.name}", daemon=True)

    def start(self) -> "IdleWatcher":
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the thread to end (it does within about `check_seconds`)."""
        self._stopping.set()

    def join(self, timeout: float) -> bool:
        """Wait for the thread to end, at most `timeout` seconds; True when it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        while not self._stopping.is_set():
            began = time.monotonic()
            try:
                if not self._session():
                    return
            except (SourceError, *NETWORK_ERRORS) as error:
                if self._stopping.is_set():
                    return
                if time.monotonic() - began > STEADY_SECONDS:
                    self.backoff.reset()
                wait = self.backoff.next_wait()
                reason = str(error) if isinstance(error, SourceError) else f"{self._place}: {error!r}"
                log.warning("%s; watching with IDLE again in %.0f s, polling meanwhile", reason, wait)
                self._stopping.wait(wait)
            except Exception:   # noqa: BLE001 - the thread's boundary: a bug here must not end the watching
                log.exception("%s: IDLE watcher failed; polling continues, watching again in %.0f s",
                              self._place, BACKOFF_CAP_SECONDS)
                self._stopping.wait(BACKOFF_CAP_SECONDS)

    def _session(self) -> bool:
        """One connection, kept in IDLE until a stop or a failure; False when the server has no IDLE."""
        client = connect(self.mailbox.name, self.mailbox.imap)
        try:
            with source_errors(self._place, "selecting the folder"):
                if not client.has_capability("IDLE"):
                    log.info("%s: the server does not offer IDLE; polling every [daemon] poll_seconds",
                             self._place)
                    return False
                # EXAMINE: a read-only session that can neither change flags nor take \Recent from intake.
                client.select_folder(self.mailbox.folder, readonly=True)
            _keep_alive(client.socket())
            with source_errors(self._place, "waiting in IDLE"):
                self._idle(client)
            return True
        finally:
            _leave(client)

    def _idle(self, client: IMAPClient) -> None:
        client.idle()
        self.idles += 1
        self.connections += 1
        log.info("%s: waiting for new mail (IDLE)", self._place)
        # Mail may have come between the last pass and this IDLE (or while the connection was down).
        self.on_new_mail()
        renewed = time.monotonic()
        while not self._stopping.is_set():
            if time.monotonic() - renewed >= self.renew_seconds:
                self._notice(client.idle_done()[1])
                client.idle()
                self.idles += 1
                renewed = time.monotonic()
            asked = time.monotonic()
            responses = client.idle_check(timeout=self.check_seconds)
            self._notice(responses)
            if not responses and time.monotonic() - asked < self.check_seconds / 2:
                # Readable yet nothing in it: imapclient swallows an end of file that way. Leaving IDLE
                # tells a live server from a closed connection (which raises here).
                self._notice(client.idle_done()[1])
                client.idle()
                self.idles += 1
        client.socket().settimeout(STOP_TIMEOUT_SECONDS)
        client.idle_done()

    def _notice(self, responses) -> None:
        self.heard += len(responses)
        if any(len(response) > 1 and response[1] in NEW_MAIL for response in responses):
            log.debug("%s: new mail announced", self._place)
            self.on_new_mail()


def _keep_alive(sock: socket.socket) -> None:
    """TCP keepalives: a connection silently dropped (a NAT, a firewall) is noticed in minutes, not at renewal."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        for option, value in (("TCP_KEEPIDLE", 60), ("TCP_KEEPINTVL", 20), ("TCP_KEEPCNT", 3)):
            if hasattr(socket, option):
                sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, option), value)
    except OSError:
        pass   # a platform without them still renews IDLE, and polling goes on


def _leave(client: IMAPClient) -> None:
    """Log out within STOP_TIMEOUT_SECONDS, or drop the connection."""
    try:
        client.socket().settimeout(STOP_TIMEOUT_SECONDS)
    except (OSError, AttributeError):
        pass
    close(client)


def watch_mailboxes(mailboxes, wake: Callable[[str], None]) -> list[IdleWatcher]:
    """An IDLE watcher, started, for each IMAP mailbox; each wakes its mailbox's job by name."""
    watchers = []
    for mailbox in mailboxes:
        if mailbox.imap is not None:
            watchers.append(IdleWatcher(mailbox, lambda name=mailbox.name: wake(name)).start())
    return watchers


def stop_watchers(watchers: list[IdleWatcher], timeout: float) -> None:
    """Stop every watcher and wait for them together, at most `timeout` seconds (they are daemon threads)."""
    for watcher in watchers:
        watcher.stop()
    deadline = time.monotonic() + timeout
    for watcher in watchers:
        watcher.join(max(0.0, deadline - time.monotonic()))
