"""The daemon's timetable without mail servers: a Maildir mailbox, SQLite, sent mail written to a folder.

The timers' own functions (`run_timers`, `next_due`) are replaced here by
ones that record their calls and name a due time: what is tested is when the
schedule runs them, not what they queue.
"""

from __future__ import annotations

import mailbox
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from mailbot.app import load_app
from mailbot.clock import Clock
from mailbot.daemon import run_once
from mailbot.intake.maildir import deliver_to_maildir
from mailbot.schedule import scheduler as scheduler_module
from mailbot.schedule.housekeeping import log_summary, summarise
from mailbot.schedule.scheduler import TIMERS, Schedule, wall_clock
from mailbot.watchdog import Progress
from tests.installation import CORPUS

NOW = datetime(2026, 11, 16, 10, 15, tzinfo=timezone.utc)


@pytest.fixture
def app(tmp_path):
    """A cambridgeshire installation with one Maildir mailbox, polled every 600 s, its clock held at NOW."""
    (tmp_path / "mailbot.toml").write_text('''
deployment = "cambridgeshire"
[storage]
url = "sqlite:///mailbot.db"
[smtp]
transport = "directory"
directory = "sent"
[daemon]
poll_seconds = 600
outbox_seconds = 600
[[mailboxes]]
name = "cambs-pcc"
address = "cambs-pcc@cambs.pnn.police.uk"
maildir = "Maildir"
staff = ["ceo.office@cambs.pnn.police.uk"]
''')
    mailbox.Maildir(tmp_path / "Maildir", create=True)
    (tmp_path / "sent").mkdir()
    return load_app(tmp_path / "mailbot.toml", clock=Clock(NOW), sends=True)


@pytest.fixture
def schedule(app):
    stop = threading.Event()
    started = Schedule(app, stop=stop, progress=Progress())
    yield started
    stop.set()
    started.shutdown()


class Calls:
    """A stand-in for one stage that records when it ran and can hold each run until the test releases it."""

    def __init__(self, *, hold: bool = False, result=None) -> None:
        self.times: list[float] = []
        self.result = result
        self._hold = hold
        self._released = threading.Semaphore(0)
        self._changed = threading.Condition()

    def __call__(self, *args):
        with self._changed:
            self.times.append(time.monotonic())
            self._changed.notify_all()
        if self._hold:
            assert self._released.acquire(timeout=10), "never released"
        return self.result

    def release(self) -> None:
        self._released.release()

    def wait_for(self, count: int, timeout: float = 5.0) -> None:
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.times) >= count, timeout), \
                f"ran {len(self.times)} time(s), not {count}, within {timeout} s"


def test_a_mailbox_woken_while_its_pass_runs_is_read_again_after_it(app, schedule, monkeypatch):
    """GIVEN a pass of the mailbox in progress WHEN its IDLE watcher announces new mail (three times)
    THEN the mailbox is read once more when the pass ends, not lost and not three times at once."""
    poll = Calls(hold=True)
    monkeypatch.setattr(scheduler_module, "poll_mailbox", poll)
    schedule.start()
    poll.wait_for(1)                       # the pass at start, held
    for _ in range(3):
        schedule.wake_mailbox("cambs-pcc")
    poll.release()

    poll.wait_for(2)                       # poll_seconds is 600: only the wake explains a second pass
    assert len(poll.times) == 2
    poll.release()


def test_a_wake_while_nothing_runs_reads_the_mailbox_at_once(app, schedule, monkeypatch):
    poll = Calls()
    monkeypatch.setattr(scheduler_module, "poll_mailbox", poll)
    schedule.start()
    poll.wait_for(1)
    asked = time.monotonic()
    schedule.wake_mailbox("cambs-pcc")
    poll.wait_for(2)
    assert poll.times[1] - asked < 1.0


def test_timers_are_woken_when_the_next_one_falls_due(app, schedule, monkeypatch):
    """GIVEN next_due says something falls due 2 s after each run THEN the timers job runs again 2 s later,
    long before the poll_seconds (600) safety net, and is always rescheduled."""
    timers = Calls(result=0)
    monkeypatch.setattr(scheduler_module, "run_timers", timers)
    monkeypatch.setattr(scheduler_module, "next_due", lambda app, now: now + timedelta(seconds=2))
    schedule.start()
    timers.wait_for(2, timeout=6)
    assert 1.5 < timers.times[1] - timers.times[0] < 4


def test_without_anything_due_the_timers_run_every_poll_seconds(app, schedule, monkeypatch):
    timers = Calls(result=0)
    monkeypatch.setattr(scheduler_module, "run_timers", timers)
    monkeypatch.setattr(scheduler_module, "next_due", lambda app, now: None)
    schedule.start()
    timers.wait_for(1)
    until_next = schedule.next_run(TIMERS) - wall_clock()
    assert timedelta(seconds=590) < until_next <= timedelta(seconds=600)


def test_a_timer_already_due_does_not_spin(app, schedule, monkeypatch):
    """A clock held by --now sees the same due time after every run: the job waits at least a second."""
    timers = Calls(result=0)
    monkeypatch.setattr(scheduler_module, "run_timers", timers)
    monkeypatch.setattr(scheduler_module, "next_due", lambda app, now: now - timedelta(hours=1))
    schedule.start()
    timers.wait_for(2, timeout=5)
    assert timers.times[1] - timers.times[0] >= 0.9


def test_housekeeping_counts_what_the_record_holds(app, caplog):
    deliver_to_maildir(app.settings.mailboxes[0].maildir, (CORPUS / "mail" / "p07-pcc-chief-constable-radio.eml")
                       .read_bytes(), at=NOW - timedelta(minutes=5))
    assert run_once(app) == 0

    today = summarise(app, now=NOW)
    assert (today.open_cases, today.overdue_cases, today.outbox_waiting, today.outbox_failed,
            today.quarantined) == (1, 0, 0, 0, 0)
    caplog.set_level("INFO", logger="mailbot.daemon")
    later = log_summary(app, now=NOW + timedelta(days=30))
    assert later.overdue_cases == 1 and later.worrying
    assert "1 open case(s), 1 with a deadline passed unmet" in caplog.text
