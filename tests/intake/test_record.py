"""Recording deliveries on SQLite and PostgreSQL: hostile Message-IDs, reused ones, too-large mail, the backlog.

Through a Maildir source, which hands over bytes exactly as delivered (a NUL
included; Dovecot would turn it into 0x80, see tests/e2e/test_intake_evidence.py).
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from mailbot.db.models import Delivery, Event, InboundMessage, MailboxState
from mailbot.errors import SourceError
from mailbot.intake.batches import FetchLimits
from mailbot.intake.maildir import MaildirSource, deliver_to_maildir
from mailbot.intake.raw import LargeMail, RawMail
from mailbot.intake.record import record_batch
from mailbot.intake.stored_bytes import read_raw
from mailbot.intake.sync import intake

NOW = datetime(2026, 11, 16, 10, 15, tzinfo=timezone.utc)
MAILBOX = "cambs-pcc"


def mail(message_id: bytes, body: bytes = b"I wish to complain.\r\n", *, received: bytes = b"by mx1") -> bytes:
    return (b"Received: " + received + b"\r\nMessage-ID: " + message_id +
            b"\r\nFrom: Ann <ann@example.org>\r\nSubject: Complaint\r\n\r\n" + body)


def messages(sessions) -> list[InboundMessage]:
    with sessions() as session:
        return list(session.scalars(select(InboundMessage).order_by(InboundMessage.id)
                                    .options(selectinload(InboundMessage.stored))))   # bytes read after the session


def count(sessions, model) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def record(sessions, *batch, answer_before=None):
    with sessions() as session:
        keys = record_batch(session, list(batch), now=NOW, answer_before=answer_before)
        session.commit()
    return keys


def test_a_nul_in_a_message_id_is_recorded_and_the_mailbox_goes_on(sessions, tmp_path):
    """GIVEN a Maildir holding a complaint whose Message-ID (and Subject) carry a NUL byte, then a good one
    WHEN intake runs twice
    THEN both are recorded with their exact bytes, the NUL made storable in the columns (PostgreSQL refused
    it: a DataError on every pass stopped the mailbox), and a second delivery of it is a duplicate."""
    hostile = mail(b"<nul\x00here@example.org>").replace(b"Subject: Complaint", b"Subject: Comp\x00laint")
    good = mail(b"<good@example.org>")
    deliver_to_maildir(tmp_path / "md", hostile, at=NOW - timedelta(minutes=5))
    deliver_to_maildir(tmp_path / "md", good, at=NOW - timedelta(minutes=4))
    with MaildirSource(MAILBOX, tmp_path / "md") as source:
        assert intake(source, sessions, now=NOW) == 2
    deliver_to_maildir(tmp_path / "md", hostile, at=NOW - timedelta(minutes=1))   # delivered again
    with MaildirSource(MAILBOX, tmp_path / "md") as source:
        assert intake(source, sessions, now=NOW) == 1

    first, second = messages(sessions)
    assert first.message_id == "<nul\ufffdhere@example.org>" and "\x00" not in first.dedup_key
    assert first.raw == hostile and second.raw == good
    assert count(sessions, Delivery) == 3 and count(sessions, InboundMessage) == 2


def test_a_message_id_in_eight_bit_bytes_is_recorded_by_its_id(sessions):
    raw = mail("<r\u00e9clamation-\u00e9t\u00e9@example.fr>".encode() + b"\x80")
    record(sessions, RawMail(MAILBOX, "maildir:a", NOW, raw))
    [stored] = messages(sessions)
    assert stored.message_id == "<r\u00e9clamation-\u00e9t\u00e9@example.fr>\ufffd"
    assert stored.dedup_key == "mid:" + stored.message_id


def test_two_long_message_ids_with_one_beginning_are_two_messages(sessions):
    start = b"<" + b"7" * 1500
    record(sessions, RawMail(MAILBOX, "maildir:a", NOW, mail(start + b"a@x>", b"one\r\n")),
           RawMail(MAILBOX, "maildir:b", NOW, mail(start + b"b@x>", b"one\r\n")))
    assert count(sessions, InboundMessage) == 2
    assert [message.flags for message in messages(sessions)] == [[], []]


def test_a_reused_message_id_with_another_body_is_kept_flagged_and_quarantined(sessions):
    """GIVEN a complaint recorded, then a different message under the same Message-ID, then a true second
    delivery of each (other transport headers)
    THEN the different one is a message of its own, with its bytes, flagged and quarantined naming the first;
    the true second deliveries are duplicates, not messages."""
    original = mail(b"<same@example.org>", b"My complaint about the PCC.\r\n")
    other = mail(b"<same@example.org>", b"A different text under the same Message-ID.\r\n")
    record(sessions, RawMail(MAILBOX, "imap:INBOX:7:1", NOW, original))
    record(sessions, RawMail(MAILBOX, "imap:INBOX:7:2", NOW, other),
           RawMail(MAILBOX, "imap:INBOX:7:3", NOW, mail(b"<same@example.org>", b"My complaint about the PCC.\r\n",
                                                        received=b"by mx2\r\nX-Spam: no")),
           RawMail(MAILBOX, "imap:INBOX:7:4", NOW, other.replace(b"by mx1", b"by mx3")))

    first, reused = messages(sessions)
    assert (first.status, first.flags) == ("received", [])
    assert reused.raw == other and reused.message_id == "<same@example.org>"
    assert reused.flags == ["message-id-reused"] and reused.status == "quarantined"
    assert f"message {first.id}" in reused.error and "<same@example.org>" in reused.error
    with sessions() as session:
        duplicates = session.scalars(select(Delivery.message_id).where(Delivery.duplicate.is_(True))
                                     .order_by(Delivery.id)).all()
        quarantined = session.scalars(select(Event.message_id).where(Event.action == "quarantined")).all()
    assert duplicates == [first.id, reused.id]
    assert quarantined == [reused.id]


def large(raw: bytes, key: str, *, chunk: int = 1000, limit: int = 5000, received: datetime = NOW) -> LargeMail:
    return LargeMail(MAILBOX, key, received, size=len(raw), limit=limit,
                     read=lambda: (raw[start:start + chunk] for start in range(0, len(raw), chunk)))


def test_a_message_over_the_limit_is_recorded_in_chunks_with_its_bytes_and_quarantined(sessions):
    raw = mail(b"<big@example.org>", os.urandom(30_000))
    record(sessions, large(raw, "maildir:big"))
    [stored] = messages(sessions)
    with sessions() as session:
        assert read_raw(session, stored.id) == raw
    assert stored.sha256 == hashlib.sha256(raw).hexdigest() and stored.message_id == "<big@example.org>"
    assert stored.status == "quarantined" and stored.flags == ["too-large"]
    assert stored.error.startswith(f"too large: 0.0 MB ({len(raw):,} bytes), over this mailbox's limit of 0.0 MB")


def test_a_second_delivery_of_a_large_message_is_a_duplicate_and_a_changed_one_is_flagged(sessions):
    raw = mail(b"<big@example.org>", b"x" * 30_000)
    record(sessions, large(raw, "maildir:one"))
    record(sessions, large(raw.replace(b"by mx1", b"by mx2"), "maildir:two", chunk=777))
    record(sessions, large(mail(b"<big@example.org>", b"y" * 30_000), "maildir:three"))
    first, changed = messages(sessions)
    assert count(sessions, Delivery) == 3
    assert changed.flags == ["too-large", "message-id-reused"] and f"message {first.id}" in changed.error


def test_a_large_message_that_changes_between_its_two_readings_is_not_recorded(sessions):
    raw = mail(b"<big@example.org>", b"x" * 30_000)
    readings = iter([raw, raw.replace(b"xxx", b"yyy", 1)])
    moving = LargeMail(MAILBOX, "maildir:moving", NOW, size=len(raw), limit=5000, read=lambda: iter([next(readings)]))
    with pytest.raises(SourceError, match="changed while it was being read"):
        record(sessions, moving)
    assert count(sessions, InboundMessage) == 0


def test_bytes_over_a_megabyte_are_written_in_chunks_and_read_back_exactly(sessions):
    raw = mail(b"<mb@example.org>", os.urandom(3 * 1024 * 1024 + 17))
    record(sessions, RawMail(MAILBOX, "maildir:mb", NOW, raw))
    [stored] = messages(sessions)
    with sessions() as session:
        assert read_raw(session, stored.id) == raw
    assert stored.raw == raw and stored.status == "received"


def test_mail_older_than_the_backlog_limit_is_recorded_not_to_be_answered(sessions):
    cutoff = NOW - timedelta(days=2)
    record(sessions, RawMail(MAILBOX, "maildir:old", cutoff - timedelta(seconds=1), mail(b"<old@x>")),
           RawMail(MAILBOX, "maildir:edge", cutoff, mail(b"<edge@x>")),
           large(mail(b"<old-big@x>", b"z" * 9000), "maildir:old-big", received=cutoff - timedelta(days=1)),
           answer_before=cutoff)
    assert [(m.message_id, m.auto_answer) for m in messages(sessions)] == [
        ("<old@x>", False), ("<edge@x>", True), ("<old-big@x>", False)]


class StopsAfterOneBatch(MaildirSource):
    """A Maildir whose reading fails after its first batch, as a dropped connection would."""

    def fetch_new(self, **options):
        batches = super().fetch_new(**options)
        yield next(batches)
        raise SourceError("connection lost")


def test_a_first_sync_cut_short_is_a_first_sync_again(sessions, tmp_path):
    """GIVEN a mailbox connected with a week of old mail, whose first sync fails half-way
    THEN the next pass is still a first sync: the rest of the old mail is not answered either."""
    for day in (7, 6, 5, 4):
        deliver_to_maildir(tmp_path / "md", mail(f"<day-{day}@x>".encode()), at=NOW - timedelta(days=day))
    limits = FetchLimits(batch_size=2)
    with pytest.raises(SourceError), StopsAfterOneBatch(MAILBOX, tmp_path / "md") as source:
        intake(source, sessions, now=NOW, limits=limits)
    assert count(sessions, MailboxState) == 0
    with MaildirSource(MAILBOX, tmp_path / "md") as source:
        intake(source, sessions, now=NOW + timedelta(hours=1), limits=limits)
    assert [m.auto_answer for m in messages(sessions)] == [False] * 4
    deliver_to_maildir(tmp_path / "md", mail(b"<later-but-dated-old@x>"), at=NOW - timedelta(days=30))
    with MaildirSource(MAILBOX, tmp_path / "md") as source:
        intake(source, sessions, now=NOW + timedelta(hours=2), limits=limits)
    assert messages(sessions)[-1].auto_answer is True
