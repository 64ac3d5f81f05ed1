"""`mailbot cases show REF`: a case's story told from the record of a real run on a local Maildir installation."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import deliver, mailbot

REF = "OPCC-2026-00001"
ACK = "acknowledgement to eleanor.pritchard@example.org"
STAFF = "staff-notification to ceo.office@cambs.pnn.police.uk"


@pytest.fixture
def answered(local):
    """One complaint received at 10:00, answered by the pass at 10:05 (an acknowledgement and a staff notice sent)."""
    deliver(local, "p07-pcc-chief-constable-radio.eml", at="2026-11-16T10:00:00+00:00")
    assert mailbot(local, "run", "--once", "--now", "2026-11-16T10:05:00+00:00").exit_code == 0
    return local


def _timeline(text: str) -> list[str]:
    """The first line of each timeline entry."""
    entries = text.split("\nTimeline (", 1)[1].splitlines()[1:]
    return [line.strip() for line in entries if line.startswith("  2026-")]


def test_the_story_tells_the_decision_its_rule_and_each_letter_queued_and_sent(answered):
    shown = mailbot(answered, "cases", "show", REF)
    assert shown.exit_code == 0, shown.stderr
    text = shown.stdout
    assert text.startswith(f"Case {REF}\n  status        open\n  body          cambs-opcc\n")
    assert "  complainant   Eleanor Pritchard <eleanor.pritchard@example.org>\n" in text
    assert "  received      2026-11-16 10:00 GMT\n" in text
    assert "  deadline      first-contact due 2026-11-23, not met\n" in text
    assert "  rules         chief-constable-at-the-commissioner\n" in text
    assert f"  #1  {ACK}: sent\n      sent 2026-11-16 10:05 GMT;" in text
    assert f"  #2  {STAFF}: sent\n" in text

    assert _timeline(text) == [
        "2026-11-16 10:00 GMT  cambs-pcc  message-received: mail in #1, now processed",
        "2026-11-16 10:05 GMT  mailbot    case-opened: new-case by rule chief-constable-at-the-commissioner, "
        "status open",
        f"2026-11-16 10:05 GMT  mailbot    mail-queued: {ACK}",
        f"2026-11-16 10:05 GMT  mailbot    mail-queued: {STAFF}",
        f"2026-11-16 10:05 GMT  mailbot    mail-sent: {ACK}",
        f"2026-11-16 10:05 GMT  mailbot    mail-sent: {STAFF}",
    ]
    # Why the case was opened: the rule that decided, in the reason line under its entry.
    opened = text.split("case-opened:", 1)[1].splitlines()
    assert opened[1].startswith("      why: chief-constable-at-the-commissioner: Complaints about the Chief Constable")
    assert opened[2] == "      message_id: mail in #1"


def test_the_reference_is_matched_in_any_letter_case(answered):
    assert mailbot(answered, "cases", "show", REF.lower()).stdout == mailbot(answered, "cases", "show", REF).stdout


def test_json_has_the_export_record_and_every_event_in_order(answered):
    shown = mailbot(answered, "cases", "show", "opcc-2026-00001", "--format", "json")
    assert shown.exit_code == 0, shown.stderr
    story = json.loads(shown.stdout)
    [exported] = json.loads(mailbot(answered, "cases", "export").stdout)
    assert story["case"] == exported
    timeline = story["timeline"]
    assert [(line["actor"], line["action"]) for line in timeline] == [
        ("cambs-pcc", "message-received"), ("mailbot", "case-opened"), ("mailbot", "mail-queued"),
        ("mailbot", "mail-queued"), ("mailbot", "mail-sent"), ("mailbot", "mail-sent")]
    assert timeline[0]["at"] == "2026-11-16T10:00:00+00:00" and timeline[1]["at"] == "2026-11-16T10:05:00+00:00"
    assert timeline[1]["detail"]["rules"] == ["chief-constable-at-the-commissioner"]
    assert timeline[1]["detail"]["decision"] == "new-case" and timeline[1]["detail"]["trace"]
    assert [line["reason"] for line in timeline[2:]] == [ACK, STAFF, ACK, STAFF]
    assert {line["source"] for line in timeline[1:]} == {"event"}
    sent = {row["kind"]: row for row in story["mail_out"]}
    assert sent["acknowledgement"]["recipients"] == ["eleanor.pritchard@example.org"]
    assert sent["staff-notification"]["status"] == "sent"
    assert timeline[4]["detail"]["message_id"] == sent["acknowledgement"]["message_id"]
    assert story["mail_in"][0]["status"] == "processed"


def test_an_unknown_reference_exits_1_and_says_where_to_look(answered):
    result = mailbot(answered, "cases", "show", "OPCC-2026-99999")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "there is no case 'OPCC-2026-99999'" in result.stderr and "mailbot cases list" in result.stderr
    assert mailbot(answered, "cases", "show", "OPCC-2026-99999", "--format", "json").exit_code == 1


def test_help_says_what_the_story_holds(local):
    text = mailbot(local, "cases", "show", "--help").stdout
    assert "whole story" in text and "Timeline" in text and "--format [text|json]" in text
