"""The real `mailbot run` with IMAP IDLE: mail APPENDed while it runs is answered within seconds, with
polling set to ten minutes, so that only IDLE can explain it; systemd's watchdog keeps being fed while it waits."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, timezone

from tests.e2e.conftest import MEASURED
from tests.installation import CORPUS
from tests.e2e.test_crash_safety import StderrWatcher
from tests.e2e.test_daemon_stops import COMPLAINT, _stop, notify_socket  # noqa: F401 - a fixture

IDLE_LINE = "waiting for new mail (IDLE)"
FEW_SECONDS = 5.0


def _slow_polling(installation) -> None:
    """Poll and deliver only every 600 s: anything sooner is IDLE's doing (and the wake after intake)."""
    config = installation.config
    config.write_text(config.read_text() + "\n[daemon]\npoll_seconds = 600\noutbox_seconds = 600\n")


def _another(name: str) -> bytes:
    """The corpus message `name` from another complainant, with a Message-ID of its own: a second case."""
    raw = (CORPUS / "mail" / name).read_bytes()
    return raw.replace(b"eleanor.pritchard@", b"second.complainant@").replace(b"Message-ID: <", b"Message-ID: <2nd-")


def _start_watching(installation, **popen):
    """The daemon, once both mailboxes' IDLE connections wait for mail."""
    process = installation.command("run", **popen)
    watcher = StderrWatcher(process)
    for _ in installation.users:
        watcher.wait_for(IDLE_LINE)
    return process, watcher


def test_a_complaint_appended_while_the_daemon_runs_is_acknowledged_within_seconds(installation, record_property):
    """GIVEN the daemon polling every 600 s and waiting in IDLE
    WHEN a complaint is APPENDed to a watched mailbox
    THEN its acknowledgement and staff notification reach the SMTP server within a few seconds;
    AND SIGTERM still ends the daemon (and its IDLE connections) at once."""
    _slow_polling(installation)
    process, _ = _start_watching(installation)
    try:
        appended = time.monotonic()
        installation.deliver("cambs-pcc", COMPLAINT, at=datetime.now(timezone.utc) - timedelta(minutes=1))
        sent = installation.smtp.wait_for(2, timeout=30)
        delay = time.monotonic() - appended
    finally:
        elapsed, stderr = _stop(process)

    record_property(f"{MEASURED}IDLE latency, APPEND to acknowledgement at SMTP (s)", round(delay, 3))
    print(f"IDLE latency: {delay:.3f} s from APPEND to both letters at the SMTP server")
    assert sorted(message.kind for message in sent) == ["acknowledgement", "staff-notification"]
    assert delay < FEW_SECONDS, f"took {delay:.1f} s: IDLE did not wake the mailbox's job\n{stderr}"
    assert elapsed < 3 and process.returncode == 0, stderr


def test_mail_during_a_pass_is_read_by_the_next(installation):
    """GIVEN the daemon sending the first complaint's letters (the server holds DATA)
    WHEN a second complaint is APPENDed to the same mailbox meanwhile, and the server lets go
    THEN both are answered without waiting for a poll: the wake is kept until the running pass ends."""
    _slow_polling(installation)
    process, _ = _start_watching(installation)
    try:
        stall = installation.smtp.stall_data()
        received = datetime.now(timezone.utc) - timedelta(minutes=1)
        installation.deliver("cambs-pcc", COMPLAINT, at=received)
        assert stall.entered.wait(15), "the first complaint was never sent"
        installation.deliver("cambs-pcc", _another(COMPLAINT), at=received)
        stall.release()
        sent = installation.smtp.wait_for(4, timeout=15)
    finally:
        _, stderr = _stop(process)
    assert sorted(message.kind for message in sent) == ["acknowledgement"] * 2 + ["staff-notification"] * 2, stderr
    assert len({message.case_ref for message in sent}) == 2
    assert process.returncode == 0


def test_the_watchdog_is_fed_while_idle_waits(installation, notify_socket):  # noqa: F811
    """GIVEN systemd's watchdog of 1 s WHEN the daemon does nothing but wait in IDLE
    THEN WATCHDOG=1 keeps coming, every half interval."""
    _slow_polling(installation)
    env = {**os.environ, "NOTIFY_SOCKET": notify_socket.path, "WATCHDOG_USEC": "1000000"}
    process, _ = _start_watching(installation, env=env)
    try:
        waiting_from = time.monotonic()
        deadline = waiting_from + 5
        while len([at for at in notify_socket.times_of("WATCHDOG=1") if at > waiting_from]) < 4:
            assert time.monotonic() < deadline, f"the watchdog starved while IDLE waited: {notify_socket.received}"
            time.sleep(0.05)
    finally:
        _stop(process)
    assert notify_socket.times_of("READY=1")
