"""`mailbot run` as a real daemon process: it answers new mail without being asked and stops on SIGTERM."""

from __future__ import annotations

import signal
from datetime import datetime, timedelta, timezone


def test_the_daemon_answers_mail_as_it_arrives_and_stops_cleanly(installation):
    config = installation.config
    config.write_text(config.read_text() + "\n[daemon]\npoll_seconds = 1\noutbox_seconds = 1\n")
    process = installation.command("run")
    try:
        received = datetime.now(timezone.utc) - timedelta(minutes=1)
        installation.deliver("cambs-pcc", "p07-pcc-chief-constable-radio.eml", at=received)
        sent = installation.smtp.wait_for(2, timeout=30)
        assert sorted(m.kind for m in sent) == ["acknowledgement", "staff-notification"]
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr.decode()
    assert b"stopping" in stderr
