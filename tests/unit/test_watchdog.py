"""systemd's watchdog, fed through a real AF_UNIX datagram socket: only while the running pass makes progress."""

from __future__ import annotations

import socket
import tempfile
from pathlib import Path

import pytest

from mailbot.watchdog import Progress, Watchdog


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def systemd(monkeypatch):
    """A bound AF_UNIX datagram socket named by NOTIFY_SOCKET, as systemd gives a Type=notify service."""
    folder = Path(tempfile.mkdtemp(prefix="mbw", dir="/tmp"))
    path = folder / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(0.2)
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    monkeypatch.setenv("WATCHDOG_USEC", "10000000")
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    yield sock
    sock.close()
    path.unlink()
    folder.rmdir()


def received(sock: socket.socket) -> list[str]:
    """Every datagram waiting on the socket (the sender has sent them already: no waiting for more)."""
    sock.setblocking(False)
    found = []
    while True:
        try:
            found.append(sock.recv(4096).decode())
        except BlockingIOError:
            return found


def test_fed_while_idle_and_while_progressing_and_not_while_stuck(systemd):
    clock = FakeClock()
    progress = Progress(clock=clock)
    watchdog = Watchdog.from_environment()
    assert watchdog.interval == 10 and watchdog.period == 5

    assert watchdog.feed(progress) and received(systemd) == ["WATCHDOG=1"]            # idle between passes

    progress.started()
    clock.now += 8
    assert watchdog.feed(progress) and received(systemd) == ["WATCHDOG=1"]            # running, within 10 s
    clock.now += 8
    progress.advanced()                                                               # a commit
    clock.now += 8
    assert watchdog.feed(progress) and received(systemd) == ["WATCHDOG=1"]
    clock.now += 3                                                                    # 11 s since the commit
    assert not watchdog.feed(progress) and received(systemd) == []
    clock.now += 100
    assert not watchdog.feed(progress) and received(systemd) == []                    # still stuck: still silent

    progress.advanced()
    assert watchdog.feed(progress) and received(systemd) == ["WATCHDOG=1"]            # unstuck
    progress.finished()
    clock.now += 1000
    assert watchdog.feed(progress) and received(systemd) == ["WATCHDOG=1"]            # a long sleep is not stuck


def test_no_watchdog_unless_systemd_asks_for_this_process(systemd, monkeypatch):
    monkeypatch.setenv("WATCHDOG_PID", "1")                     # meant for another process
    assert Watchdog.from_environment() is None
    monkeypatch.delenv("WATCHDOG_PID")
    monkeypatch.delenv("WATCHDOG_USEC")
    assert Watchdog.from_environment() is None
    monkeypatch.setenv("WATCHDOG_USEC", "soon")
    assert Watchdog.from_environment() is None


def test_wait_idle_is_bounded():
    progress = Progress()
    progress.started()
    assert progress.wait_idle(0.05) is False
    progress.finished()
    assert progress.wait_idle(0.05) is True
