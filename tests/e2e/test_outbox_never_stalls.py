"""The outbox never stalls: a message the server or the library cannot take fails on its own, staff are told.

Every test runs `mailbot run --once` against the real aiosmtpd server, told
to misbehave as a real one does (no SMTPUTF8, a SIZE limit, a 550), and an
administrator's template or a damaged row that fails in a way nobody foresaw.
"""

from __future__ import annotations

import os
import shutil
from email import policy
from email.parser import BytesParser
from pathlib import Path

from sqlalchemy import create_engine, update
from sqlalchemy.orm import Session

from mailbot.db.models import OutboxMessage
from tests.e2e.test_outbox_delivery import events, outbox_rows
from tests.installation import CORPUS, make_installation

DOTTED = "eleanor·pritchard@example.org"     # the address: a middle dot, valid under RFC 6531
STAFF = "ceo.office@cambs.pnn.police.uk"


def complaint_from(address: str, *, number: int = 0) -> bytes:
    """The corpus complaint p07 sent from `address`; a `number` makes it a different message (its own Message-ID)."""
    raw = (CORPUS / "mail" / "p07-pcc-chief-constable-radio.eml").read_bytes()
    if number:
        raw = raw.replace(b"Message-ID: <", f"Message-ID: <{number}.".encode(), 1)
    return raw.replace(b"eleanor.pritchard@example.org", address.encode("utf-8"))


def test_a_non_ascii_address_is_answered_through_a_server_that_offers_smtputf8(installation):
    installation.deliver("cambs-pcc", complaint_from(DOTTED), at="2026-11-16T10:00:00+00:00")

    result = installation.run("2026-11-16T10:05:00+00:00")

    assert result.exit_code == 0, result.stderr
    installation.smtp.wait_for(2)
    [ack] = installation.smtp.by_kind("acknowledgement")
    assert ack.rcpt_tos == (DOTTED,) and "SMTPUTF8" in ack.mail_options
    assert [row.status for row in outbox_rows(installation)] == ["sent", "sent"]


def test_without_smtputf8_only_that_address_is_refused_and_the_rest_of_the_pass_goes_out(tmp_path, dovecot,
                                                                                         smtp_server):
    """GIVEN a server without SMTPUTF8 and, between two good complaints, one from a non-ASCII address,
    and a second staff address that is non-ASCII
    WHEN one pass runs
    THEN the good complaints are answered, the bad acknowledgement fails with its reason, the staff that can
    be reached are notified and told of the failure, the pass exits 0, and a second pass sends nothing more."""
    installation = make_installation(tmp_path, dovecot, smtp_server, f"sqlite:///{tmp_path / 'mailbot.db'}",
                                     staff={"cambs-pcc": [STAFF, "zoë.staff@cambs.pnn.police.uk"]})
    smtp_server.offer_smtputf8(False)
    installation.deliver("cambs-pcc", complaint_from("first@example.org"), at="2026-11-16T10:00:00+00:00")
    installation.deliver("cambs-pcc", complaint_from(DOTTED, number=2), at="2026-11-16T10:01:00+00:00")
    installation.deliver("cambs-pcc", complaint_from("third@example.org", number=3), at="2026-11-16T10:02:00+00:00")

    result = installation.run("2026-11-16T10:05:00+00:00")

    assert result.exit_code == 0, result.stderr
    sent = smtp_server.wait_for(6)
    acks = sorted(message.rcpt_tos for message in smtp_server.by_kind("acknowledgement"))
    assert acks == [("first@example.org",), ("third@example.org",)], smtp_server.describe()
    notifications = smtp_server.by_kind("staff-notification")
    assert len(notifications) == 3 and all(message.rcpt_tos == (STAFF,) for message in notifications)
    [notice] = smtp_server.by_kind("case-update")
    assert notice.rcpt_tos == (STAFF,)
    assert notice.case_ref == "OPCC-2026-00002" and "[OPCC-2026-00002]" in notice.subject
    assert DOTTED in notice.text and "SMTPUTF8" in notice.text, notice.text
    assert len(sent) == 6, smtp_server.describe()

    rows = outbox_rows(installation)
    [failed] = [row for row in rows if row.status == "failed" and row.kind == "acknowledgement"]
    assert failed.recipients == [DOTTED] and failed.attempts == 1
    assert "SMTPUTF8" in failed.last_error
    # Each staff member gets a letter of their own (each with its own reply token): only zoë's fail.
    to_zoe = [row for row in rows if row.recipients == ["zoë.staff@cambs.pnn.police.uk"]]
    assert sorted(row.kind for row in to_zoe) == ["case-update"] + ["staff-notification"] * 3
    assert all(row.status == "failed" and "SMTPUTF8" in row.last_error for row in to_zoe), to_zoe
    assert all(row.status == "sent" for row in rows if row.recipients == [STAFF])
    failures = events(installation, "send-failed")
    assert len(failures) == 1 + len(to_zoe) and all("SMTPUTF8" in failure.reason for failure in failures)
    assert failed.case_id in {failure.case_id for failure in failures}

    assert installation.run("2026-11-16T12:00:00+00:00").exit_code == 0
    assert len(smtp_server.messages) == 6, smtp_server.describe()      # no second notice, no resend


def _complaint_with_attachment(octets: int) -> bytes:
    message = BytesParser(policy=policy.default).parsebytes(
        (CORPUS / "mail" / "p05-panel-officer-roadside-stop.eml").read_bytes())
    message.add_attachment(os.urandom(octets), maintype="application", subtype="pdf", filename="dashcam-still.pdf")
    return message.as_bytes()


def test_a_message_over_the_servers_size_limit_fails_and_staff_are_told(installation):
    """GIVEN a complaint for another body with a 60 kB attachment and a server that takes 40 kB at most
    WHEN one pass runs
    THEN the redirect carrying it fails (552) and staff get a case-update saying so; the rest goes out."""
    installation.smtp.limit_size(40_000)
    installation.deliver("democratic-services", _complaint_with_attachment(60_000), at="2026-11-24T11:30:00+00:00")

    result = installation.run("2026-11-24T11:35:00+00:00")

    assert result.exit_code == 0, result.stderr
    installation.smtp.wait_for(3)
    assert sorted(message.kind for message in installation.smtp.messages) == [
        "case-update", "redirect-notice", "staff-notification"], installation.smtp.describe()
    [notice] = installation.smtp.by_kind("case-update")
    assert notice.rcpt_tos == ("officer.a@peterborough.gov.uk",)
    assert "552" in notice.text and "psd@cambs.pnn.police.uk" in notice.text, notice.text
    [redirect] = [row for row in outbox_rows(installation) if row.kind == "redirect"]
    assert redirect.status == "failed" and "552" in redirect.last_error


def test_a_550_for_the_complainant_fails_that_message_once_and_staff_are_told_once(installation):
    installation.deliver("cambs-pcc", "p07-pcc-chief-constable-radio.eml", at="2026-11-16T10:00:00+00:00")
    installation.smtp.refuse_recipient("eleanor.pritchard@example.org", 550)

    assert installation.run("2026-11-16T10:05:00+00:00").exit_code == 0
    assert installation.run("2026-11-16T11:05:00+00:00").exit_code == 0

    installation.smtp.wait_for(2)
    assert sorted(message.kind for message in installation.smtp.messages) == ["case-update", "staff-notification"]
    [notice] = installation.smtp.by_kind("case-update")
    assert "eleanor.pritchard@example.org" in notice.text and "550" in notice.text
    assert notice.subject == "Not delivered: acknowledgement [OPCC-2026-00001]"
    assert notice.header("Auto-Submitted") == "auto-generated"
    assert {row.kind: (row.status, row.attempts) for row in outbox_rows(installation)} == {
        "acknowledgement": ("failed", 1), "staff-notification": ("sent", 1), "case-update": ("sent", 1)}


def test_a_failed_case_update_or_staff_mail_is_never_the_subject_of_another(installation):
    """Staff whose own address is refused get nothing about it: a notice about a notice would loop."""
    installation.deliver("cambs-pcc", "p07-pcc-chief-constable-radio.eml", at="2026-11-16T10:00:00+00:00")
    installation.smtp.refuse_recipient("eleanor.pritchard@example.org", 550)
    installation.smtp.refuse_recipient(STAFF, 550)

    assert installation.run("2026-11-16T10:05:00+00:00").exit_code == 0
    assert installation.run("2026-11-16T11:05:00+00:00").exit_code == 0

    assert installation.smtp.messages == []
    statuses = sorted((row.kind, row.status) for row in outbox_rows(installation))
    assert statuses == [("acknowledgement", "failed"), ("case-update", "failed"), ("staff-notification", "failed")]
    assert len(events(installation, "send-failed")) == 3


def test_a_row_that_breaks_the_sender_itself_fails_alone_between_good_ones(installation):
    """GIVEN two complaints whose mail was deferred, and the first acknowledgement's stored row damaged
    so that sending it raises an error nobody foresaw
    WHEN the next pass runs
    THEN that row fails with the error as its reason, staff are told, every other message goes out, exit 0."""
    installation.deliver("cambs-pcc", "p07-pcc-chief-constable-radio.eml", at="2026-11-16T10:00:00+00:00")
    installation.deliver("cambs-pcc", complaint_from("second@example.org", number=2), at="2026-11-16T10:01:00+00:00")
    installation.smtp.refuse_next(451, n=4)
    assert installation.run("2026-11-16T10:05:00+00:00").exit_code == 0
    assert [row.status for row in outbox_rows(installation)] == ["deferred"] * 4
    first_ack = outbox_rows(installation)[0]
    assert first_ack.kind == "acknowledgement"
    engine = create_engine(f"sqlite:///{installation.root / 'mailbot.db'}")
    with Session(engine) as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == first_ack.id).values(recipients=[42]))
        session.commit()
    engine.dispose()

    result = installation.run("2026-11-16T10:10:00+00:00")

    assert result.exit_code == 0, result.stderr
    installation.smtp.wait_for(4)
    assert sorted(message.kind for message in installation.smtp.messages) == [
        "acknowledgement", "case-update", "staff-notification", "staff-notification"], installation.smtp.describe()
    broken = outbox_rows(installation)[0]
    assert broken.status == "failed" and "AttributeError" in broken.last_error and broken.attempts == 2


def test_a_case_update_template_that_fails_is_recorded_and_delivery_goes_on(installation, tmp_path):
    """An administrator's case-update template that cannot be rendered costs the notice, never the pass."""
    templates = tmp_path / "own-templates"
    shutil.copytree(Path(__file__).resolve().parents[2] / "templates", templates)
    (templates / "common" / "case-update.txt.j2").write_text("Subject: {{ update.no_such_value.at_all }}\n\nx\n")
    config = installation.config
    config.write_text(config.read_text().replace('deployment = "cambridgeshire"',
                                                 f'deployment = "cambridgeshire"\ntemplates_dir = "{templates}"'))
    installation.deliver("cambs-pcc", "p07-pcc-chief-constable-radio.eml", at="2026-11-16T10:00:00+00:00")
    installation.smtp.refuse_recipient("eleanor.pritchard@example.org", 550)

    result = installation.run("2026-11-16T10:05:00+00:00")

    assert result.exit_code == 0, result.stderr
    assert [message.kind for message in installation.smtp.wait_for(1)] == ["staff-notification"]
    assert sorted((row.kind, row.status) for row in outbox_rows(installation)) == [
        ("acknowledgement", "failed"), ("staff-notification", "sent")]
    [not_told] = events(installation, "staff-not-told")
    assert "UndefinedError" in not_told.reason and not_told.case_id is not None
