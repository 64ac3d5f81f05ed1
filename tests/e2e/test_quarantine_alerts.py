"""Mail set aside never sits unseen: one alert per quarantined message to its mailbox's staff, and `check` counts it.

Through Dovecot and aiosmtpd. Mail is quarantined in the pipeline (it cannot
be read) and at intake (too large, a reused Message-ID: here recorded as
intake records it); the alert is found at the end of each pass either way.
"""

from __future__ import annotations

import re

from sqlalchemy import update

from mailbot.app import load_app
from mailbot.clock import Clock, parse_instant
from mailbot.daemon import poll_mailbox
from mailbot.db.models import InboundMessage

# No From and no text: parse cannot read it as anyone's mail (UnreadableMail), so the pipeline quarantines it.
UNREADABLE = b"Subject: Verify your account at http://scam.example/v\r\nMessage-ID: <q1@example.org>\r\n\r\n"


def test_an_unreadable_message_is_reported_to_staff_once(installation):
    """GIVEN a message the pipeline cannot read WHEN two passes run
    THEN staff get one alert naming it, when it came, why, and the command to retry it."""
    installation.deliver("cambs-pcc", UNREADABLE, at="2026-11-16T10:00:00+00:00")

    assert installation.run("2026-11-16T10:05:00+00:00").exit_code == 0

    [alert] = installation.smtp.wait_for(1)
    assert alert.kind == "alert" and alert.rcpt_tos == ("ceo.office@cambs.pnn.police.uk",), installation.smtp.describe()
    assert alert.header("Auto-Submitted") == "auto-generated"
    number = re.search(r"mailbot quarantine retry (\d+)", alert.text).group(1)
    assert f"message {number} in the cambs-pcc mailbox" in alert.subject
    assert "scam.example" not in alert.subject                   # the sender's subject is never our subject
    assert 'as the sender wrote it: "Verify your account at http://scam.example/v"' in alert.text
    assert "Monday 16 November 2026 at 10:00" in alert.text
    assert "no From address and no readable text" in alert.text
    assert installation.export() == []

    assert installation.run("2026-11-16T10:10:00+00:00").exit_code == 0
    assert len(installation.smtp.messages) == 1, installation.smtp.describe()


def test_mail_quarantined_at_intake_is_reported_too(installation):
    """A message intake set aside (as it does for mail too large) is found by the next pass's alert step."""
    installation.deliver("cambs-pcc", "p07-pcc-chief-constable-radio.eml", at="2026-11-16T10:00:00+00:00")
    app = load_app(installation.config, clock=Clock(parse_instant("2026-11-16T10:05:00+00:00")))
    assert poll_mailbox(app, app.settings.mailbox("cambs-pcc"))
    with app.sessions() as session:
        session.execute(update(InboundMessage).values(status="quarantined", error="too large: 31.0 MB"))
        session.commit()

    assert installation.run("2026-11-16T10:05:00+00:00").exit_code == 0

    [alert] = installation.smtp.wait_for(1)
    assert alert.kind == "alert", installation.smtp.describe()
    assert "too large: 31.0 MB" in alert.text and "eleanor.pritchard@example.org" in alert.text


def test_check_counts_quarantined_mail_per_mailbox(installation):
    installation.deliver("cambs-pcc", UNREADABLE, at="2026-11-16T10:00:00+00:00")
    assert installation.run("2026-11-16T10:05:00+00:00").exit_code == 0

    result = installation.cli("check")

    assert result.exit_code == 0, result.stderr
    assert "mailbox cambs-pcc: 1 message(s) quarantined" in result.stdout
    assert "mailbox democratic-services: 0 message(s) quarantined" in result.stdout


def test_check_creates_no_database_to_count_in(installation):
    result = installation.cli("check")

    assert result.exit_code == 0, result.stderr
    assert "quarantine: no database yet" in result.stdout
    assert not (installation.root / "mailbot.db").exists()


def test_alerts_the_cap_and_check_on_every_database(tmp_path, dovecot, smtp_server, database_url):
    """The same on SQLite and PostgreSQL: one alert per quarantined message, the cap by its address column."""
    from tests.installation import CORPUS, make_installation

    installation = make_installation(tmp_path, dovecot, smtp_server, database_url)
    installation.deliver("cambs-pcc", UNREADABLE, at="2026-11-16T10:00:00+00:00")
    template = (CORPUS / "mail" / "p07-pcc-chief-constable-radio.eml").read_bytes()
    for number in range(4):
        mail = template.replace(b"Message-ID: <", f"Message-ID: <n{number}.".encode(), 1)
        installation.deliver("cambs-pcc", mail, at=f"2026-11-16T10:0{number}:30+00:00")

    assert installation.run("2026-11-16T10:15:00+00:00").exit_code == 0
    assert installation.run("2026-11-16T10:20:00+00:00").exit_code == 0

    installation.smtp.wait_for(8)
    kinds = sorted(m.kind for m in installation.smtp.messages)
    assert kinds == ["acknowledgement"] * 3 + ["alert"] + ["staff-notification"] * 4, installation.smtp.describe()
    assert "mailbox cambs-pcc: 1 message(s) quarantined" in installation.cli("check").stdout
