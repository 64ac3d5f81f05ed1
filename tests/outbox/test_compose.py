"""Composing: the headers INTERFACE.md promises, exactly, and the same bytes every time."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from email import message_from_bytes, policy
from email.utils import formataddr

import pytest

from mailbot.outbox.compose import compose, envelope_recipients
from mailbot.kinds import Kind
from mailbot.outbox.message_ids import new_message_id
from mailbot.outbox.templates import Rendered

SECRET = b"compose-test-secret"
WHEN = datetime(2026, 11, 23, 10, 20, tzinfo=timezone.utc)
THEIR_ID = "<AM0PR01MB1234567890ABCDEF1234567890ABCDEF@AM0PR01MB1234.eurprd01.prod.exchangelabs.com>"


def _compose(**changes):
    message_id = new_message_id(SECRET, domain="peterborough.gov.uk", case_ref="PCP-2026-00042",
                                kind=Kind.ACKNOWLEDGEMENT, nonce="fixednonce")
    arguments = dict(
        kind=Kind.ACKNOWLEDGEMENT,
        from_addr="Cambridgeshire Police and Crime Panel <democratic.services@peterborough.gov.uk>",
        to=["Jane Doe <jane.doe@example.org>"], cc=[],
        reply_to="democratic.services@peterborough.gov.uk",
        message_id=message_id, date=WHEN, case_ref="PCP-2026-00042",
        in_reply_to=THEIR_ID, references=[THEIR_ID],
    )
    rendered = changes.pop("rendered", Rendered("We have received your complaint [PCP-2026-00042]",
                                                "Dear Jane Doe,\n\nThank you.\n"))
    arguments.update(changes)
    return compose(rendered, **arguments), arguments


def _parse(raw: bytes):
    return message_from_bytes(raw, policy=policy.default)


def _content(part) -> str:
    return part.get_content().replace("\r\n", "\n")


def test_headers_are_present_and_exact():
    raw, arguments = _compose(cc=["officer.a@peterborough.gov.uk"])
    message = _parse(raw)

    assert message["From"] == "Cambridgeshire Police and Crime Panel <democratic.services@peterborough.gov.uk>"
    assert message["To"] == "Jane Doe <jane.doe@example.org>"
    assert message["Cc"] == "officer.a@peterborough.gov.uk"
    assert message["Reply-To"] == "democratic.services@peterborough.gov.uk"
    assert message["Subject"] == "We have received your complaint [PCP-2026-00042]"
    assert message["Date"] == "Mon, 23 Nov 2026 10:20:00 +0000"
    assert message["Message-ID"] == arguments["message_id"]
    assert message["In-Reply-To"] == THEIR_ID
    assert message["References"] == THEIR_ID
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["X-Mailbot-Kind"] == "acknowledgement"
    assert message["X-Mailbot-Case"] == "PCP-2026-00042"
    assert message["X-Auto-Response-Suppress"] == "OOF, AutoReply"
    assert message["Content-Language"] == "en-GB"
    assert message["Precedence"] is None
    assert message["Bcc"] is None
    assert message.get_content_type() == "text/plain"
    assert _content(message) == "Dear Jane Doe,\n\nThank you.\n"


def test_every_line_ends_in_crlf():
    raw, _ = _compose()

    assert b"\n" not in raw.replace(b"\r\n", b"")


@pytest.mark.parametrize("kind", list(Kind))
def test_auto_submitted_by_kind(kind):
    raw, _ = _compose(kind=kind)

    expected = "auto-replied" if kind.answers_a_message else "auto-generated"
    assert _parse(raw)["Auto-Submitted"] == expected
    assert _parse(raw)["X-Mailbot-Kind"] == kind.value


def test_no_case_header_without_a_case_and_no_threading_headers_when_not_an_answer():
    raw, _ = _compose(kind=Kind.ALERT, case_ref=None, in_reply_to=None, references=[], reply_to=None)
    message = _parse(raw)

    assert message["X-Mailbot-Case"] is None
    assert message["In-Reply-To"] is None and message["References"] is None
    assert message["Reply-To"] is None


def test_the_same_inputs_give_the_same_bytes():
    html = Rendered("Subject", "Text version\n", "<p>HTML version</p>\n")

    assert _compose()[0] == _compose()[0]
    assert _compose(rendered=html)[0] == _compose(rendered=html)[0]


def test_text_and_html_as_alternatives():
    raw, _ = _compose(rendered=Rendered("Subject", "Text version\n", "<p>HTML version</p>\n"))
    message = _parse(raw)

    assert message.get_content_type() == "multipart/alternative"
    assert _content(message.get_body(("plain",))) == "Text version\n"
    assert _content(message.get_body(("html",))) == "<p>HTML version</p>\n"


def test_non_ascii_names_and_subjects_are_encoded_and_read_back():
    subject = "Plainte reçue – Siân’s complaint about the ‘meeting’ [PCP-2026-00042]"
    raw, _ = _compose(to=['"O\'Brien, Siân" <sian@example.org>'],
                      rendered=Rendered(subject, "Dear Siân,\n\nDiolch – thank you.\n"))
    message = _parse(raw)

    raw.decode("ascii")  # nothing 8-bit on the wire
    assert message["Subject"] == subject
    assert message["To"].addresses[0].display_name == "O'Brien, Siân"
    assert message["To"].addresses[0].addr_spec == "sian@example.org"
    assert _content(message) == "Dear Siân,\n\nDiolch – thank you.\n"


def test_long_message_ids_stay_whole():
    """GIVEN References longer than a line WHEN composed THEN each id is written whole, never encoded."""
    ours = new_message_id(SECRET, domain="democratic-services.peterborough.gov.uk",
                          case_ref="PCP-2026-00042", kind=Kind.COMPLAINANT_REMINDER)
    references = [THEIR_ID, ours, "<short@example.org>"]
    raw, _ = _compose(message_id=ours, in_reply_to=ours, references=references)
    message = _parse(raw)
    header_block = raw.split(b"\r\n\r\n", 1)[0]

    assert b"=?" not in header_block.split(b"Subject:")[0] + header_block.split(b"Message-ID:")[1]
    assert message["Message-ID"] == ours
    assert message["In-Reply-To"] == ours
    assert message["References"].split() == references


def test_extra_headers_are_added_but_cannot_replace_ours():
    raw, _ = _compose(extra_headers={"X-Mailbot-Token": "abc"})
    assert _parse(raw)["X-Mailbot-Token"] == "abc"

    with pytest.raises(ValueError):
        _compose(extra_headers={"Auto-Submitted": "no"})


def test_refuses_a_naive_date_and_a_bad_address():
    with pytest.raises(ValueError):
        _compose(date=datetime(2026, 11, 23, 10, 20))
    with pytest.raises(ValueError):
        _compose(to=["not an address"])


@pytest.mark.parametrize("written,name,address", [
    (formataddr(("Siân O'Brien", "sian@example.org")), "Siân O'Brien", "sian@example.org"),   # RFC 2047 encoded
    ('"Doe, Jane" <jane@example.org>', "Doe, Jane", "jane@example.org"),
    ("Cleveland Office of the PCC, Resolution Team <resolution.team@cleveland-opcc.example>",
     "Cleveland Office of the PCC, Resolution Team", "resolution.team@cleveland-opcc.example"),
    ("democratic.services+t0ken@peterborough.gov.uk", "", "democratic.services+t0ken@peterborough.gov.uk"),
])
def test_addresses_as_callers_write_them(written, name, address):
    raw, _ = _compose(from_addr=written, to=[written])
    message = _parse(raw)

    for header in ("From", "To"):
        [parsed] = message[header].addresses
        assert (parsed.display_name, parsed.addr_spec) == (name, address)


def test_envelope_recipients_are_exactly_to_and_cc():
    assert envelope_recipients(["Jane Doe <jane.doe@example.org>"], ["officer.a@peterborough.gov.uk"]) == [
        "jane.doe@example.org", "officer.a@peterborough.gov.uk"]


@pytest.mark.parametrize("subject", [
    "We need a little more information about your complaint [PCP-2026-00005]",      # fits on a line of its own
    "Complaint passed to you by the Cleveland Office of the Police and Crime Commissioner, Resolution Team "
    "[CLV-2026-00004]: Injured during my arrest on Saturday",
])
def test_a_long_subject_is_folded_between_words_and_reads_back_without_a_leading_space(subject):
    raw, _ = _compose(rendered=Rendered(subject, "Hello.\n"))
    header_block = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    folded = re.search(r"^Subject:[^\r\n]*(?:\r\n[ \t][^\r\n]*)*", header_block, re.MULTILINE)[0].split("\r\n")

    assert folded[0].startswith("Subject: " + subject.split()[0] + " "), folded
    assert len(folded) > 1 and all(len(line) <= 78 for line in folded), folded
    assert _parse(raw)["Subject"] == subject


def test_a_non_ascii_address_is_written_in_utf8_never_as_an_encoded_word():
    """RFC 6532: an address may hold UTF-8, an RFC 2047 encoded word may not stand in an address."""
    raw, _ = _compose(to=["Jos\u00e9 Mart\u00ednez <jos\u00e9\u00b7m@example.org>"])

    to_line = next(line for line in raw.split(b"\r\n") if line.startswith(b"To:"))
    assert "jos\u00e9\u00b7m@example.org".encode() in to_line and b"=?" not in to_line
    assert to_line.decode("utf-8") == "To: Jos\u00e9 Mart\u00ednez <jos\u00e9\u00b7m@example.org>"


def test_a_received_message_id_that_cannot_be_written_is_left_out_of_the_threading_headers():
    """A sender's Message-ID with 8-bit bytes (Dovecot's 0x80 for a NUL) must not make the answer unwritable."""
    raw, _ = _compose(in_reply_to="<nul\udc80id@example.org>",
                      references=["<root@example.org>", "<nul\udc80id@example.org>", "<with space@x>"])

    message = _parse(raw)
    assert message["In-Reply-To"] is None
    assert str(message["References"]) == "<root@example.org>"
