"""A backlog of a few hundred messages goes through one `run --once` completely and exactly once (issue 11).

However the pass batches its work (commits made durable before settling and
sending, the cap counted once per pass, the outbox delivered alongside the
processing), every message is recorded once, processed, settled, and every
letter it causes reaches the SMTP server once; a second pass adds nothing.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from mailbot.clock import parse_instant
from mailbot.db.engine import open_engine, session_factory
from mailbot.db.models import Delivery, InboundMessage, OutboxMessage
from tests.backlog_mail import backlog

NOW = "2026-11-16T10:30:00+00:00"
BACKLOG = 300


def _record(installation) -> dict:
    engine = open_engine(f"sqlite:///{installation.root / 'mailbot.db'}", create=False)
    try:
        with session_factory(engine)() as session:
            return {
                "message_ids": Counter(session.scalars(select(InboundMessage.message_id))),
                "statuses": Counter(session.scalars(select(InboundMessage.status))),
                "deliveries": session.scalar(select(func.count()).select_from(Delivery)),
                "unsettled": session.scalar(select(func.count()).select_from(Delivery)
                                            .where(Delivery.settled.is_(False))),
                "outbox": Counter(session.scalars(select(OutboxMessage.message_id))),
                "unsent": session.scalar(select(func.count()).select_from(OutboxMessage)
                                         .where(OutboxMessage.status != "sent")),
            }
    finally:
        engine.dispose()


def test_a_backlog_is_processed_completely_and_exactly_once_in_one_pass(installation):
    """GIVEN 300 generated messages waiting in the Panel's mailbox (complaints plain and multipart, some with a
    200 KB attachment, automatic mail, replies to earlier complaints of the same backlog)
    WHEN one `mailbot run --once` runs
    THEN every message is recorded once and settled, none is left unprocessed or quarantined, every letter
    queued reaches the SMTP server exactly once, each complainant without a follow-up gets exactly one letter;
    AND a second pass records, queues and sends nothing more."""
    now = parse_instant(NOW)
    generated = list(backlog(BACKLOG, now=now - timedelta(minutes=1), seed=5))
    with installation.dovecot.client(installation.users["democratic-services"]) as imap:
        for message in generated:
            imap.append("INBOX", message.raw, msg_time=message.received_at)
    assert {message.kind for message in generated} == {"complaint", "attachment", "automatic", "reply"}

    result = installation.run(NOW)
    assert result.exit_code == 0, result.stderr

    record = _record(installation)
    assert sum(record["message_ids"].values()) == BACKLOG and max(record["message_ids"].values()) == 1
    assert record["deliveries"] == BACKLOG and record["unsettled"] == 0
    assert set(record["statuses"]) <= {"processed", "ignored"}, record["statuses"]
    assert record["unsent"] == 0
    sent = Counter(message.message_id for message in installation.smtp.messages)
    assert sent == record["outbox"], "every queued letter sent once, nothing else sent"
    followed_up = {message.sender for message in generated if message.kind == "reply"}
    for message in generated:
        if message.kind in ("complaint", "attachment") and message.sender not in followed_up:
            letters = installation.smtp.to(message.sender)
            assert len(letters) == 1, f"{message.sender}: {[letter.kind for letter in letters]}"

    assert installation.run("2026-11-16T10:35:00+00:00").exit_code == 0
    again = _record(installation)
    assert again["message_ids"] == record["message_ids"] and again["outbox"] == record["outbox"]
    assert Counter(message.message_id for message in installation.smtp.messages) == sent
