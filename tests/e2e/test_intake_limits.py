"""Memory stays flat whatever the mail (issue 6, item 3), through a real Dovecot.

A message over its mailbox's `max_message_mb` is recorded with its bytes
and quarantined as too large, never parsed; and a whole `mailbot run --once`
over heavy mail (a 20 MB attachment, 5,000 parts, a message over the limit)
stays under 150 MB of resident memory, measured from outside the process;
so does intake alone (fetch and record), the stage this part of the code owns.
"""

from __future__ import annotations

import hashlib
import sys
from datetime import timedelta

from sqlalchemy import select

from mailbot.clock import parse_instant
from mailbot.db.engine import open_engine, session_factory
from mailbot.db.models import InboundMessage
from tests.installation import MAILBOT, make_installation
from tests.intake.memory_load import INTAKE_ONLY, MB, many_parts, measure, plain_complaint, with_attachment

NOW = "2026-11-16T10:30:00+00:00"
PANEL = "democratic-services"
PEAK_LIMIT = 150 * MB


def inbound(installation, url: str | None = None) -> list[tuple]:
    engine = open_engine(url or f"sqlite:///{installation.root / 'mailbot.db'}")
    try:
        with session_factory(engine)() as session:
            return session.execute(select(InboundMessage.message_id, InboundMessage.status, InboundMessage.error,
                                          InboundMessage.sha256).order_by(InboundMessage.id)).all()
    finally:
        engine.dispose()


def set_panel_option(installation, line: str) -> None:
    text = installation.config.read_text()
    installation.config.write_text(text.replace(f'name = "{PANEL}"\n', f'name = "{PANEL}"\n{line}\n'))


def test_a_message_over_the_limit_is_recorded_with_its_bytes_and_quarantined_as_too_large(installation):
    """GIVEN the Panel's mailbox limited to 1 MB, holding a complaint with a 1.5 MB attachment between two others
    WHEN one pass runs
    THEN the large one is recorded byte for byte, quarantined "too large" naming its size and the limit, not
    read (no case), and marked \\Seen like the others; the two others are answered."""
    set_panel_option(installation, "max_message_mb = 1")
    at = parse_instant(NOW) - timedelta(minutes=10)
    uids = [installation.deliver(PANEL, raw, at=at)
            for raw in (plain_complaint(1), with_attachment(int(1.5 * MB), label="large"), plain_complaint(2))]
    on_server = installation.dovecot.messages(installation.users[PANEL])[uids[1]]

    result = installation.run(NOW)

    assert result.exit_code == 0, result.stderr
    (_, first, _, _), (large_id, status, error, sha256), (_, last, _, _) = inbound(installation)
    assert (first, last, status) == ("processed", "processed", "quarantined")
    assert sha256 == hashlib.sha256(on_server).hexdigest()
    assert error.startswith(f"too large: 1.5 MB ({len(on_server):,} bytes), over this mailbox's limit of 1 MB")
    assert len(installation.export()) == 2
    assert all("\\Seen" in flags for flags in installation.flags(PANEL).values())
    assert "too large" in installation.cli("quarantine", "list").stdout


def deliver_heavy_mail(installation) -> None:
    """Plain complaints, one with a 20 MB attachment, one of 5,000 parts, one of 27 MB (over the default 25 MB)."""
    at = parse_instant(NOW) - timedelta(minutes=10)
    for make in (lambda: plain_complaint(1), lambda: with_attachment(20 * MB), lambda: many_parts(5000),
                 lambda: with_attachment(27 * MB, label="over-the-limit"), lambda: plain_complaint(2)):
        installation.deliver(PANEL, make(), at=at)   # one at a time: this process holds one message


def test_intake_of_heavy_mail_holds_one_message_at_a_time(installation, tmp_path):
    """GIVEN the heavy mailbox
    WHEN only intake runs (fetch and record, as the first stage of a pass), as a process of its own
    THEN its peak resident memory stays under 150 MB, and every message is recorded, the one over the limit
    quarantined."""
    deliver_heavy_mail(installation)

    result = measure([sys.executable, "-c", INTAKE_ONLY, str(installation.config), NOW], cwd=tmp_path, timeout=60)

    assert result.status == 0, result.stderr[-3000:]
    assert result.peak_rss < PEAK_LIMIT, f"intake alone: peak RSS {result.peak_rss / MB:.1f} MB"
    statuses = [status for _, status, _, _ in inbound(installation)]
    assert statuses == ["received", "received", "received", "quarantined", "received"]


def test_a_pass_over_heavy_mail_stays_under_150_mb(tmp_path, dovecot, smtp_server, database_url):
    """GIVEN the heavy mailbox, on SQLite and on PostgreSQL
    WHEN `mailbot run --once` runs as a process of its own
    THEN its peak resident memory (its own ru_maxrss, read by wait4) stays under 150 MB (a pass over such a
    mailbox peaked at about 350 MB), and every complaint it could read is opened."""
    installation = make_installation(tmp_path, dovecot, smtp_server, database_url)
    deliver_heavy_mail(installation)

    result = measure([str(MAILBOT), "run", "--once", "--now", NOW, "--config", str(installation.config)],
                     cwd=tmp_path, timeout=120)

    assert result.status == 0, result.stderr[-3000:]
    assert result.peak_rss < PEAK_LIMIT, f"whole pass: peak RSS {result.peak_rss / MB:.1f} MB"
    statuses = [status for _, status, _, _ in inbound(installation, database_url)]
    assert statuses == ["processed", "processed", "processed", "quarantined", "processed"]
