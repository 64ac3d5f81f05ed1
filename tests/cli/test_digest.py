"""The digest of what `mailbot run --once` recorded: the pipeline's own cases, deadlines and held-back answers.

GIVEN complaints delivered to a Maildir installation on Monday 16 November
2026 and processed at 10:15 (a new installation's first pass), WHEN the
timers' digest step runs that day and the next working morning, THEN
nothing goes on the first day and the next morning's digest lists the
cases, the first-contact deadline the pipeline set, and the acknowledgement
the cap held back.
"""

from __future__ import annotations

import email
from email import policy

from sqlalchemy import select

from mailbot.app import load_app
from mailbot.clock import parse_instant
from mailbot.db.models import OutboxMessage
from mailbot.schedule.digest import queue_digests
from tests.cli.conftest import deliver, mailbot

STAFF = "ceo.office@cambs.pnn.police.uk"


def complaint(number: int) -> bytes:
    return (f"From: Pat Repeat <pat.repeat@example.org>\nTo: cambs-pcc@cambs.pnn.police.uk\n"
            f"Subject: Complaint number {number} about the Commissioner\nMessage-ID: <repeat-{number}@example.org>\n"
            f"Date: Mon, 16 Nov 2026 09:5{number} +0000\nContent-Type: text/plain\n\n"
            f"I wish to complain about the Police and Crime Commissioner's conduct at the public meeting.\n"
            f"He was rude to me in front of everyone.\n").encode()


def digests_at(root, now: str) -> list[tuple[list[str], str, str]]:
    """Run the digest step at `now` (committed), then every digest queued so far: (recipients, subject, text)."""
    app = load_app(root / "mailbot.toml")
    with app.sessions() as session:
        queue_digests(app, session, parse_instant(now))
        session.commit()
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "digest")
                               .order_by(OutboxMessage.id)).all()
        found = []
        for row in rows:
            message = email.message_from_bytes(row.raw, policy=policy.default)
            text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
            found.append((row.recipients, str(message["Subject"]), text))
    return found


def test_the_digest_reports_what_the_pipeline_recorded(local):
    for number in range(1, 5):
        deliver(local, complaint(number), at=f"2026-11-16T09:5{number}:00+00:00")
    result = mailbot(local, "run", "--once", "--now", "2026-11-16T10:15:00+00:00")
    assert result.exit_code == 0, result.stderr
    cases = mailbot(local, "cases", "list").stdout
    refs = [line.split("\t")[0] for line in cases.splitlines() if line.startswith("OPCC-")]
    assert len(refs) == 4, cases

    assert digests_at(local, "2026-11-16T10:16:00+00:00") == []        # the first pass was its own news

    [(recipients, subject, text)] = digests_at(local, "2026-11-17T09:00:00+00:00")
    assert recipients == [STAFF]
    assert subject == "Daily digest for cambs-pcc, Tuesday 17 November 2026: 4 open, 1 held back", subject
    for ref in refs:
        assert f"- {ref}, open, received Monday 16 November 2026 at 09:5" in text, text
    assert text.count("Next deadline: Monday 23 November 2026") == 4     # 5 working days from Monday 16th
    assert "Nothing is overdue." in text and "Nothing falls due today." in text
    assert 'Their subject: "Complaint number 4 about the Commissioner"' in text
    held = [line for line in text.splitlines() if line.startswith(f"- {refs[3]}, Monday 16 November 2026 at 10:15:")]
    assert held and "no acknowledgement is sent to pat.repeat@example.org" in held[0], text

    assert len(digests_at(local, "2026-11-17T11:00:00+00:00")) == 1      # not twice
    [_, (_, monday, text)] = digests_at(local, "2026-11-23T09:00:00+00:00")
    assert monday == "Daily digest for cambs-pcc, Monday 23 November 2026: 4 open, 4 due today", monday
    assert "HELD BACK" not in text                                        # last week's, reported already
