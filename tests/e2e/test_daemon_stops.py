"""The real `mailbot run` process stops within 10 s whatever it is doing, and feeds systemd's watchdog
only while its passes make progress."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.e2e.test_crash_safety import StderrWatcher

COMPLAINT = "p07-pcc-chief-constable-radio.eml"


def _daemon_config(installation, *, smtp_timeout: int = 30) -> None:
    """Poll and deliver every second; SMTP calls wait up to `smtp_timeout` s, as in production (30 s)."""
    config = installation.config
    head, smtp = config.read_text().split("[smtp]", 1)
    smtp = smtp.replace("timeout = 5", f"timeout = {smtp_timeout}", 1)
    config.write_text(f"{head}[smtp]{smtp}\n[daemon]\npoll_seconds = 1\noutbox_seconds = 1\n")


def _deliver_complaint(installation) -> None:
    installation.deliver("cambs-pcc", COMPLAINT, at=datetime.now(timezone.utc) - timedelta(minutes=1))


def _stop(process) -> tuple[float, str]:
    """SIGTERM, then (seconds until the process ended, its stderr); fails past 15 s."""
    began = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError("mailbot run did not end within 15 s of SIGTERM")
    return time.monotonic() - began, process.stderr.read().decode("utf-8", "replace") if process.stderr else ""


def _run_once_later(installation):
    return installation.run((datetime.now(timezone.utc) + timedelta(minutes=1)).isoformat(timespec="seconds"))


def test_sigterm_mid_send_ends_the_daemon_within_10_s(installation):
    """GIVEN the SMTP server holds DATA open and the client waits up to 30 s for its reply,
    WHEN the daemon gets SIGTERM,
    THEN it exits within 10 s with status 0, and the next pass sends the complaint's answers once."""
    _daemon_config(installation, smtp_timeout=30)
    stall = installation.smtp.stall_data()
    _deliver_complaint(installation)
    process = installation.command("run")
    watcher = StderrWatcher(process)
    assert stall.entered.wait(30), "the daemon never reached DATA"

    elapsed, _ = _stop(process)

    assert elapsed < 10, f"took {elapsed:.1f} s to stop"
    assert process.returncode == 0
    watcher.wait_for("exiting anyway", timeout=1)
    stall.release()
    assert _run_once_later(installation).exit_code == 0
    kinds = sorted(message.kind for message in installation.smtp.wait_for(2))
    assert kinds == ["acknowledgement", "staff-notification"], installation.smtp.describe()


def test_sigterm_stops_between_two_messages(installation):
    """GIVEN the daemon is sending the first of a complaint's two messages (DATA held by the server),
    WHEN it gets SIGTERM and then the server answers,
    THEN that message is marked sent and the second is left queued: it stops before starting another."""
    _daemon_config(installation)
    stall = installation.smtp.stall_data()
    _deliver_complaint(installation)
    process = installation.command("run")
    watcher = StderrWatcher(process)
    assert stall.entered.wait(30), "the daemon never reached DATA"
    process.send_signal(signal.SIGTERM)
    watcher.wait_for("stopping")
    stall.release()

    elapsed, _ = _stop(process)

    assert elapsed < 10 and process.returncode == 0
    assert [message.message_id for message in installation.smtp.messages] == [stall.message.message_id]
    assert _run_once_later(installation).exit_code == 0
    sent = installation.smtp.wait_for(2)
    assert sorted(message.kind for message in sent) == ["acknowledgement", "staff-notification"]
    assert len({message.message_id for message in sent}) == 2, installation.smtp.describe()


def test_sigterm_while_idle_ends_at_once(installation):
    _daemon_config(installation)
    process = installation.command("run")
    StderrWatcher(process).wait_for("mailbot running")
    elapsed, _ = _stop(process)
    assert elapsed < 3 and process.returncode == 0


class NotifySocket:
    """A real AF_UNIX datagram socket standing in for systemd's NOTIFY_SOCKET; records what arrives, when."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="mbn", dir="/tmp"))   # socket paths must stay short
        self.path = str(self.folder / "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.05)
        self.received: list[tuple[float, str]] = []
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        while not self._closing.is_set():
            try:
                data = self.sock.recv(4096)
            except (socket.timeout, OSError):
                continue
            self.received.append((time.monotonic(), data.decode()))

    def times_of(self, state: str) -> list[float]:
        return [at for at, text in list(self.received) if text == state]

    def wait_for(self, state: str, timeout: float = 20) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.times_of(state):
                return self.times_of(state)[0]
            time.sleep(0.02)
        raise AssertionError(f"systemd was never told {state}: {self.received}")

    def close(self) -> None:
        self._closing.set()
        self._thread.join(timeout=2)
        self.sock.close()
        os.unlink(self.path)
        self.folder.rmdir()


@pytest.fixture
def notify_socket():
    sock = NotifySocket()
    yield sock
    sock.close()


def test_the_watchdog_is_fed_while_idle_and_starved_while_a_pass_hangs(installation, notify_socket):
    """GIVEN systemd's watchdog of 1 s and an SMTP server that holds DATA open (client timeout 30 s),
    THEN the daemon says READY=1 and WATCHDOG=1 while idle, stops sending WATCHDOG=1 about 1 s after the
    pass stopped making progress, and says STOPPING=1 on SIGTERM."""
    _daemon_config(installation, smtp_timeout=30)
    env = {**os.environ, "NOTIFY_SOCKET": notify_socket.path, "WATCHDOG_USEC": "1000000"}
    process = installation.command("run", env=env)
    watcher = StderrWatcher(process)
    notify_socket.wait_for("READY=1")
    fed_while_idle = notify_socket.wait_for("WATCHDOG=1", timeout=5)
    stall = installation.smtp.stall_data()
    _deliver_complaint(installation)
    assert stall.entered.wait(30), "the daemon never reached DATA"
    stalled_at = time.monotonic()
    watcher.wait_for("no progress", timeout=5)
    quiet_from = time.monotonic()
    time.sleep(2)    # not waiting for anything: a window in which a fed watchdog would get four pings

    _stop(process)

    pings = notify_socket.times_of("WATCHDOG=1")
    assert fed_while_idle < stalled_at
    assert not [at for at in pings if at > quiet_from], "fed while the pass was stuck"
    assert quiet_from - stalled_at < 3, "took too long to notice the pass was stuck"
    assert notify_socket.times_of("STOPPING=1")
