"""A real `mailbot run --once` process killed mid-pass loses nothing and never answers twice differently."""

from __future__ import annotations

import queue
import signal
import sqlite3
import threading
import time


NOW = "2026-11-16T10:15:00+00:00"


class StderrWatcher:
    """Collects a process's stderr lines in the background so a test can wait for one."""

    def __init__(self, process):
        self.lines: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, args=(process.stderr,), daemon=True).start()

    def _pump(self, stream) -> None:
        for raw in stream:
            self._queue.put(raw.decode("utf-8", "replace"))

    def wait_for(self, text: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.05)
            except queue.Empty:
                continue
            self.lines.append(line)
            if text in line:
                return
        raise AssertionError(f"no stderr line containing {text!r} within {timeout} s:\n{''.join(self.lines)}")


def _kill(process) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def _assert_answered_once(installation, address: str) -> None:
    """Exactly one case; every copy of each kind that reached the SMTP server is the identical message."""
    assert len(installation.export()) == 1
    for kind in ("acknowledgement", "staff-notification"):
        copies = installation.smtp.by_kind(kind)
        assert copies, f"no {kind} was sent:\n{installation.smtp.describe()}"
        assert len({copy.message_id for copy in copies}) == 1, installation.smtp.describe()
        assert len({copy.raw for copy in copies}) == 1, f"two different {kind}s went out"
    assert [list(m.rcpt_tos) for m in installation.smtp.by_kind("acknowledgement")][0] == [address]


def test_killed_between_fetch_and_commit(installation):
    """GIVEN the database is locked so the daemon cannot commit what it fetched,
    WHEN the process is SIGKILLed after fetching and run again,
    THEN the complaint is answered once and \\Seen only after the second run."""
    assert installation.run(NOW).exit_code == 0            # makes the database and its schema
    uid = installation.deliver("cambs-pcc", "p07-pcc-chief-constable-radio.eml", at="2026-11-16T10:10:00+00:00")
    lock = sqlite3.connect(installation.root / "mailbot.db", isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    process = installation.command("run", "--once", "--now", NOW)
    try:
        # Fetched, and it cannot commit while the lock is held: any moment from here is "before commit".
        StderrWatcher(process).wait_for("fetched 1 message(s)")
        _kill(process)
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert "\\Seen" not in installation.flags("cambs-pcc")[uid]
    assert installation.export() == []

    assert installation.run(NOW).exit_code == 0

    installation.smtp.wait_for(2)
    _assert_answered_once(installation, "eleanor.pritchard@example.org")
    assert "\\Seen" in installation.flags("cambs-pcc")[uid]


def test_killed_between_commit_and_send(installation):
    """GIVEN the SMTP server holds the first DATA open,
    WHEN the process is SIGKILLed while sending and run again,
    THEN each message goes out again only as the identical copy (same Message-ID, same bytes)."""
    installation.deliver("cambs-pcc", "p07-pcc-chief-constable-radio.eml", at="2026-11-16T10:10:00+00:00")
    stall = installation.smtp.stall_data()
    process = installation.command("run", "--once", "--now", NOW)
    try:
        assert stall.entered.wait(20), "the daemon never reached DATA"
        _kill(process)
    finally:
        stall.release()
    [case] = installation.export()
    assert case["status"] == "open"

    assert installation.run(NOW).exit_code == 0

    installation.smtp.wait_for(2)
    _assert_answered_once(installation, "eleanor.pritchard@example.org")
    if stall.message is not None:
        resent = [m for m in installation.smtp.messages if m.message_id == stall.message.message_id]
        assert all(m.raw == stall.message.raw for m in resent)
