"""A redirect carries the original complaint attached as message/rfc822, byte for byte as it was received."""

from __future__ import annotations

from datetime import datetime, timezone
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from mailbot.outbox.attached_original import wire_form
from mailbot.outbox.compose import compose, needs_8bitmime
from mailbot.kinds import Kind
from mailbot.outbox.message_ids import new_message_id
from mailbot.outbox.templates import Rendered
from mailbot.outbox.transport import SmtpTransport

CORPUS_MAIL = Path(__file__).resolve().parents[1] / "corpus" / "mail"
SECRET = b"compose-test-secret"
WHEN = datetime(2026, 12, 7, 14, 40, tzinfo=timezone.utc)
OPCC = "cambs-pcc@cambs.pnn.police.uk"
PSD = "psd@cambs.pnn.police.uk"
COVER = Rendered("Complaint passed to you by the Office of the Cambridgeshire Police and Crime Commissioner "
                 "[OPCC-2026-00042]", "Dear colleagues,\n\nThe complaint is attached as we received it.\n")

# An 8-bit message as an IMAP server gives it: CRLF line ends, UTF-8 text sent as 8bit, a long header.
EIGHT_BIT = (
    "Return-Path: <sian@example.org>\r\n"
    "From: Siân O’Brien <sian@example.org>\r\n"
    "To: cambs-pcc@cambs.pnn.police.uk\r\n"
    "Subject: Complaint about the Chief Constable’s remarks at the Rotary lunch on 12 November – "
    "please read\r\n"
    "Message-ID: <8bit-0001@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n"
    "Dear Commissioner,\r\n"
    "\r\n"
    "The Chief Constable called us “troublemakers”. Diolch – Siân.\r\n"
    ".\r\n"
    "A line that starts with a dot, and a trailing space \r\n"
).encode("utf-8")


def corpus(name: str) -> bytes:
    return (CORPUS_MAIL / name).read_bytes()


def _compose(attached: bytes | None, *, rendered: Rendered = COVER, **changes) -> bytes:
    arguments = dict(
        kind=Kind.REDIRECT, from_addr=f"Office of the Cambridgeshire PCC <{OPCC}>",
        to=[f"Cambridgeshire Constabulary Professional Standards Department <{PSD}>"],
        reply_to=OPCC, message_id=new_message_id(SECRET, domain="cambs.pnn.police.uk",
                                                  case_ref="OPCC-2026-00042", kind=Kind.REDIRECT,
                                                  nonce="fixednonce"),
        date=WHEN, case_ref="OPCC-2026-00042", attached_message=attached,
    )
    arguments.update(changes)
    return compose(rendered, **arguments)


def attached_bytes(raw: bytes) -> bytes:
    """The body of the message/rfc822 part, sliced out of the composed bytes (no parser re-writes it)."""
    outer = message_from_bytes(raw, policy=policy.compat32)
    delimiter = b"\r\n--" + outer.get_boundary().encode("ascii")
    _preamble, _text, attachment, epilogue = raw.split(delimiter)
    assert epilogue == b"--\r\n"
    headers, body = attachment.removeprefix(b"\r\n").split(b"\r\n\r\n", 1)
    assert b"Content-Type: message/rfc822" in headers
    return body


def _headers(raw: bytes) -> list[tuple[str, str]]:
    return [(name, value) for name, value in message_from_bytes(raw, policy=policy.compat32).items()
            if not name.lower().startswith("content-")]


def test_the_solicitors_complaint_travels_byte_for_byte_with_its_pdf():
    """GIVEN p13 (CRLF, a signed authority as a PDF) WHEN redirected THEN the attachment is its exact bytes."""
    original = corpus("p13-pcc-solicitor-signed-authority.eml")
    assert b"\r\n" in original

    raw = _compose(original)
    message = message_from_bytes(raw, policy=policy.default)

    assert attached_bytes(raw) == original
    assert message.get_content_type() == "multipart/mixed"
    text, attachment = message.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert text.get_content().replace("\r\n", "\n") == COVER.text
    assert attachment.get_content_type() == "message/rfc822"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment["Content-Transfer-Encoding"] == "7bit"
    [inner] = attachment.get_payload()
    received = message_from_bytes(original, policy=policy.default)
    assert inner["Message-ID"] == received["Message-ID"]
    assert inner["Subject"] == received["Subject"]
    [pdf] = [part for part in inner.iter_attachments() if part.get_content_type() == "application/pdf"]
    [expected] = [part for part in received.iter_attachments() if part.get_content_type() == "application/pdf"]
    assert pdf.get_content() == expected.get_content()
    assert pdf.get_content().startswith(b"%PDF")


@pytest.mark.parametrize("name", ["p06-pcc-front-counter-staff.eml", "p25-force-forward-pcc-to-panel.eml",
                                  "p34-cleveland-dse-forward.eml"])
def test_crlf_originals_are_attached_unchanged(name):
    original = corpus(name)

    assert attached_bytes(_compose(original)) == original


def test_an_8bit_original_is_attached_unchanged_and_labelled_8bit():
    raw = _compose(EIGHT_BIT)
    attachment = message_from_bytes(raw, policy=policy.default).get_payload(1)

    assert attached_bytes(raw) == EIGHT_BIT
    assert attachment["Content-Transfer-Encoding"] == "8bit"
    assert needs_8bitmime(raw)
    assert not needs_8bitmime(_compose(None))
    [inner] = attachment.get_payload()
    assert "“troublemakers”" in inner.get_content()


def test_an_lf_original_gets_crlf_line_ends_and_nothing_else():
    """GIVEN a message stored with bare LF (a Maildir file, p38 with 8-bit cp1252) WHEN attached
    THEN only its line ends change, to the CRLF the wire requires."""
    original = corpus("p38-cleveland-html-only-cp1252.eml")
    assert b"\r\n" not in original and not original.isascii()

    raw = _compose(original)

    assert attached_bytes(raw) == original.replace(b"\n", b"\r\n") == wire_form(original)
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert message_from_bytes(raw, policy=policy.default).get_payload(1)["Content-Transfer-Encoding"] == "8bit"


def test_an_original_without_a_final_line_end_keeps_its_last_byte():
    original = corpus("p06-pcc-front-counter-staff.eml").rstrip(b"\r\n")

    assert attached_bytes(_compose(original)) == original


def test_a_line_over_998_octets_is_labelled_binary():
    original = b"From: a@example.org\r\nSubject: long\r\n\r\n" + b"x" * 1200 + b"\r\n"

    raw = _compose(original)

    assert attached_bytes(raw) == original
    assert message_from_bytes(raw, policy=policy.default).get_payload(1)["Content-Transfer-Encoding"] == "binary"


def test_our_headers_are_the_same_with_or_without_the_attachment():
    with_original = _compose(corpus("p13-pcc-solicitor-signed-authority.eml"))
    without = _compose(None)
    parsed = message_from_bytes(with_original, policy=policy.default)

    assert _headers(with_original) == _headers(without)
    assert parsed["X-Mailbot-Kind"] == "redirect"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["X-Mailbot-Case"] == "OPCC-2026-00042"
    assert parsed["Content-Language"] == "en-GB"
    assert message_from_bytes(without, policy=policy.default).get_content_type() == "text/plain"


def test_the_same_inputs_give_the_same_bytes():
    original = corpus("p13-pcc-solicitor-signed-authority.eml")
    html = Rendered(COVER.subject, COVER.text, "<p>The complaint is attached as we received it.</p>\n")

    assert _compose(original) == _compose(original)
    assert _compose(original, rendered=html) == _compose(original, rendered=html)
    assert _compose(EIGHT_BIT) != _compose(original)


def test_text_and_html_come_first_then_the_original():
    original = corpus("p13-pcc-solicitor-signed-authority.eml")
    html = Rendered(COVER.subject, COVER.text, "<p>The complaint is attached as we received it.</p>\n")

    raw = _compose(original, rendered=html)
    alternatives, attachment = message_from_bytes(raw, policy=policy.default).iter_parts()

    assert alternatives.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in alternatives.iter_parts()] == ["text/plain", "text/html"]
    assert attachment.get_content_type() == "message/rfc822"
    assert attached_bytes(raw) == original


def test_the_boundaries_occur_nowhere_in_the_original():
    original = corpus("p13-pcc-solicitor-signed-authority.eml")
    raw = _compose(original)
    outer = message_from_bytes(raw, policy=policy.compat32)

    assert outer.get_boundary().encode("ascii") not in original
    assert raw.count(outer.get_boundary().encode("ascii")) == 4   # Content-Type, before each of 2 parts, the end


def test_an_empty_original_is_refused():
    with pytest.raises(ValueError):
        _compose(b"")


def test_base64_is_never_used_for_the_attached_message():
    """RFC 2046 5.2.1: a message/rfc822 body may only be 7bit, 8bit or binary."""
    raw = _compose(EIGHT_BIT)

    part_headers = raw.split(b"Content-Type: message/rfc822", 1)[1].split(b"\r\n\r\n", 1)[0]
    assert b"Content-Transfer-Encoding: 8bit" in part_headers
    assert b"base64" not in part_headers


def test_the_redirect_reaches_a_real_smtp_server_intact(smtp_server, smtp_settings):
    """GIVEN the composed redirect of p13 WHEN sent through aiosmtpd THEN the server holds the same bytes."""
    original = corpus("p13-pcc-solicitor-signed-authority.eml")
    raw = _compose(original)

    refused = SmtpTransport(smtp_settings).send(OPCC, [PSD], raw)

    [sent] = smtp_server.wait_for(1)
    assert refused == {}
    assert sent.raw == raw, smtp_server.describe()
    assert sent.kind == "redirect"
    assert attached_bytes(sent.raw) == original
