"""MaildirSource: batches by count and bytes, oldest first, and mail over the limit read from its file in chunks."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from mailbot.intake.batches import FetchLimits
from mailbot.intake.maildir import MaildirSource, deliver_to_maildir
from mailbot.intake.raw import LargeMail, RawMail

NOW = datetime(2026, 11, 16, 10, 0, tzinfo=timezone.utc)


def message(number: int, size: int = 0) -> bytes:
    return f"Message-ID: <m{number}@x>\r\nSubject: {number}\r\n\r\n".encode() + b"y" * size


def test_batches_are_bounded_by_bytes_and_a_message_over_the_limit_is_read_in_chunks(tmp_path):
    raws = [message(1, 500), message(2, 500), message(3, 5000), message(4, 100)]
    for age, raw in zip((40, 30, 20, 10), raws):
        deliver_to_maildir(tmp_path / "md", raw, at=NOW - timedelta(minutes=age))
    limits = FetchLimits(batch_bytes=1200, max_message_bytes=4000, chunk_bytes=1024)
    with MaildirSource("m", tmp_path / "md") as source:
        batches = list(source.fetch_new(limits=limits))
        [large] = batches[1]
        chunks = list(large.read())
    assert [[type(mail) for mail in batch] for batch in batches] == [[RawMail, RawMail], [LargeMail], [RawMail]]
    assert [mail.raw for mail in batches[0] + batches[2]] == [raws[0], raws[1], raws[3]]
    assert b"".join(chunks) == raws[2] and {len(chunk) for chunk in chunks[:-1]} == {1024}
    assert (large.size, large.limit, large.received_at) == (len(raws[2]), 4000, NOW - timedelta(minutes=20))
    assert large.source_key.startswith("maildir:")
