"""Delivery through a real SMTP server that refuses: retries with backoff, permanent failures recorded."""

from __future__ import annotations

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from mailbot.db.models import Event, OutboxMessage
from tests.installation import CORPUS


def outbox_rows(installation) -> list[OutboxMessage]:
    engine = create_engine(f"sqlite:///{installation.root / 'mailbot.db'}")
    with Session(engine) as session:
        rows = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    engine.dispose()
    return rows


def events(installation, action: str) -> list[Event]:
    engine = create_engine(f"sqlite:///{installation.root / 'mailbot.db'}")
    with Session(engine) as session:
        rows = list(session.scalars(select(Event).where(Event.action == action)))
    engine.dispose()
    return rows


def test_a_temporary_refusal_is_retried_after_the_backoff_and_not_before(installation):
    installation.deliver("cambs-pcc", "p07-pcc-chief-constable-radio.eml", at="2026-11-16T10:00:00+00:00")
    installation.smtp.refuse_next(451, n=2)

    assert installation.run("2026-11-16T10:05:00+00:00").exit_code == 0   # deferred sends are not a failure
    assert installation.smtp.messages == []
    rows = outbox_rows(installation)
    assert [row.status for row in rows] == ["deferred", "deferred"]
    assert all(row.attempts == 1 and "451" in row.last_error for row in rows)

    assert installation.run("2026-11-16T10:05:30+00:00").exit_code == 0   # inside the backoff: no attempt
    assert all(row.attempts == 1 for row in outbox_rows(installation))

    assert installation.run("2026-11-16T10:07:00+00:00").exit_code == 0
    sent = installation.smtp.wait_for(2)
    assert sorted(m.kind for m in sent) == ["acknowledgement", "staff-notification"]
    assert [row.status for row in outbox_rows(installation)] == ["sent", "sent"]


def test_a_permanent_refusal_fails_that_message_and_records_it_on_the_case(installation):
    installation.deliver("cambs-pcc", "p07-pcc-chief-constable-radio.eml", at="2026-11-16T10:00:00+00:00")
    installation.smtp.refuse_recipient("eleanor.pritchard@example.org", 550)

    assert installation.run("2026-11-16T10:05:00+00:00").exit_code == 0

    assert sorted(m.kind for m in installation.smtp.wait_for(2)) == ["case-update", "staff-notification"]
    statuses = {row.kind: row.status for row in outbox_rows(installation)}
    assert statuses == {"acknowledgement": "failed", "staff-notification": "sent", "case-update": "sent"}
    [failure] = events(installation, "send-failed")
    assert failure.case_id is not None and "550" in failure.reason


def test_an_unreachable_smtp_server_exits_1_and_keeps_the_mail(installation):
    config = installation.config
    config.write_text(config.read_text().replace(f"port = {installation.smtp.port}", "port = 1"))
    installation.deliver("cambs-pcc", "p07-pcc-chief-constable-radio.eml", at="2026-11-16T10:00:00+00:00")

    result = installation.run("2026-11-16T10:05:00+00:00")

    assert result.exit_code == 1
    assert len(installation.export()) == 1
    assert [row.status for row in outbox_rows(installation)] == ["queued", "queued"]


def test_automatic_answers_to_one_address_are_capped(installation):
    """Four different complaints from one address within a day: three acknowledgements, the fourth held back."""
    template = (CORPUS / "mail" / "p07-pcc-chief-constable-radio.eml").read_bytes()
    for number in range(4):
        mail = template.replace(b"Message-ID: <", f"Message-ID: <n{number}.".encode(), 1)
        installation.deliver("cambs-pcc", mail, at=f"2026-11-16T10:0{number}:00+00:00")

    assert installation.run("2026-11-16T10:15:00+00:00").exit_code == 0

    assert len(installation.export()) == 4
    installation.smtp.wait_for(7)
    assert len(installation.smtp.by_kind("acknowledgement")) == 3
    assert len(installation.smtp.by_kind("staff-notification")) == 4
    [held] = events(installation, "held-back")
    assert "eleanor.pritchard@example.org" in held.reason


def test_an_8bit_original_is_redirected_with_body_8bitmime(cleveland):
    """An 8-bit UTF-8 original: the redirect that carries it intact must be sent as BODY=8BITMIME."""
    raw = (CORPUS / "mail" / "p32-cleveland-money-missing-after-search.eml").read_bytes()
    raw = raw.replace(b"180\npounds", "£180\npounds".encode()).replace(b"180 pounds", "£180 pounds".encode())
    raw = raw.replace(b"Content-Transfer-Encoding: 7bit", b"Content-Transfer-Encoding: 8bit")
    assert not raw.isascii()
    cleveland.deliver("cleveland-resolution", raw, at="2026-11-30T11:20:00+00:00")

    assert cleveland.run("2026-11-30T11:25:00+00:00").exit_code == 0

    [redirect] = [m for m in cleveland.smtp.wait_for(3) if m.kind == "redirect"]
    assert list(redirect.rcpt_tos) == ["standards.ethics@cleveland-police.example"]
    assert "BODY=8BITMIME" in redirect.mail_options
    assert "£180".encode() in redirect.raw
