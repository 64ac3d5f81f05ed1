"""Connecting a mailbox that already holds mail does not answer the past (issue 6, item 6).

At a folder's first sync, mail received (IMAP INTERNALDATE, set here by
APPEND dates) more than `answer_backlog_days` before now is recorded and
opened for staff with `auto_answer` False; at every later sync nothing is.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from mailbot.clock import parse_instant
from mailbot.db.engine import open_engine, session_factory
from mailbot.db.models import InboundMessage

NOW = "2026-11-16T10:15:00+00:00"


def complaint(tag: str) -> bytes:
    return (f"From: Ann Example <ann.{tag}@example.org>\r\nTo: democratic.services@peterborough.gov.uk\r\n"
            f"Subject: Complaint about the Commissioner ({tag})\r\nMessage-ID: <{tag}@example.org>\r\n"
            "Date: Mon, 16 Nov 2026 08:00:00 +0000\r\n\r\n"
            "I wish to complain about the Police and Crime Commissioner's conduct at the public meeting.\r\n"
            "Ann Example, 1 High Street, Whittlesey\r\n").encode()


def auto_answer_by_message_id(installation) -> dict[str, bool]:
    engine = open_engine(f"sqlite:///{installation.root / 'mailbot.db'}")
    try:
        with session_factory(engine)() as session:
            rows = session.execute(select(InboundMessage.message_id, InboundMessage.auto_answer)).all()
    finally:
        engine.dispose()
    return {message_id.strip("<>").removesuffix("@example.org"): auto_answer for message_id, auto_answer in rows}


def set_mailbox_option(installation, mailbox: str, line: str) -> None:
    text = installation.config.read_text()
    installation.config.write_text(text.replace(f'name = "{mailbox}"\n', f'name = "{mailbox}"\n{line}\n'))


def test_the_first_sync_records_old_mail_not_to_be_answered_and_later_syncs_never_do(installation):
    """GIVEN the Panel's mailbox already holding mail received 10 days, 49 hours, 47 hours and 1 hour ago,
    and the PCC's mailbox empty
    WHEN mailbot first runs, and mail dated long ago arrives in both mailboxes after that
    THEN at the first sync only the mail older than 2 days (the default) is recorded with auto_answer False;
    everything recorded later, whatever its date, may be answered; every message is opened for staff."""
    now = parse_instant(NOW)
    for tag, age in (("ten-days", timedelta(days=10)), ("49-hours", timedelta(hours=49)),
                     ("47-hours", timedelta(hours=47)), ("one-hour", timedelta(hours=1))):
        installation.deliver("democratic-services", complaint(tag), at=now - age)

    assert installation.run(NOW).exit_code == 0
    assert auto_answer_by_message_id(installation) == {
        "ten-days": False, "49-hours": False, "47-hours": True, "one-hour": True}
    assert len(installation.export()) == 4, "old mail is still opened for staff"

    installation.deliver("democratic-services", complaint("late-panel"), at=now - timedelta(days=30))
    installation.deliver("cambs-pcc", complaint("late-pcc"), at=now - timedelta(days=30))
    assert installation.run("2026-11-16T11:15:00+00:00").exit_code == 0
    answers = auto_answer_by_message_id(installation)
    assert answers["late-panel"] is True and answers["late-pcc"] is True, answers


def test_the_backlog_limit_is_per_mailbox(installation):
    set_mailbox_option(installation, "democratic-services", "answer_backlog_days = 7")
    now = parse_instant(NOW)
    installation.deliver("democratic-services", complaint("three-days"), at=now - timedelta(days=3))
    installation.deliver("democratic-services", complaint("eight-days"), at=now - timedelta(days=8))
    installation.deliver("cambs-pcc", complaint("three-days-pcc"), at=now - timedelta(days=3))

    assert installation.run(NOW).exit_code == 0
    assert auto_answer_by_message_id(installation) == {
        "three-days": True, "eight-days": False, "three-days-pcc": False}


def test_a_folder_newly_configured_has_a_first_sync_of_its_own(installation):
    """Pointing a mailbox at another folder that already holds mail is connecting that mail: its old mail
    is not answered either."""
    now = parse_instant(NOW)
    installation.deliver("democratic-services", complaint("inbox"), at=now - timedelta(hours=1))
    assert installation.run(NOW).exit_code == 0
    installation.dovecot.append(installation.users["democratic-services"], complaint("filed-long-ago"),
                                folder="Complaints", at=now - timedelta(days=40))
    set_mailbox_option(installation, "democratic-services", 'folder = "Complaints"')
    assert installation.run("2026-11-16T11:15:00+00:00").exit_code == 0
    assert auto_answer_by_message_id(installation) == {"inbox": True, "filed-long-ago": False}
