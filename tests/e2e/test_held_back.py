"""When a case opens and its automatic answer may not go: the case opens, nothing is sent, staff are told why.

Through Dovecot and aiosmtpd: an address that is no mailbox (issue 6, item
1), a staff address, and mail that predates the mailbox's connection (item
6). The staff notification never says that something went when it did not.
"""

from __future__ import annotations

from sqlalchemy import create_engine, select, update
from sqlalchemy.orm import Session

from mailbot.app import load_app
from mailbot.clock import Clock, parse_instant
from mailbot.daemon import poll_mailbox
from mailbot.db.models import Event, InboundMessage, OutboxMessage
from tests.installation import CORPUS


def rows(installation, model, *where):
    engine = create_engine(f"sqlite:///{installation.root / 'mailbot.db'}")
    with Session(engine) as session:
        found = list(session.scalars(select(model).where(*where).order_by(model.id)))
    engine.dispose()
    return found


def take_in_as_backlog(installation, mailbox: str, now: str) -> None:
    """Intake only, then mark what came in as the first sync's backlog (what intake does for old mail)."""
    app = load_app(installation.config, clock=Clock(parse_instant(now)))
    assert poll_mailbox(app, app.settings.mailbox(mailbox))
    with app.sessions() as session:
        session.execute(update(InboundMessage).values(auto_answer=False))
        session.commit()


def test_an_address_that_is_no_mailbox_opens_the_case_and_is_sent_nothing(installation):
    """GIVEN a complaint whose From address has an underscore in its domain (not a mailbox by RFC 5322)
    WHEN a pass runs THEN the case opens, nothing is queued to that address, the log and staff say why."""
    raw = (CORPUS / "mail" / "p07-pcc-chief-constable-radio.eml").read_bytes()
    raw = raw.replace(b"eleanor.pritchard@example.org", b"eleanor.pritchard@exa_mple.org")
    installation.deliver("cambs-pcc", raw, at="2026-11-16T10:00:00+00:00")

    assert installation.run("2026-11-16T10:05:00+00:00").exit_code == 0

    [case] = installation.export()
    assert case["status"] == "open" and case["complainant"]["email"] == "eleanor.pritchard@exa_mple.org"
    assert [row.kind for row in rows(installation, OutboxMessage)] == ["staff-notification"]
    [event] = rows(installation, Event, Event.action == "not-answered")
    assert "not a valid email address" in event.reason
    [note] = installation.smtp.wait_for(1)
    assert note.kind == "staff-notification"
    assert "NOTHING was sent to the complainant: eleanor.pritchard@exa_mple.org is not a valid email address" \
        in " ".join(note.text.split())
    assert "has been sent an acknowledgement" not in note.text


def test_mail_claiming_to_be_from_staff_without_a_token_opens_no_case_and_staff_are_told(installation):
    """GIVEN mail from a staff address that answers nothing we sent to staff (no token)
    WHEN it is processed THEN it is neither answered nor obeyed, opens no case, and staff get a case-update."""
    installation.deliver("democratic-services", "p22-forged-staff-reply.eml", at="2026-11-16T10:00:00+00:00")

    assert installation.run("2026-11-16T10:05:00+00:00").exit_code == 0

    [note] = installation.smtp.wait_for(1)
    assert note.kind == "case-update", installation.smtp.describe()
    assert note.subject.startswith("REFUSED"), note.subject
    text = " ".join(note.text.split())
    assert "did NOT act on it" in text and "no token" in text
    assert installation.export() == []


def test_backlog_mail_opens_a_case_for_staff_and_answers_nobody(installation):
    """GIVEN a complaint received before the mailbox's first sync (auto_answer false)
    WHEN it is processed THEN the case opens, no acknowledgement goes, and staff are told why."""
    installation.deliver("cambs-pcc", "p07-pcc-chief-constable-radio.eml", at="2026-11-02T10:00:00+00:00")
    take_in_as_backlog(installation, "cambs-pcc", "2026-11-16T10:05:00+00:00")

    assert installation.run("2026-11-16T10:05:00+00:00").exit_code == 0

    [case] = installation.export()
    assert case["status"] == "open"
    [note] = installation.smtp.wait_for(1)
    assert note.kind == "staff-notification", installation.smtp.describe()
    text = " ".join(note.text.split())
    assert "NOTHING was sent to the complainant: the email predates this mailbox's connection to mailbot" in text
    assert "told them so" not in text and "acknowledgement promised" not in text
    assert rows(installation, OutboxMessage, OutboxMessage.kind == "acknowledgement") == []


def test_a_backlog_complaint_for_another_body_is_still_passed_on_but_not_announced(installation):
    """The redirect is a transfer to the body that must deal with it, so it goes; the notice to the
    complainant is an automatic answer to old mail, so it does not."""
    installation.deliver("democratic-services", "p05-panel-officer-roadside-stop.eml", at="2026-11-02T10:00:00+00:00")
    take_in_as_backlog(installation, "democratic-services", "2026-11-16T10:05:00+00:00")

    assert installation.run("2026-11-16T10:05:00+00:00").exit_code == 0

    sent = installation.smtp.wait_for(2)
    assert sorted(m.kind for m in sent) == ["redirect", "staff-notification"], installation.smtp.describe()
    [redirect] = installation.smtp.by_kind("redirect")
    assert "We have not told the complainant" in redirect.text
    [note] = installation.smtp.by_kind("staff-notification")
    text = " ".join(note.text.split())
    assert "It has been sent there (psd@cambs.pnn.police.uk)" in text
    assert "NOTHING was sent to the complainant: the email predates" in text
