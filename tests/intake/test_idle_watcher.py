"""The IDLE watcher against a real Dovecot: new mail wakes it at once, it renews IDLE, reconnects and stops."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from mailbot.schedule.watchers import Backoff, IdleWatcher
from mailbot.settings import MailboxSettings, Secret

pytestmark = pytest.mark.dovecot

COMPLAINT = (b"From: A Complainant <a.complainant@example.org>\r\nTo: democratic.services@peterborough.gov.uk\r\n"
             b"Subject: A complaint\r\nMessage-ID: <idle-1@example.org>\r\n\r\nThe officer was rude.\r\n")


class Wakes:
    """What the watcher calls on new mail: counts the calls and lets a test wait for the next one."""

    def __init__(self) -> None:
        self.count = 0
        self._changed = threading.Condition()

    def __call__(self) -> None:
        with self._changed:
            self.count += 1
            self._changed.notify_all()

    def wait_beyond(self, count: int, timeout: float = 5.0) -> float:
        """Wait until called more than `count` times; the seconds it took."""
        began = time.monotonic()
        with self._changed:
            if not self._changed.wait_for(lambda: self.count > count, timeout):
                raise AssertionError(f"not woken within {timeout} s (called {self.count} time(s))")
        return time.monotonic() - began


def until(condition, timeout: float = 10.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what or condition}")
        time.sleep(0.02)


def mailbox(dovecot, user, **imap) -> MailboxSettings:
    return MailboxSettings(name="democratic-services", address="democratic.services@peterborough.gov.uk",
                           imap=dovecot.settings(user, **imap))


@pytest.fixture
def watch():
    """Start watchers for a test; each is stopped, and must end within 3 s, when the test ends."""
    started: list[IdleWatcher] = []

    def start(settings: MailboxSettings, wakes, **options) -> IdleWatcher:
        watcher = IdleWatcher(settings, wakes, **options).start()
        started.append(watcher)
        return watcher

    yield start
    for watcher in started:
        watcher.stop()
    assert all(watcher.join(3) for watcher in started), "a watcher did not stop within 3 s"


def now() -> datetime:
    return datetime.now(timezone.utc) - timedelta(minutes=1)


def test_new_mail_wakes_the_watcher_within_a_second(dovecot, imap_user, watch):
    """GIVEN a watcher in IDLE (it wakes the job once on connecting, for mail that came before)
    WHEN a message is APPENDed THEN it is woken again, at once."""
    wakes = Wakes()
    watcher = watch(mailbox(dovecot, imap_user), wakes)
    wakes.wait_beyond(0)
    until(lambda: watcher.idles == 1, what="IDLE")

    dovecot.append(imap_user, COMPLAINT, at=now())

    assert wakes.wait_beyond(1) < 1.5
    assert watcher.connections == 1


def test_flags_changed_by_intake_do_not_wake_it(dovecot, imap_user, watch):
    """The daemon's own settling (\\Seen) is announced as FETCH, not as new mail: no pass after each pass."""
    uid = dovecot.append(imap_user, COMPLAINT, at=now())
    wakes = Wakes()
    watcher = watch(mailbox(dovecot, imap_user), wakes)
    wakes.wait_beyond(0)
    until(lambda: watcher.idles == 1, what="IDLE")
    with dovecot.client(imap_user) as imap:
        imap.select_folder("INBOX")
        imap.add_flags([uid], [b"\\Seen"])

    until(lambda: watcher.heard >= 1, what="the server to announce the flag change")
    assert wakes.count == 1, "woken by a flag change"


def test_idle_is_renewed_and_still_hears_new_mail(dovecot, imap_user, watch):
    """GIVEN IDLE renewed every 0.3 s (29 minutes at most on a real server) THEN it is re-issued on the
    same connection, and mail after a renewal still wakes the watcher."""
    wakes = Wakes()
    watcher = watch(mailbox(dovecot, imap_user), wakes, renew_seconds=0.3, check_seconds=0.1)
    until(lambda: watcher.idles >= 4, what="three renewals")

    dovecot.append(imap_user, COMPLAINT, at=now())

    wakes.wait_beyond(1)
    assert watcher.connections == 1


def test_a_dropped_connection_is_made_again_and_wakes_the_job(dovecot, imap_user, watch):
    """WHEN the server ends the IDLE session (doveadm kick) THEN the watcher connects again after its
    backoff and wakes the job, for mail that may have come while it was away; new mail still wakes it."""
    wakes = Wakes()
    watcher = watch(mailbox(dovecot, imap_user), wakes, backoff=Backoff(first=0.1, cap=0.2))
    until(lambda: watcher.connections == 1, what="IDLE")
    woken = wakes.count

    dovecot.doveadm("kick", imap_user.name)

    until(lambda: watcher.connections == 2, what="a second connection")
    wakes.wait_beyond(woken)
    before = wakes.count
    dovecot.append(imap_user, COMPLAINT, at=now())
    wakes.wait_beyond(before)


def test_a_refused_login_is_tried_again_with_a_growing_wait(dovecot, imap_user, watch, tmp_path):
    wrong = tmp_path / "wrong"
    wrong.write_text("not the password\n")
    backoff = Backoff(first=0.05, cap=0.1)
    watcher = watch(mailbox(dovecot, imap_user, password=Secret(file=wrong)), Wakes(), backoff=backoff)
    until(lambda: backoff.failures >= 3, what="three failed logins")
    assert watcher.running and watcher.connections == 0


def test_stop_ends_the_thread_promptly(dovecot, imap_user):
    watcher = IdleWatcher(mailbox(dovecot, imap_user), Wakes()).start()
    until(lambda: watcher.idles == 1, what="IDLE")
    began = time.monotonic()
    watcher.stop()
    assert watcher.join(5)
    assert time.monotonic() - began < 2.5


def test_backoff_doubles_to_its_cap_with_jitter_and_resets():
    highest = Backoff(first=2, cap=300, draw=lambda low, high: high)
    assert [highest.next_wait() for _ in range(10)] == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    lowest = Backoff(first=2, cap=300, draw=lambda low, high: low)
    assert [lowest.next_wait() for _ in range(3)] == [1, 2, 4]
    lowest.reset()
    assert lowest.next_wait() == 1
    drawn = Backoff(first=2, cap=300)
    waits = [drawn.next_wait() for _ in range(12)]
    assert all(150 <= wait <= 300 for wait in waits[-3:]) and len(set(waits)) == len(waits)


def test_a_maildir_mailbox_has_no_watcher(tmp_path):
    with pytest.raises(ValueError, match="Maildir"):
        IdleWatcher(MailboxSettings(name="local", address="a@example.org", maildir=tmp_path), Wakes())
