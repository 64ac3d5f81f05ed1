"""A daemon killed outright (SIGKILL) and started again hours later sends what fell due meanwhile, once.

Each daemon runs with its clock held by `--now`, so that "hours later" is a
restart with a later time, as `mailbot run --once --now T` behaves as the
daemon would at T. What reached the aiosmtpd server is counted.
"""

from __future__ import annotations

import signal
import time

import pytest

from tests.e2e.test_crash_safety import StderrWatcher
from tests.e2e.test_daemon_stops import COMPLAINT, _daemon_config, _stop

RECEIVED = "2026-11-16T10:10:00+00:00"
FIRST_START = "2026-11-16T10:15:00+00:00"
AFTER_DOWNTIME = "2026-11-16T13:15:00+00:00"     # three hours later: every retry fell due while it was down


@pytest.fixture
def daemon_at(installation):
    """Start `mailbot run --now T`; whatever is still running when the test ends is killed."""
    started = []

    def start(now: str):
        process = installation.command("run", "--now", now)
        started.append(process)
        return process, StderrWatcher(process)

    yield start
    for process in started:
        if process.poll() is None:
            _kill(process)


def _kill(process) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def _outbox(installation) -> list[tuple[str, str]]:
    """(kind, status) of every outbox row."""
    result = installation.cli("outbox", "list")
    assert result.exit_code == 0, result.stderr
    return [tuple(line.split("\t")[2:5:2]) for line in result.stdout.splitlines()]


def _wait_for_kind(installation, kind: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not installation.smtp.by_kind(kind):
        assert time.monotonic() < deadline, f"no {kind} within {timeout} s:\n{installation.smtp.describe()}"
        time.sleep(0.05)


def _wait_until(installation, kind: str, status: str = "sent", timeout: float = 30) -> None:
    """Until the outbox has committed `kind` as `status` (sent: a kill now cannot make it go again)."""
    deadline = time.monotonic() + timeout
    while (kind, status) not in _outbox(installation):
        assert time.monotonic() < deadline, f"{kind} never {status}: {_outbox(installation)}"
        time.sleep(0.1)


def test_a_daemon_killed_twice_sends_what_fell_due_while_it_was_down_once(installation, daemon_at):
    """GIVEN the SMTP server refuses the complaint's two letters for now (451: retried in a minute)
    AND the daemon is killed (SIGKILL) with both deferred, and not started again for three hours
    WHEN it starts again, and is killed again while the server holds the first letter's DATA
    AND starts a third time
    THEN each letter reaches the server exactly once, and the complaint is one case."""
    _daemon_config(installation)
    assert installation.run(FIRST_START).exit_code == 0        # makes the database and its schema
    installation.deliver("cambs-pcc", COMPLAINT, at=RECEIVED)
    installation.smtp.refuse_next(451, n=2)
    process, _ = daemon_at(FIRST_START)
    _wait_until(installation, "acknowledgement", "deferred")
    _wait_until(installation, "staff-notification", "deferred")
    _kill(process)
    assert installation.smtp.messages == []

    stall = installation.smtp.stall_data()
    process, _ = daemon_at(AFTER_DOWNTIME)
    assert stall.entered.wait(30), "the daemon never sent what fell due while it was down"
    _kill(process)
    assert stall.aborted.wait(10), "the server did not see the sender go"
    stall.release()

    process, _ = daemon_at(AFTER_DOWNTIME)
    try:
        installation.smtp.wait_for(2, timeout=30)
        _wait_until(installation, "staff-notification")
        _wait_until(installation, "acknowledgement")
    finally:
        _, stderr = _stop(process)

    sent = installation.smtp.messages
    assert sorted(message.kind for message in sent) == ["acknowledgement", "staff-notification"], \
        installation.smtp.describe()
    assert stall.message.message_id in {message.message_id for message in sent}
    assert len(installation.export()) == 1
    assert process.returncode == 0, stderr


def test_a_reminder_scenario_across_kills_sends_the_escalation_once(installation, daemon_at):
    """p27 (Christmas 2026) with daemons instead of single passes: GIVEN the daemon answered the complaint on
    23 Dec and was killed, WHEN it starts on 4 Jan THEN it reminds staff (no escalation); killed, it starts on
    5 Jan and escalates; killed once the escalation is sent, a pass that afternoon sends nothing twice."""
    _daemon_config(installation)
    assert installation.run("2026-12-23T10:55:00+00:00").exit_code == 0   # makes the database and its schema
    installation.deliver("democratic-services", "mail/p27-panel-pcc-christmas-market.eml",
                         at="2026-12-23T11:00:00+00:00")
    process, _ = daemon_at("2026-12-23T11:05:00+00:00")
    _wait_for_kind(installation, "acknowledgement")
    _wait_until(installation, "staff-notification")
    _kill(process)

    process, _ = daemon_at("2027-01-04T10:00:00+00:00")
    _wait_for_kind(installation, "staff-reminder", timeout=15)
    _wait_until(installation, "staff-reminder")
    _kill(process)
    assert not installation.smtp.by_kind("escalation")

    process, _ = daemon_at("2027-01-05T10:00:00+00:00")
    _wait_for_kind(installation, "escalation", timeout=15)
    _wait_until(installation, "escalation")
    _kill(process)
    assert installation.run("2027-01-05T15:00:00+00:00").exit_code == 0

    for kind in ("acknowledgement", "staff-reminder", "escalation"):
        assert len(installation.smtp.by_kind(kind)) == 1, installation.smtp.describe()
    assert [list(m.rcpt_tos) for m in installation.smtp.by_kind("escalation")][0][0] == "officer.a@peterborough.gov.uk"
