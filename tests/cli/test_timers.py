"""Timed letters through the real command, on a local installation: each goes once, however the passes fall."""

from __future__ import annotations

import json

from tests.cli.conftest import deliver, mailbot

STAFF = "ceo.office@cambs.pnn.police.uk"


def kinds_sent(local, *, digests: bool = False) -> list[str]:
    sent = local / "sent"
    kinds = sorted(path.name.split("-", 1)[1].rsplit("-mb1.", 1)[0] for path in sent.glob("*.eml")) \
        if sent.exists() else []
    return [kind for kind in kinds if digests or kind != "digest"]


def opened_over_christmas(local) -> None:
    """p07 received Wed 23 Dec 2026: first contact due Mon 4 Jan 2027 (the Christmas bank holidays skipped)."""
    deliver(local, "p07-pcc-chief-constable-radio.eml", at="2026-12-23T11:00:00+00:00")
    assert mailbot(local, "run", "--once", "--now", "2026-12-23T11:05:00+00:00").exit_code == 0
    assert kinds_sent(local) == ["acknowledgement", "staff-notification"]


def test_a_daemon_down_over_the_deadline_escalates_once_when_it_comes_back(local):
    """GIVEN a case whose first contact was due Mon 4 Jan, and no pass between 23 Dec and Tue 5 Jan
    WHEN passes run on 5 Jan (twice, as a restart would) and on 6 Jan
    THEN exactly one escalation goes, and no late reminder."""
    opened_over_christmas(local)

    for moment in ("2027-01-05T10:00:00+00:00", "2027-01-05T10:01:00+00:00", "2027-01-06T10:00:00+00:00"):
        assert mailbot(local, "run", "--once", "--now", moment).exit_code == 0

    assert kinds_sent(local) == ["acknowledgement", "escalation", "staff-notification"]
    assert kinds_sent(local, digests=True).count("digest") == 2      # one each working morning, 5 and 6 Jan


def test_a_reply_from_staff_before_the_deadline_stops_the_reminder_and_the_escalation(local):
    opened_over_christmas(local)
    assert mailbot(local, "run", "--once", "--now", "2026-12-31T10:00:00+00:00").exit_code == 0
    assert kinds_sent(local).count("staff-reminder") == 1
    reminder = next((local / "sent").glob("*staff-reminder*.eml")).read_text()
    assert "Monday 4 January 2027" in " ".join(reminder.split())

    # #contacted by reply to the reminder (which carries the token like every staff letter)
    from mailbot.commands.demo_replies import answer
    raw = next((local / "sent").glob("*staff-reminder*.eml")).read_bytes()
    deliver(local, answer(raw, STAFF, "#contacted\nRang her."), at="2026-12-31T11:00:00+00:00")
    for moment in ("2026-12-31T11:05:00+00:00", "2027-01-05T10:00:00+00:00", "2027-01-06T10:00:00+00:00"):
        assert mailbot(local, "run", "--once", "--now", moment).exit_code == 0

    assert "escalation" not in kinds_sent(local) and kinds_sent(local).count("staff-reminder") == 1
    [case] = json.loads(mailbot(local, "cases", "export").stdout)
    assert case["deadlines"][0]["met_at"] is not None
