"""Forwarded complaints: the original writer and text recovered, with the evidence for it."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailbot.parse import parse_message
from tests.parse.conftest import CORPUS_FILES, corpus_bytes, with_line_ends
from tests.parse.test_properties import RELAXED, parse_or_refuse

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FORWARDS_IN_CORPUS = {"p23", "p24", "p25", "p34", "t26", "t27"}


def fixture(name: str):
    return parse_message(with_line_ends((FIXTURES / f"{name}.eml").read_bytes(), b"\r\n"))


def plain(subject: str, body: str, *, sender: str = "Jane Doe <jane@example.org>") -> bytes:
    head = f"From: {sender}\r\nTo: democratic.services@peterborough.gov.uk\r\nSubject: {subject}\r\n"
    return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body.replace("\n", "\r\n")).encode()


def attaching(inner: bytes, *, subject: str, note: str, headers: dict[str, str] | None = None) -> bytes:
    """A message with `note` as its text and `inner` attached as message/rfc822."""
    outer = EmailMessage()
    outer["From"] = "Standards and Ethics <standards.ethics@cleveland-police.example>"
    outer["To"] = "resolution.team@cleveland-opcc.example"
    outer["Subject"] = subject
    for name, value in (headers or {}).items():
        outer[name] = value
    outer.set_content(note)
    outer.add_attachment(email.message_from_bytes(inner, policy=policy.default))
    return outer.as_bytes(policy=policy.SMTP)


# --- the corpus ---------------------------------------------------------------------------------


def test_iopc_form_p23_gives_the_person_in_the_form(corpus):
    forwarded = corpus("p23").forwarded

    assert forwarded.layout == "iopc-form"
    assert forwarded.sender == "paul.ridley@example.net"
    assert forwarded.display_name == "Paul Ridley"
    assert forwarded.date == "16/12/2026 22:47"
    assert forwarded.field("Title") == "Mr"
    assert forwarded.field("address") == "61 Priory Road, St Ives, Cambridgeshire, PE27 5BB"
    assert forwarded.field("Who is your complaint about") == "The Chief Constable"
    assert forwarded.field("What happened").startswith("I wrote to the Chief Constable on 12 October")
    assert forwarded.field("What happened").endswith("3 December asking how this happened.")
    assert forwarded.field("What would you like to happen") == (
        "An apology and an explanation of why my\npersonal details were shared.")
    assert forwarded.field("Equality monitoring") == "Prefer not to say"
    assert "What happened: I wrote to the Chief Constable" in forwarded.text
    assert "Do not reply" not in forwarded.text and "Paul Ridley" not in forwarded.text
    assert forwarded.explicit
    assert "IOPC online complaint form layout" in forwarded.evidence[0]
    assert "Email address" in forwarded.evidence[0]


def test_iopc_form_p24_is_recognised_without_auto_submitted(corpus):
    message = corpus("p24")
    forwarded = message.forwarded

    assert not message.automatic.auto_submitted
    assert forwarded.layout == "iopc-form"
    assert forwarded.sender == "aisha.rahman@example.com"
    assert forwarded.display_name == "Aisha Rahman"
    assert forwarded.field("Who is your complaint about") == "A police officer"
    assert forwarded.field("Do you know their name or number") == "No, he was a male PC, collar number began 17"
    assert forwarded.field("Were there any witnesses") == "My sister was on the phone to me on speaker"


def test_outlook_forward_p25_gives_the_original_sender(corpus):
    forwarded = corpus("p25").forwarded

    assert forwarded.layout == "outlook"
    assert forwarded.sender == "dan.sorensen@example.org"
    assert forwarded.display_name == "Dan Sorensen"
    assert forwarded.subject == "Complaint about Police and Crime Commissioner"
    assert forwarded.date == "17 December 2026 21:14"
    assert forwarded.explicit
    assert "subject prefix 'FW:'" in forwarded.evidence
    assert forwarded.cover_note.startswith("Good morning,")
    assert "I am forwarding it to the Panel" in forwarded.cover_note, "soft line breaks are undone"
    assert forwarded.cover_note.endswith("Cambridgeshire Constabulary")
    assert forwarded.text.startswith("To whom it may concern,")
    assert "the Police and Crime Commissioner at the Victims' Voice event" in forwarded.text
    assert forwarded.text.endswith("07700 900903")
    assert "Jenna" not in forwarded.text


def test_attached_original_p34(corpus):
    forwarded = corpus("p34").forwarded

    assert forwarded.layout == "attached-message"
    assert forwarded.sender == "samira.dhillon@example.com"
    assert forwarded.display_name == "Samira Dhillon"
    assert forwarded.subject == "Complaint - no update on my burglary"
    assert forwarded.date == "Sun, 6 Dec 2026 20:12:19 +0000"
    assert forwarded.message_id == "<2d7c4e91-0b3a-4f65-9e18-7a5c3b2d1e04@example.com>"
    assert forwarded.text.startswith("Hello,\n\nMy house in Acklam was burgled")
    assert forwarded.cover_note.startswith("Resolution Team,")
    assert forwarded.explicit
    assert forwarded.attachments == ()


@pytest.mark.parametrize("path", [
    pytest.param(path, id=path.stem) for path in CORPUS_FILES if path.name[:3] not in FORWARDS_IN_CORPUS])
def test_mail_written_directly_is_not_a_forward(path):
    message = parse_message(with_line_ends(path.read_bytes(), b"\r\n"))

    assert message.forwarded is None


# --- the other layouts --------------------------------------------------------------------------


def test_gmail_forward():
    forwarded = fixture("gmail-forward").forwarded

    assert forwarded.layout == "gmail"
    assert forwarded.sender == "grace.okafor@example.com"
    assert forwarded.display_name == "Grace Okafor"
    assert forwarded.date == "Mon, 14 Dec 2026 at 19:40"
    assert forwarded.subject == "Complaint about the Commissioner's comments"
    assert forwarded.text.startswith("Dear Councillor Walsh,")
    assert forwarded.text.endswith("PE1 3SA")
    assert forwarded.cover_note == "A resident sent me this as her ward councillor. I think it is one for the Panel.\n\nTom"
    assert forwarded.explicit
    assert any("forward marker" in item for item in forwarded.evidence)


def test_outlook_mailto_block():
    forwarded = fixture("outlook-mailto-forward").forwarded

    assert forwarded.layout == "outlook"
    assert forwarded.sender == "lee.carter@example.net"
    assert forwarded.display_name == "Lee Carter"
    assert forwarded.field("To") == "Contact Centre; Neighbourhood Team Ramsey <ramsey.npt@cambs.pnn.police.uk>"
    assert forwarded.field("Cc") == "ward.office@example.org"
    assert forwarded.explicit and "subject prefix 'Fw:'" in forwarded.evidence
    assert forwarded.cover_note.endswith("Force Control Room"), "Outlook's rule line is not the note"
    assert forwarded.text.startswith("Hello,")


def test_outlook_block_naming_no_address():
    forwarded = parse_message(plain("FW: complaint", "See below.\n\nFrom: Lee Carter\nSent: 15 December 2026 18:07\n"
                                    "To: Contact Centre\nSubject: complaint\n\nThe Deputy was rude.")).forwarded

    assert forwarded.sender == ""
    assert forwarded.display_name == "Lee Carter"
    assert forwarded.text == "The Deputy was rude."
    assert any("names no address" in item for item in forwarded.evidence)


def test_nested_forward_gives_the_first_message_a_person_wrote():
    """GIVEN FW: FW: of a complainant's RE: to the force
    THEN the original is the complainant's message, not the force's one quoted below it."""
    forwarded = fixture("nested-fw-fw").forwarded

    assert forwarded.sender == "nadia.petrova@example.org"
    assert forwarded.subject == "RE: Your enquiry CAD 4411"
    assert forwarded.text.startswith("Thank you, but my complaint is not about the officers.")
    assert "Dear Ms Petrova" in forwarded.text, "her own quoted history stays with her text"
    assert "not ours, I think" not in forwarded.text
    assert forwarded.cover_note.startswith("Please see the email chain below")
    assert forwarded.explicit
    assert any("forward of a forward: 2 blocks" in item for item in forwarded.evidence)


def test_an_outlook_block_quoting_mail_sent_to_the_writer_is_no_forward():
    """A reply above the mail its writer was sent (the block's To is theirs) is their own correspondence."""
    assert fixture("outlook-reply-without-fw").forwarded is None


@pytest.mark.parametrize("block", [
    "From: Jane Doe <jane@example.org>\nSent: 1 December 2026 09:00\nTo: Inbox <inbox@example.org>\n",
    "From: Office <office@example.org>\nSent: 1 December 2026 09:00\nTo: Doe, Jane\n",
    "From: Office <office@example.org>\nSent: 1 December 2026 09:00\nTo: jane@example.org\n",
])
def test_an_unmarked_block_of_the_writers_own_correspondence_is_no_forward(block):
    raw = plain("Still waiting", "Nothing has happened since I sent this.\n\n" + block +
                "Subject: My complaint\n\nThe officer was rude to me.")
    assert parse_message(raw).forwarded is None


def test_an_unmarked_block_from_and_to_others_is_still_offered_unmarked():
    forwarded = parse_message(plain("Complaint", "See below.\n\nFrom: Ann Lee <ann@example.org>\n"
                                    "Sent: 1 December 2026 09:00\nTo: Inbox <inbox@example.org>\nSubject: Complaint\n\n"
                                    "Text.")).forwarded
    assert forwarded.layout == "outlook" and not forwarded.explicit and forwarded.sender == "ann@example.org"
    assert "no FW:/Fwd: subject prefix" in forwarded.evidence


def test_forward_word_in_the_cover_note_makes_a_bare_block_explicit():
    forwarded = parse_message(plain("Complaint", "I am forwarding this from our inbox.\n\nFrom: Ann Lee <ann@example.org>\n"
                                    "Sent: 1 December 2026 09:00\nTo: Inbox\nSubject: Complaint\n\nText.")).forwarded

    assert forwarded.explicit
    assert "the cover note says 'forwarding'" in forwarded.evidence


@pytest.mark.parametrize("note", ["I look forward to your reply.", "I wish to put forward a complaint.",
                                  "Looking forward to hearing from you"])
def test_forward_as_in_looking_forward_is_no_marker(note):
    forwarded = parse_message(plain("RE: Your complaint", f"{note}\n\nFrom: Panel <panel@example.org>\n"
                                    "Sent: 1 December 2026 09:00\nTo: Jane\nSubject: Your complaint\n\nText.")).forwarded

    assert not forwarded.explicit


def test_a_reply_quoting_with_on_wrote_is_not_a_forward():
    assert fixture("on-wrote-reply").forwarded is None


def test_thunderbird_marker_with_subject_first():
    body = ("FYI\n\n-------- Forwarded Message --------\nSubject: Complaint\nDate: Tue, 1 Dec 2026 09:00:00 +0000\n"
            "From: Ann Lee <Ann.Lee@example.org>\nTo: inbox@example.org\n\nThe PCC ignored me.")
    forwarded = parse_message(plain("Complaint", body)).forwarded

    assert (forwarded.layout, forwarded.sender, forwarded.text) == ("gmail", "ann.lee@example.org", "The PCC ignored me.")
    assert forwarded.explicit


def test_mailbot_redirect_from_another_installation():
    message = fixture("mailbot-redirect")
    forwarded = message.forwarded

    assert message.automatic.mailbot_kind == "redirect"
    assert forwarded.layout == "attached-message"
    assert forwarded.sender == "j.barker@example.co.uk"
    assert forwarded.display_name == "Jordan Barker"
    assert forwarded.message_id == "<20261213183000.77aa@example.co.uk>"
    assert [item.filename for item in forwarded.attachments] == ["desk.jpg"]
    assert forwarded.text.endswith("Jordan Barker")
    assert forwarded.explicit
    assert any("X-Mailbot-Kind: redirect" in item for item in forwarded.evidence)


def test_redirected_iopc_form_gives_the_person_in_the_form():
    raw = attaching(corpus_bytes("p24"), subject="Complaint redirected to you", note="Attached.",
                    headers={"X-Mailbot-Kind": "redirect"})
    forwarded = parse_message(raw).forwarded

    assert forwarded.layout == "iopc-form"
    assert forwarded.sender == "aisha.rahman@example.com"
    assert forwarded.cover_note == "Attached."
    assert forwarded.explicit
    assert "the attached message is itself a forward" in forwarded.evidence


def test_iopc_form_forwarded_inline_by_staff():
    form = parse_message(corpus_bytes("p23")).text
    forwarded = parse_message(plain("FW: Online complaint form", "For you.\n\n-----Original Message-----\n"
                                    "From: IOPC Online Complaints <no-reply@policeconduct.gov.uk>\n"
                                    "Sent: 17 December 2026 07:01\nTo: PSD\nSubject: Online complaint form\n\n" + form)).forwarded

    assert (forwarded.layout, forwarded.sender, forwarded.cover_note) == ("iopc-form", "paul.ridley@example.net", "For you.")


def test_an_attached_email_without_a_forward_marker_is_not_explicit():
    """A complainant attaching the reply they got is not the police forwarding a complaint."""
    reply = plain("Your enquiry", "We will not take this further.", sender="PSD <psd@cambs.pnn.police.uk>")
    raw = attaching(reply, subject="Complaint about the PSD's answer", note="I attach the answer I got.")
    forwarded = parse_message(raw).forwarded

    assert forwarded.layout == "attached-message"
    assert forwarded.sender == "psd@cambs.pnn.police.uk"
    assert not forwarded.explicit
    assert "no FW:/Fwd: subject prefix" in forwarded.evidence


def test_form_answers_keep_lines_that_look_like_labels():
    text = ("This complaint was submitted using the online complaint form on the IOPC website.\n\n"
            "Name: Ann Lee\nEmail address: Ann Lee <ANN@example.org>\nWhat happened: He shouted.\n"
            "He said: move on or else.\n\nThen he left.\nWhen did it happen: 1 December\n")
    forwarded = parse_message(plain("Online complaint form", text)).forwarded

    assert forwarded.sender == "ann@example.org"
    assert forwarded.field("What happened") == "He shouted.\nHe said: move on or else.\n\nThen he left."
    assert forwarded.field("When did it happen") == "1 December"


def test_mentioning_the_online_form_is_not_the_form():
    text = "I tried the online complaint form but it failed, so I am writing.\nName: Ann Lee\n\nThe PCC was rude."
    assert parse_message(plain("Complaint", text)).forwarded is None


def test_a_delivery_report_returning_a_message_is_not_a_forward(corpus):
    assert corpus("p18").forwarded is None


def test_attached_messages_nested_too_deep_are_not_read():
    raw = plain("Complaint", "The PCC was rude.")
    for level in range(6):
        raw = attaching(raw, subject=f"FW: level {level}", note=f"level {level}")
    message = parse_message(raw)

    assert message.forwarded is not None
    assert any("nested too deeply" in defect for defect in message.defects)


def test_recovery_that_fails_costs_the_forward_not_the_message(monkeypatch, corpus):
    def broken(*args, **kwargs):
        raise RuntimeError("form reader broke")

    monkeypatch.setattr("mailbot.parse.forwards.read_iopc_form", broken)
    message = corpus("p23")

    assert message.forwarded is None
    assert "forwarded message not recovered: RuntimeError: form reader broke" in message.defects
    assert message.sender == "no-reply@policeconduct.gov.uk"


# --- property -----------------------------------------------------------------------------------

MARKERS = [
    "---------- Forwarded message ---------", "-------- Forwarded Message --------", "Begin forwarded message:",
    "-----Original Message-----", "________________________________", "From: Dan <dan@example.org>",
    "From: Dan [mailto:", "From: <>", "From:", "*From:* *Dan*", "Sent: 17 December 2026", "Date:", "To: a@b;",
    "Cc:", "Subject: FW: x", "Subject:", "> From: x@y.z", "On Mon, Jan 1, 2026 at 9:00, x wrote:", "", " ",
    "This complaint was submitted using the online complaint form", "Name:", "Email address: @", "What happened:",
    "YOUR COMPLAINT", "Email address: a@b.c", "\xa0From:\xa0x", "Content-Type: message/rfc822", "--b",
]
forward_line = st.one_of(st.sampled_from(MARKERS), st.text(max_size=40))
OUTER_TYPES = ["text/plain; charset=utf-8", "multipart/mixed; boundary=b", "message/rfc822", "text/html"]


@RELAXED
@given(
    subject=st.sampled_from(["FW: complaint", "Fwd:", "RE: FW:", "[EXT] Fw:", "", "complaint"]),
    content_type=st.sampled_from(OUTER_TYPES),
    kind=st.sampled_from(["", "redirect"]),
    lines=st.lists(forward_line, max_size=30),
)
def test_arbitrary_text_with_forward_markers(subject, content_type, kind, lines):
    head = f"From: Jane <jane@example.org>\r\nSubject: {subject}\r\nX-Mailbot-Kind: {kind}\r\nContent-Type: {content_type}\r\n"
    message = parse_or_refuse((head + "\r\n" + "\r\n".join(lines)).encode("utf-8", "surrogatepass"))

    if message is not None and message.forwarded is not None:
        assert message.forwarded.sender == message.forwarded.sender.lower()
        assert message.forwarded.layout in {"iopc-form", "attached-message", "gmail", "outlook"}


def test_a_forwarded_automatic_confirmation_is_the_writers_own_mail():
    raw = plain("Fw: Your report to the police - 0412", "Forwarding the confirmation below. Nobody has rung me.\n\n"
                "-----Original Message-----\nFrom: Police Online <noreply@online.police.example>\n"
                "Sent: 16 November 2026 23:48\nTo: jane@example.org\nSubject: Your report\n\n"
                "Thank you for contacting us. Your report has been received.")
    assert parse_message(raw).forwarded is None
