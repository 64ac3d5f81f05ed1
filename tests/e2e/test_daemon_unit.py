"""The systemd unit, checked by systemd itself: `systemd-analyze verify` on a copy whose commands are the
installed `mailbot` (the unit's /opt/mailbot does not exist outside `make install`; tests/install/ checks that
tree). Readiness and the watchdog are tested on the running daemon in test_daemon_stops.py and
test_daemon_idle.py."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.installation import MAILBOT

UNIT = Path(__file__).parent.parent.parent / "systemd" / "mailbot.service"
INSTALLED_COMMAND = "/opt/mailbot/bin/mailbot"

pytestmark = pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                                reason="systemd-analyze is not installed (Debian: systemd; `make test-deps` has it)")


def verify(tmp_path: Path, text: str) -> tuple[int, str]:
    """`systemd-analyze verify` on `text` saved as mailbot.service: (exit status, everything it said)."""
    copy = tmp_path / "mailbot.service"
    copy.write_text(text)
    done = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout + done.stderr


def with_installed_mailbot(text: str) -> str:
    assert text.count(INSTALLED_COMMAND) == 2, "ExecStartPre and ExecStart should both run the installed mailbot"
    return text.replace(INSTALLED_COMMAND, str(MAILBOT))


def test_systemd_accepts_the_unit(tmp_path):
    """Every directive known and every value valid, every command there and executable: verify says nothing."""
    assert verify(tmp_path, with_installed_mailbot(UNIT.read_text())) == (0, "")


def test_verify_would_see_a_mistake(tmp_path):
    """The check above can fail: verify exits 0 on an unknown key, and only says so."""
    wrong = with_installed_mailbot(UNIT.read_text()).replace("WatchdogSec=", "WatchdogSeconds=")
    _, said = verify(tmp_path, wrong)
    assert "Unknown key 'WatchdogSeconds'" in said, said


def test_the_unit_asks_for_readiness_and_a_watchdog():
    settings = [line.strip() for line in UNIT.read_text().splitlines()]
    assert "Type=notify" in settings and "NotifyAccess=main" in settings
    assert any(line.startswith("WatchdogSec=") for line in settings)
    assert f"ExecStart={INSTALLED_COMMAND} run --config /etc/mailbot/mailbot.toml" in settings
