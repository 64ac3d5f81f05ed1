"""`mailbot outbox list`: what is queued, sent, deferred and failed, with the reason, one line a message on stdout."""

from __future__ import annotations

from tests.e2e.test_outbox_never_stalls import complaint_from


def _lines(result) -> list[list[str]]:
    assert result.exit_code == 0, result.stderr
    return [line.split("\t") for line in result.stdout.splitlines()]


def test_outbox_list_shows_every_message_with_its_case_status_attempts_and_reason(installation):
    """GIVEN one complaint whose acknowledgement the server refuses for good (550) and another whose
    mail is deferred (451)
    WHEN `outbox list` runs, with and without --status
    THEN each message is one tab-separated line, and the filter keeps only the messages of that status."""
    installation.deliver("cambs-pcc", "p07-pcc-chief-constable-radio.eml", at="2026-11-16T10:00:00+00:00")
    installation.smtp.refuse_recipient("eleanor.pritchard@example.org", 550)
    assert installation.run("2026-11-16T10:05:00+00:00").exit_code == 0
    installation.deliver("democratic-services", "p01-panel-pcc-public-meeting.eml", at="2026-11-16T10:10:00+00:00")
    installation.smtp.refuse_next(451, n=2)
    assert installation.run("2026-11-16T10:15:00+00:00").exit_code == 0

    lines = _lines(installation.cli("outbox", "list"))

    assert [len(line) for line in lines] == [7] * 5, lines
    by_kind_and_case = {(line[2], line[1]): line for line in lines}
    ack = by_kind_and_case[("acknowledgement", "OPCC-2026-00001")]
    assert ack[3:6] == ["eleanor.pritchard@example.org", "failed", "1"]
    assert "550 5.1.1 Mailbox unavailable" in ack[6]
    notice = by_kind_and_case[("case-update", "OPCC-2026-00001")]
    assert notice[3:] == ["ceo.office@cambs.pnn.police.uk", "sent", "1", "-"]
    deferred = by_kind_and_case[("acknowledgement", "PCP-2026-00001")]
    assert deferred[4:6] == ["deferred", "1"] and "451" in deferred[6]
    assert [line[0] for line in lines] == sorted((line[0] for line in lines), key=int)

    assert [line[4] for line in _lines(installation.cli("outbox", "list", "--status", "failed"))] == ["failed"]
    assert {line[4] for line in _lines(installation.cli("outbox", "list", "--status", "deferred"))} == {"deferred"}
    assert len(_lines(installation.cli("outbox", "list", "--status", "sent"))) == 2
    assert installation.cli("outbox", "list", "--status", "queued").stdout == ""


def test_outbox_list_keeps_one_line_per_message_whatever_the_reason_holds(installation, smtp_server):
    """An address beyond ASCII is listed as it is, with why it failed, on one line."""
    installation.deliver("cambs-pcc", complaint_from("eleanor·pritchard@example.org"), at="2026-11-16T10:00:00+00:00")
    smtp_server.offer_smtputf8(False)
    assert installation.run("2026-11-16T10:05:00+00:00").exit_code == 0

    lines = _lines(installation.cli("outbox", "list", "--status", "failed"))

    [[_id, ref, kind, recipients, status, attempts, reason]] = lines
    assert (ref, kind, recipients, status, attempts) == (
        "OPCC-2026-00001", "acknowledgement", "eleanor·pritchard@example.org", "failed", "1")
    assert "SMTPUTF8" in reason


def test_outbox_list_refuses_an_unknown_status(installation):
    result = installation.cli("outbox", "list", "--status", "lost")

    assert result.exit_code == 2
    assert "lost" in result.stderr and result.stdout == ""
