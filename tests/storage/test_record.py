"""The record on SQLite and PostgreSQL: migrations, intake recording, references, the outbox key."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError

from mailbot.cases.references import next_reference
from mailbot.db.engine import migrate, open_engine
from mailbot.db.models import Case, Delivery, Event, InboundMessage, MailboxState, OutboxMessage
from mailbot.intake.raw import RawMail
from mailbot.intake.record import dedup_key, record_batch

NOW = datetime(2026, 11, 16, 10, 15, tzinfo=timezone.utc)
MAIL = b"Message-ID: <one@example.org>\r\nReceived: by a\r\nFrom: a@example.org\r\n\r\nHello\r\n"


def test_migration_makes_every_table_and_is_idempotent(database_url):
    engine = open_engine(database_url)
    migrate(engine)
    migrate(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"mailbox_state", "inbound_messages", "deliveries", "cases", "deadlines", "events", "outbox",
            "reference_counters", "settings", "alembic_version"} <= tables
    engine.dispose()


def test_raw_bytes_and_aware_times_round_trip(sessions):
    raw = RawMail("cambs-pcc", "imap:7:1", NOW - timedelta(minutes=3), MAIL + bytes(range(256)))
    with sessions() as session:
        record_batch(session, [raw], now=NOW)
        session.commit()
    with sessions() as session:
        stored = session.scalar(select(InboundMessage))
        assert stored.raw == raw.raw
        assert stored.sha256 == raw.sha256
        assert stored.received_at == raw.received_at and stored.received_at.tzinfo is not None
        assert stored.message_id == "<one@example.org>"


def test_duplicate_delivery_is_one_message_whatever_its_transport_headers(sessions):
    first = RawMail("cambs-pcc", "imap:7:1", NOW, MAIL)
    again = RawMail("cambs-pcc", "imap:7:2", NOW, MAIL.replace(b"Received: by a", b"Received: by b\r\nX-Spam: no"))
    other_mailbox = RawMail("democratic-services", "imap:9:1", NOW, MAIL)
    with sessions() as session:
        record_batch(session, [first, again, other_mailbox], now=NOW)
        record_batch(session, [first], now=NOW)          # replay of a batch already recorded
        session.commit()
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 2
        assert session.scalar(select(func.count()).select_from(Delivery)) == 3
        assert session.scalar(select(func.count()).select_from(Event).where(Event.action == "duplicate-delivery")) == 1


def test_without_message_id_the_body_decides():
    one = b"From: a@example.org\r\nReceived: x\r\n\r\nSame body\r\n"
    two = b"From: a@example.org\r\nReceived: y\r\nX-Other: z\r\n\r\nSame body\r\n"
    assert dedup_key(one) == dedup_key(two)
    assert dedup_key(one) != dedup_key(one.replace(b"Same", b"Other"))


def test_the_database_refuses_a_second_row_for_one_message(sessions):
    with sessions() as session:
        for _ in range(2):
            session.add(InboundMessage(mailbox="m", dedup_key="mid:<x>", sha256="0" * 64, raw=b"", received_at=NOW,
                                       recorded_at=NOW))
        with pytest.raises(IntegrityError):
            session.commit()


def test_references_count_per_prefix_and_year(sessions):
    with sessions() as session:
        refs = [next_reference(session, "PCP", 2026) for _ in range(3)]
        refs.append(next_reference(session, "OPCC", 2026))
        refs.append(next_reference(session, "PCP", 2027))
        session.commit()
    assert refs == ["PCP-2026-00001", "PCP-2026-00002", "PCP-2026-00003", "OPCC-2026-00001", "PCP-2027-00001"]
    with sessions() as session:
        assert next_reference(session, "PCP", 2026) == "PCP-2026-00004"
        session.rollback()
    with sessions() as session:   # a rolled-back case gives its number back
        assert next_reference(session, "PCP", 2026) == "PCP-2026-00004"


def test_outbox_key_makes_a_replayed_send_impossible(sessions):
    def row(message_id):
        return OutboxMessage(dedup_key="PCP-2026-00001:acknowledgement:in-1", message_id=message_id,
                             kind="acknowledgement", mailbox="m", envelope_from="a@b", recipients=["c@d"], raw=b"x",
                             sha256="0" * 64, next_attempt_at=NOW, created_at=NOW)
    with sessions() as session:
        session.add(row("<1@b>"))
        session.commit()
        session.add(row("<2@b>"))
        with pytest.raises(IntegrityError):
            session.commit()


def test_mailbox_state_and_case_json_fields(sessions):
    with sessions() as session:
        session.add(MailboxState(mailbox="cambs-pcc", uidvalidity=1234567890, last_uid=42, updated_at=NOW))
        session.add(Case(ref="OPCC-2026-00001", mailbox="cambs-pcc", body="cambs-opcc", status="open",
                         review={"outcome_date": "2026-11-01", "in_time": True}, missing=["when"], flags=[],
                         rules=["new-complaint"], received_at=NOW, opened_at=NOW))
        session.commit()
    with sessions() as session:
        assert session.get(MailboxState, ("cambs-pcc", "INBOX")).last_uid == 42
        case = session.scalar(select(Case))
        assert case.review == {"outcome_date": "2026-11-01", "in_time": True}
        assert case.missing == ["when"]


def test_any_text_a_sender_controls_is_stored_on_either_database(sessions):
    """GIVEN a NUL, a lone surrogate (a byte a decoder kept) and a name longer than its column
    THEN the row is stored (PostgreSQL refused the first, its driver the second, both the third)."""
    with sessions() as session:
        session.add(Case(ref="PCP-2026-00001", mailbox="democratic-services", body="cambs-panel", status="open",
                         complainant_name="Ann\x00 Ex\udc80ample " + "x" * 400, subject="nul\x00 and \udcff byte",
                         review=None, missing=[], flags=[], rules=[], received_at=NOW, opened_at=NOW))
        session.commit()
    with sessions() as session:
        case = session.scalar(select(Case))
        assert case.subject == "nul\ufffd and ? byte"
        assert case.complainant_name.startswith("Ann\ufffd Ex?ample ") and len(case.complainant_name) == 300


def test_the_newest_revision_is_the_head_alembic_knows():
    """`migrate` skips Alembic when the schema is at `newest_revision()`: it must be Alembic's own head."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from mailbot.db.engine import MIGRATIONS, newest_revision

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == newest_revision()
