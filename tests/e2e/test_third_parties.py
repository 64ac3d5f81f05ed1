"""Nobody can use the office's address against a third person (issue 6, item 9), through Dovecot and aiosmtpd.

A sender controls the subject, the display names, the links and every word
of a "forwarded" block. What they wrote goes back only to their own address;
a letter to anyone they named is plain, capped per forwarder as well as per
recipient; a redirect carries no program file to another body.
"""

from __future__ import annotations

from email import message_from_bytes, policy

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, selectinload

from mailbot.db.models import AutomaticAnswer, Event, InboundMessage, OutboxMessage
from tests.installation import CORPUS

SCAM = "scam.example"


def scam_forward(number: int, victim: str, *, name: str = "Vera Victim") -> bytes:
    """A forward with a marker from someone no rule lists as a forwarder, a scam link in every place they write."""
    return f"""From: "Refunds http://{SCAM}/r" <scammer@evil.example>
To: cambs-pcc@cambs.pnn.police.uk
Subject: Fwd: Claim your refund now at http://{SCAM}/refund
Date: Mon, 14 Dec 2026 09:0{number}:00 +0000
Message-ID: <scam-{number}@evil.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Claim your refund at http://{SCAM}/refund today.

---------- Forwarded message ---------
From: {name} <{victim}>
Date: Mon, 14 Dec 2026 at 08:00
Subject: Complaint about the Chief Constable http://{SCAM}/inner
To: <scammer@evil.example>

I want to complain about the Chief Constable. On 3 December she was rude
about residents of Ramsey on the radio, and said we waste police time.
Details at http://{SCAM}/details

{name}
""".replace("\n", "\r\n").encode()


def rows(installation, model, *where):
    engine = create_engine(f"sqlite:///{installation.root / 'mailbot.db'}")
    with Session(engine) as session:
        query = select(model).where(*where).order_by(model.id)
        if model is InboundMessage:
            query = query.options(selectinload(InboundMessage.stored))   # its bytes, read after the session
        found = list(session.scalars(query))
    engine.dispose()
    return found


def test_a_forward_from_an_unknown_sender_is_acknowledged_plainly_to_the_person_named(installation):
    """GIVEN a "forward" from an unlisted sender, a scam link in the subject, the names and the text
    WHEN a pass runs
    THEN the person named gets an acknowledgement holding none of the sender's words, nothing goes to the
    sender, and staff are told the forwarder is not a known one."""
    installation.deliver("cambs-pcc", scam_forward(1, "vera.victim@example.org"), at="2026-12-14T09:05:00+00:00")

    assert installation.run("2026-12-14T09:10:00+00:00").exit_code == 0

    sent = installation.smtp.wait_for(2)
    assert sorted((m.kind, m.rcpt_tos) for m in sent) == [
        ("acknowledgement", ("vera.victim@example.org",)),
        ("staff-notification", ("ceo.office@cambs.pnn.police.uk",))], installation.smtp.describe()
    [ack] = installation.smtp.by_kind("acknowledgement")
    whole = ack.raw.decode("utf-8", "replace") + ack.subject + ack.text
    for theirs in (SCAM, "Refunds", "refund", "Vera Victim", "scammer", "passed to us by", "Claim"):
        assert theirs not in whole, f"{theirs!r} reached the person named:\n{ack.subject}\n{ack.text}"
    assert ack.subject == "We have received your complaint [OPCC-2026-00001]"
    assert ack.text.startswith("Hello,")
    assert "If you did not make a complaint to us" in ack.text
    [note] = installation.smtp.by_kind("staff-notification")
    assert "NOT one of the organisations known to pass complaints on" in note.text
    assert "a plain letter holding none of the sender's words" in " ".join(note.text.split())


def test_a_known_forwarder_still_passes_on_the_complainants_own_words(installation):
    """The IOPC's form (a listed forwarder): the acknowledgement names the IOPC and asks for nothing the form gave."""
    installation.deliver("cambs-pcc", "p23-iopc-form-chief-constable.eml", at="2026-12-17T07:02:00+00:00")

    assert installation.run("2026-12-17T07:05:00+00:00").exit_code == 0

    installation.smtp.wait_for(2)
    [ack] = installation.smtp.to("paul.ridley@example.net")
    assert ack.text.startswith("Dear Paul Ridley,")
    assert "passed to us by the Independent Office for Police Conduct (IOPC)" in ack.text
    assert "What was said or done?" not in ack.text            # the form's "What happened" answered it
    [case] = installation.export()
    assert "said-or-done" not in case["missing"]


def test_acknowledgements_to_people_named_by_one_forwarder_are_capped(installation):
    """Four "forwards" from one unlisted sender, each naming someone else: three letters go, the fourth is held back."""
    for number in range(4):
        installation.deliver("cambs-pcc", scam_forward(number, f"person{number}@example.org"),
                             at=f"2026-12-14T09:0{number}:30+00:00")

    assert installation.run("2026-12-14T09:10:00+00:00").exit_code == 0

    installation.smtp.wait_for(7)
    acks = installation.smtp.by_kind("acknowledgement")
    assert sorted(m.rcpt_tos[0] for m in acks) == [f"person{n}@example.org" for n in range(3)], \
        installation.smtp.describe()
    [held] = rows(installation, Event, Event.action == "held-back")
    assert "scammer@evil.example already had 3 automatic answers" in held.reason
    [last_note] = [m for m in installation.smtp.by_kind("staff-notification") if "person3@example.org" in m.text]
    assert "NOTHING was sent to the complainant: scammer@evil.example already had 3 automatic answers" in last_note.text
    assert "has been sent an acknowledgement" not in last_note.text


def test_a_reply_to_another_address_gets_a_plain_letter(installation):
    """From one address, Reply-To another: the letter goes to the Reply-To, without the sender's subject or name."""
    raw = (CORPUS / "mail" / "p07-pcc-chief-constable-radio.eml").read_bytes()
    raw = raw.replace(b"\nSubject: ", f"\nReply-To: other.person@example.net\nSubject: http://{SCAM} ".encode(), 1)
    installation.deliver("cambs-pcc", raw, at="2026-11-16T10:00:00+00:00")

    assert installation.run("2026-11-16T10:05:00+00:00").exit_code == 0

    installation.smtp.wait_for(2)
    [ack] = installation.smtp.by_kind("acknowledgement")
    assert ack.rcpt_tos == ("other.person@example.net",)
    assert SCAM not in ack.raw.decode("utf-8", "replace") and "Eleanor" not in ack.text
    counted = sorted(row.address for row in rows(installation, AutomaticAnswer))
    assert counted == ["eleanor.pritchard@example.org", "other.person@example.net"]


def test_the_cap_holds_for_a_non_ascii_address_however_it_is_written(installation):
    """GIVEN four complaints within a day from one non-ASCII address, written four ways (NFC, NFD, upper case,
    the domain in IDNA) WHEN they are taken in and processed THEN three answers are queued and one is held back."""
    from mailbot.app import load_app
    from mailbot.clock import Clock, parse_instant
    from mailbot.daemon import poll_mailbox
    from mailbot.pipeline import process_pending

    template = (CORPUS / "mail" / "p07-pcc-chief-constable-radio.eml").read_bytes()
    spellings = ["José <josé@bücher.example>", "José <jose\u0301@bücher.example>", "José <JOSÉ@BÜCHER.example>",
                 "José <josé@xn--bcher-kva.example>"]
    for number, sender in enumerate(spellings):
        mail = template.replace(b"Message-ID: <", f"Message-ID: <n{number}.".encode(), 1)
        mail = mail.replace(b"\nFrom: ", f"\nFrom: {sender}\nX-Old-From: ".encode(), 1)
        installation.deliver("cambs-pcc", mail, at=f"2026-11-16T10:0{number}:00+00:00")
    app = load_app(installation.config, clock=Clock(parse_instant("2026-11-16T10:15:00+00:00")))

    assert poll_mailbox(app, app.settings.mailbox("cambs-pcc"))
    process_pending(app, now=app.clock.now())

    queued = rows(installation, OutboxMessage, OutboxMessage.kind == "acknowledgement")
    assert len(queued) == 3, [row.recipients for row in queued]
    assert {row.address for row in rows(installation, AutomaticAnswer)} == {"josé@bücher.example"}
    [held] = rows(installation, Event, Event.action == "held-back")
    assert "josé@bücher.example" in held.reason


def test_redirects_are_capped_per_complainant(installation):
    """Four complaints about officers from one person in a day: three go to the PSD with a notice, the fourth
    goes nowhere, and staff are told it was NOT passed on."""
    template = (CORPUS / "mail" / "p05-panel-officer-roadside-stop.eml").read_bytes()
    for number in range(4):
        mail = template.replace(b"Message-ID: <", f"Message-ID: <r{number}.".encode(), 1)
        installation.deliver("democratic-services", mail, at=f"2026-11-16T10:0{number}:00+00:00")

    assert installation.run("2026-11-16T10:15:00+00:00").exit_code == 0

    installation.smtp.wait_for(10)
    assert len(installation.smtp.by_kind("redirect")) == 3, installation.smtp.describe()
    assert len(installation.smtp.by_kind("redirect-notice")) == 3
    notes = installation.smtp.by_kind("staff-notification")
    assert len(notes) == 4
    [held] = [m for m in notes if m.subject.startswith("NOT YET passed to")]
    assert "It has NOT been sent there: gmcallister@example.net already had 3 automatic answers" in held.text


def test_a_program_file_is_not_passed_on_to_another_body(installation):
    """GIVEN a complaint to redirect carrying a PDF, an .exe and a Windows program named like a photo
    WHEN it is redirected THEN the copy that goes has the PDF and neither program, the cover note names
    both, the complainant is told, and our record keeps the message whole."""
    raw = (CORPUS / "mail" / "p05-panel-officer-roadside-stop.eml").read_bytes()
    message = message_from_bytes(raw, policy=policy.default)
    if not message.is_multipart():
        message.make_mixed()
    message.add_attachment(b"%PDF-1.4 the ticket", maintype="application", subtype="pdf", filename="ticket.pdf")
    message.add_attachment(b"MZ\x90\x00 program one", maintype="application", subtype="octet-stream",
                           filename="statement.exe")
    message.add_attachment(b"MZ\x90\x00 program two", maintype="image", subtype="jpeg", filename="photo.jpg")
    raw = message.as_bytes(policy=policy.SMTP)
    installation.deliver("democratic-services", raw, at="2026-11-16T10:00:00+00:00")

    assert installation.run("2026-11-16T10:05:00+00:00").exit_code == 0

    installation.smtp.wait_for(3)
    [redirect] = installation.smtp.by_kind("redirect")
    attached = [part for part in redirect.message.walk() if part.get_content_type() == "message/rfc822"]
    [original] = [part.get_payload(0) for part in attached]
    names = [part.get_filename() for part in original.walk() if part.get_filename()]
    assert names == ["ticket.pdf"], names
    assert b"program one" not in redirect.raw and b"program two" not in redirect.raw
    assert "statement.exe" in redirect.text and "photo.jpg" in redirect.text and "program files" in redirect.text
    [notice] = installation.smtp.by_kind("redirect-notice")
    assert "except statement.exe, photo.jpg" in " ".join(notice.text.split())
    [inbound] = rows(installation, InboundMessage)
    kept = message_from_bytes(inbound.raw, policy=policy.default)   # the record keeps it whole
    assert [part.get_filename() for part in kept.walk() if part.get_filename()] == [
        "ticket.pdf", "statement.exe", "photo.jpg"]
    [withheld] = rows(installation, Event, Event.action == "attachment-withheld")
    assert "statement.exe" in withheld.reason and "photo.jpg" in withheld.reason
