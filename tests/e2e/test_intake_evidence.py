"""Evidence is never dropped, and no header stops a mailbox (issue 6, items 2 and 7), through a real Dovecot.

A reused Message-ID with another body is kept, flagged and quarantined; a
folder changed in the config is read from its own cursor; a NUL in a
Message-ID (Dovecot hands it back as 0x80) or in a decoded header is stored
on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mailbot.clock import parse_instant
from mailbot.db.engine import open_engine, session_factory
from mailbot.db.models import Delivery, InboundMessage, MailboxState
from tests.installation import make_installation

NOW = "2026-11-16T10:15:00+00:00"
PANEL = "democratic-services"


def complaint(message_id: str, text: str, *, received: str = "by mx1.example.org",
              subject: str = "Complaint about the Commissioner", sender: str = "Ann Example") -> bytes:
    return (f"Received: {received}\r\nFrom: {sender} <ann@example.org>\r\n"
            f"To: democratic.services@peterborough.gov.uk\r\nSubject: {subject}\r\nMessage-ID: {message_id}\r\n"
            f"Date: Mon, 16 Nov 2026 08:00:00 +0000\r\n\r\n{text}\r\n"
            "I wish to complain about the Police and Crime Commissioner's conduct at the public meeting.\r\n"
            "Ann Example, 1 High Street, Whittlesey\r\n").encode()


def recorded(url: str, model=InboundMessage) -> list:
    engine = open_engine(url)
    try:
        with session_factory(engine)() as session:
            query = select(model).order_by(*model.__table__.primary_key.columns)
            if model is InboundMessage:
                query = query.options(selectinload(InboundMessage.stored))   # its bytes, read after the session
            return list(session.scalars(query))
    finally:
        engine.dispose()


def sqlite_url(installation) -> str:
    return f"sqlite:///{installation.root / 'mailbot.db'}"


def test_a_reused_message_id_with_another_body_is_kept_and_set_aside_for_a_person(installation):
    """GIVEN a complaint taken in, then under the same Message-ID a message with another text, and a true
    second delivery of the first (other Received headers)
    WHEN the next pass runs
    THEN the other message is recorded with its exact bytes as a message of its own, flagged
    "message-id-reused" and quarantined naming the first; the second delivery adds nothing; one case."""
    at = parse_instant(NOW) - timedelta(minutes=30)
    first = complaint("<meeting-1@example.org>", "The meeting on 10 November.")
    installation.deliver(PANEL, first, at=at)
    assert installation.run(NOW).exit_code == 0
    other = complaint("<meeting-1@example.org>", "Something else entirely, under the same Message-ID.")
    other_uid = installation.deliver(PANEL, other, at=at + timedelta(minutes=5))
    installation.deliver(PANEL, first.replace(b"by mx1", b"by mx2"), at=at + timedelta(minutes=6))

    assert installation.run("2026-11-16T10:20:00+00:00").exit_code == 0

    original, kept = recorded(sqlite_url(installation))
    assert kept.raw == installation.dovecot.messages(installation.users[PANEL])[other_uid]
    assert (kept.status, kept.flags) == ("quarantined", ["message-id-reused"])
    assert f"message {original.id}" in kept.error and "<meeting-1@example.org>" in kept.error
    assert original.status == "processed" and len(installation.export()) == 1
    assert len(recorded(sqlite_url(installation), Delivery)) == 3
    listed = installation.cli("quarantine", "list")
    assert str(kept.id) in listed.stdout, listed.stdout


def test_changing_the_folder_reads_it_from_its_own_cursor_and_skips_none_of_its_mail(installation):
    """GIVEN the Panel's INBOX read up to UID 3, and a folder "Complaints" with the same UIDVALIDITY (servers
    may give one) holding UIDs 1 and 2
    WHEN the config is changed to watch "Complaints", and later back to INBOX
    THEN both of its messages are taken in (a cursor per mailbox skipped them as below UID 3, and the source
    key without the folder took them for INBOX's UIDs 1 and 2, recorded already), and INBOX goes on from UID 3."""
    user = installation.users[PANEL]
    at = parse_instant(NOW) - timedelta(minutes=30)
    for number in range(1, 4):
        installation.deliver(PANEL, complaint(f"<inbox-{number}@example.org>", f"Inbox {number}."), at=at)
    assert installation.run(NOW).exit_code == 0
    for number in (1, 2):
        installation.dovecot.append(user, complaint(f"<filed-{number}@example.org>", f"Filed {number}."),
                                    folder="Complaints", at=at)
    same = installation.dovecot.uidvalidity(user)
    installation.dovecot.doveadm("mailbox", "update", "-u", user.name, "--uid-validity", str(same), "Complaints")
    inbox_config = installation.config.read_text()
    installation.config.write_text(inbox_config.replace(f'name = "{PANEL}"\n',
                                                        f'name = "{PANEL}"\nfolder = "Complaints"\n'))

    assert installation.run("2026-11-16T10:20:00+00:00").exit_code == 0
    assert sorted(message.message_id for message in recorded(sqlite_url(installation))) == [
        "<filed-1@example.org>", "<filed-2@example.org>",
        "<inbox-1@example.org>", "<inbox-2@example.org>", "<inbox-3@example.org>"]
    assert installation.dovecot.flags(user, "Complaints") == {1: {"\\Seen"}, 2: {"\\Seen"}}

    installation.config.write_text(inbox_config)
    installation.deliver(PANEL, complaint("<inbox-4@example.org>", "Inbox 4."), at=at)
    assert installation.run("2026-11-16T10:25:00+00:00").exit_code == 0
    assert len(recorded(sqlite_url(installation))) == 6 and len(installation.export()) == 6
    cursors = {(state.mailbox, state.folder): state.last_uid
               for state in recorded(sqlite_url(installation), MailboxState)}
    assert cursors[(PANEL, "INBOX")] == 4 and cursors[(PANEL, "Complaints")] == 2


@pytest.fixture
def installation_on_each_database(tmp_path, dovecot, smtp_server, database_url):
    return make_installation(tmp_path, dovecot, smtp_server, database_url), database_url


def test_a_nul_in_headers_stops_nothing_on_either_database(installation_on_each_database):
    """GIVEN a complaint whose Message-ID holds a NUL byte (Dovecot keeps it as 0x80), one whose Subject and
    sender's name decode (RFC 2047) to text with a NUL, then an ordinary complaint
    WHEN two passes run, on SQLite and on PostgreSQL (which refuses NUL in text: a DataError on every pass
    stopped that mailbox)
    THEN all three are recorded, their text made storable, all three opened (the answer to the first leaves
    its unwritable Message-ID out of In-Reply-To), and both passes exit 0."""
    installation, url = installation_on_each_database
    at = parse_instant(NOW) - timedelta(minutes=30)
    installation.deliver(PANEL, complaint("<nul\x00inside@example.org>", "A NUL in the Message-ID."), at=at)
    installation.deliver(PANEL, complaint("<decoded@example.org>", "NULs in decoded headers.",
                                          subject="=?utf-8?b?Q29tcGxhaW50AGFib3V0?= the Commissioner",
                                          sender="=?utf-8?q?Ann=00Example?="), at=at)
    installation.deliver(PANEL, complaint("<ordinary@example.org>", "An ordinary complaint."), at=at)

    first = installation.run(NOW)
    assert first.exit_code == 0, first.stderr
    assert installation.run("2026-11-16T10:20:00+00:00").exit_code == 0
    messages = recorded(url)
    assert [message.message_id for message in messages] == [
        "<nul\ufffdinside@example.org>", "<decoded@example.org>", "<ordinary@example.org>"]
    assert all("\x00" not in message.dedup_key for message in messages)
    assert [message.status for message in messages] == ["processed", "processed", "processed"]
    cases = installation.export()
    assert len(cases) == 3 and not any("\x00" in f"{case['subject']} {case['complainant']}" for case in cases)
