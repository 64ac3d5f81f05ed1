"""A complaint in a real IMAP mailbox is acknowledged through real SMTP by `mailbot run --once`."""

from __future__ import annotations

import re


def test_plain_complaint_is_acknowledged_with_reference_and_deadline(installation):
    """GIVEN a named complaint about the PCC delivered to the Panel's mailbox on Mon 16 Nov 2026
    WHEN one pass runs
    THEN the complainant gets an acknowledgement with the reference and the 5-working-day date,
    staff get a notification, the case is recorded, and the message is \\Seen on the server."""
    uid = installation.deliver("democratic-services", "p01-panel-pcc-public-meeting.eml", at="2026-11-16T10:12:05+00:00")

    result = installation.run("2026-11-16T10:15:00+00:00")

    assert result.exit_code == 0, result.stderr
    smtp = installation.smtp
    sent = smtp.wait_for(2)
    assert sorted((m.kind, tuple(m.rcpt_tos)) for m in sent) == [
        ("acknowledgement", ("m.holloway@example.org",)),
        ("staff-notification", ("officer.a@peterborough.gov.uk",)),
    ], smtp.describe()
    [case] = installation.export()
    assert case["ref"] == "PCP-2026-00001"
    assert case["mailbox"] == "democratic-services" and case["body"] == "cambs-panel"
    assert case["status"] == "open"
    assert case["complainant"] == {"name": "Margaret Holloway", "email": "m.holloway@example.org"}
    assert case["received_at"] == "2026-11-16T10:12:05+00:00"
    assert case["deadlines"] == [{"kind": "first-contact", "due": "2026-11-23", "met_at": None}]

    [ack] = smtp.by_kind("acknowledgement")
    assert "PCP-2026-00001" in ack.subject + ack.text
    assert re.search(r"Monday\s+23\s+November\s+2026", ack.text), ack.text
    assert ack.header("X-Mailbot-Case") == "PCP-2026-00001"
    assert ack.header("Auto-Submitted") == "auto-replied"
    assert ack.header("In-Reply-To") == "<20261116101149.7f3a2c91@example.org>"
    assert ack.header("Reply-To") == "democratic.services@peterborough.gov.uk"
    [note] = smtp.by_kind("staff-notification")
    assert note.header("Auto-Submitted") == "auto-generated"
    # Staff letters answer to the mailbox with the reply token issued to that staff member for the case.
    assert re.fullmatch(r"democratic\.services\+pcp-2026-00001\.[a-z2-7]{26}@peterborough\.gov\.uk",
                        note.header("Reply-To")), note.header("Reply-To")
    assert "\\Seen" in installation.flags("democratic-services")[uid]


def test_second_pass_with_nothing_new_sends_nothing(installation):
    installation.deliver("cambs-pcc", "p07-pcc-chief-constable-radio.eml", at="2026-11-16T10:00:00+00:00")
    assert installation.run("2026-11-16T10:05:00+00:00").exit_code == 0
    installation.smtp.wait_for(2)
    before = len(installation.smtp.messages)

    result = installation.run("2026-11-16T10:10:00+00:00")

    assert result.exit_code == 0, result.stderr
    assert len(installation.smtp.messages) == before, installation.smtp.describe()
    assert len(installation.export()) == 1


def test_mail_read_first_in_outlook_is_still_taken_in(installation):
    """A message staff opened before the daemon saw it (\\Seen already) still opens a case."""
    installation.deliver("cambs-pcc", "p07-pcc-chief-constable-radio.eml", at="2026-11-16T10:00:00+00:00",
                         flags=[b"\\Seen"])
    assert installation.run("2026-11-16T10:05:00+00:00").exit_code == 0
    assert len(installation.export()) == 1


def test_automatic_mail_opens_no_case_and_sends_nothing(installation):
    """An out-of-office reply, a bounce and a newsletter: no case, nothing sent, all settled."""
    uids = [installation.deliver("cambs-pcc", "p17-pcc-out-of-office-reply.eml", at="2026-12-11T16:46:15+00:00"),
            installation.deliver("democratic-services", "p18-panel-bounce.eml", at="2026-12-11T10:03:41+00:00"),
            installation.deliver("cambs-pcc", "p19-pcc-newsletter.eml", at="2026-12-11T11:00:00+00:00")]

    result = installation.run("2026-12-11T17:00:00+00:00")

    assert result.exit_code == 0, result.stderr
    assert installation.export() == []
    assert installation.smtp.messages == [], installation.smtp.describe()
    assert "\\Seen" in installation.flags("democratic-services")[uids[1]]


def test_duplicate_delivery_gives_one_case_and_one_acknowledgement(installation):
    for at in ("2026-12-21T10:00:00+00:00", "2026-12-21T10:00:40+00:00"):
        installation.deliver("cambs-pcc", "p26-pcc-cc-rotary-remarks.eml", at=at)
    assert installation.run("2026-12-21T10:05:00+00:00").exit_code == 0
    installation.deliver("cambs-pcc", "p26-pcc-cc-rotary-remarks.eml", at="2026-12-21T15:30:00+00:00")
    assert installation.run("2026-12-21T15:35:00+00:00").exit_code == 0

    assert len(installation.export()) == 1
    assert [list(m.rcpt_tos) for m in installation.smtp.by_kind("acknowledgement")] == [["kerry.bell@example.net"]]


def test_changed_uidvalidity_loses_nothing_and_answers_nothing_twice(installation):
    """GIVEN a complaint answered, WHEN the server renumbers the folder and a new complaint arrives,
    THEN the new one is answered and the old one is not answered again."""
    installation.deliver("cambs-pcc", "p07-pcc-chief-constable-radio.eml", at="2026-11-16T10:00:00+00:00")
    assert installation.run("2026-11-16T10:05:00+00:00").exit_code == 0
    installation.dovecot.change_uidvalidity(installation.users["cambs-pcc"])
    installation.deliver("cambs-pcc", "p26-pcc-cc-rotary-remarks.eml", at="2026-11-16T11:00:00+00:00")

    assert installation.run("2026-11-16T11:05:00+00:00").exit_code == 0

    acks = sorted(m.rcpt_tos[0] for m in installation.smtp.by_kind("acknowledgement"))
    assert len(installation.export()) == 2
    assert len(acks) == 2 and len(set(acks)) == 2, installation.smtp.describe()


def test_unreachable_mailbox_exits_1_and_still_does_the_rest(installation, caplog):
    """One mailbox unreachable: exit status 1, the other mailbox is still processed."""
    config = installation.config.read_text().replace(
        f'username = "{installation.users["democratic-services"].name}"',
        f'username = "{installation.users["democratic-services"].name}"\nport = 1', 1)
    installation.config.write_text(config)
    installation.deliver("cambs-pcc", "p07-pcc-chief-constable-radio.eml", at="2026-11-16T10:00:00+00:00")

    result = installation.run("2026-11-16T10:05:00+00:00")

    assert result.exit_code == 1
    assert "democratic-services" in caplog.text and "refused" in caplog.text
    assert len(installation.export()) == 1


def test_messy_but_readable_mail_still_opens_a_case(cleveland):
    """Wrong charset label, a rewritten boundary, HTML only in cp1252: each is opened and acknowledged."""
    mail = {"p36-cleveland-qp-wrong-charset.eml": "doreen.maddison@example.org",
            "p37-cleveland-broken-boundary.eml": "k.dobson1983@example.net",
            "p38-cleveland-html-only-cp1252.eml": "a.ruddick@example.com"}
    for name in mail:
        cleveland.deliver("cleveland-resolution", name, at="2026-11-26T08:05:00+00:00")

    assert cleveland.run("2026-11-26T08:30:00+00:00").exit_code == 0

    cases = cleveland.export()
    assert sorted(case["complainant"]["email"] for case in cases) == sorted(mail.values())
    assert all(case["status"] == "open" and case["body"] == "cleveland-opcc" for case in cases)
    assert [case["received_at"] for case in cases] == ["2026-11-26T08:05:00+00:00"] * 3
    # Two working days to call back (Thu 26 -> Mon 30 November); 28 days to resolve (seed 004)
    assert [case["deadlines"] for case in cases] == [[{"kind": "first-contact", "due": "2026-11-30", "met_at": None},
                                                      {"kind": "service-recovery", "due": "2026-12-24",
                                                       "met_at": None}]] * 3
    cleveland.smtp.wait_for(6)
    assert sorted(m.rcpt_tos[0] for m in cleveland.smtp.by_kind("acknowledgement")) == sorted(mail.values())


def test_a_redirect_to_a_watched_mailbox_is_an_internal_transfer(installation):
    """A complaint about the Chief Constable sent to the Panel moves to the Commissioner's office: no redirect mail."""
    installation.deliver("democratic-services", "p07-pcc-chief-constable-radio.eml", at="2026-11-16T10:00:00+00:00")

    assert installation.run("2026-11-16T10:05:00+00:00").exit_code == 0

    [case] = installation.export()
    assert (case["mailbox"], case["body"], case["status"]) == ("cambs-pcc", "cambs-opcc", "open")
    assert case["ref"].startswith("OPCC-")
    assert case["rules"][0] == "chief-constable-sent-to-the-panel"
    sent = installation.smtp.wait_for(2)
    assert sorted((m.kind, m.rcpt_tos[0]) for m in sent) == [
        ("acknowledgement", "eleanor.pritchard@example.org"), ("staff-notification", "ceo.office@cambs.pnn.police.uk")]
    assert installation.smtp.by_kind("redirect") == []


def test_a_redirect_carries_the_original_intact(installation):
    uid = installation.deliver("democratic-services", "p05-panel-officer-roadside-stop.eml", at="2026-11-24T11:30:00+00:00")

    assert installation.run("2026-11-24T11:35:00+00:00").exit_code == 0

    [redirect] = [m for m in installation.smtp.wait_for(3) if m.kind == "redirect"]
    assert list(redirect.rcpt_tos) == ["psd@cambs.pnn.police.uk"]
    assert [part.get_content_type() for part in redirect.message.walk()].count("message/rfc822") == 1
    original = installation.dovecot.messages(installation.users["democratic-services"])[uid]
    assert original.replace(b"\r\n", b"\n").strip() in redirect.raw.replace(b"\r\n", b"\n"), "not byte for byte"
    [case] = installation.export()
    assert case["status"] == "redirected" and case["redirected_to"] == "cambs-psd"


def test_mail_from_a_staff_address_is_never_answered_automatically(installation):
    """A message merely claiming to be from staff (not a reply to a notification) gets no automatic answer:
    staff are told it was refused."""
    installation.deliver("democratic-services", "p22-forged-staff-reply.eml", at="2026-12-16T14:02:05+00:00")

    assert installation.run("2026-12-16T14:05:00+00:00").exit_code == 0

    sent = installation.smtp.wait_for(1)
    assert [m.kind for m in sent] == ["case-update"], installation.smtp.describe()
    assert installation.smtp.to("hannah.lowe@example.org") == []
