"""The corpus mail, read as triage will see it."""

from __future__ import annotations

import pytest

from mailbot.parse import parse_message
from tests.parse.conftest import CORPUS_FILES, with_line_ends

MOJIBAKE = ("\ufffd", "â€", "Ã", "\x92", "\x93", "\x94", "\x96")


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda path: path.stem)
@pytest.mark.parametrize("line_end", [b"\n", b"\r\n"], ids=["lf", "crlf"])
def test_every_corpus_mail_has_a_sender_and_text(path, line_end):
    message = parse_message(with_line_ends(path.read_bytes(), line_end))

    assert message.sender and "@" in message.sender
    assert message.sender == message.sender.lower()
    assert message.text.strip()
    assert "\r" not in message.text


def test_plain_complaint_p01(corpus):
    message = corpus("p01")

    assert message.sender == "m.holloway@example.org"
    assert message.display_name == "Margaret Holloway"
    assert message.subject == "Complaint about the Police and Crime Commissioner"
    assert message.message_id == "<20261116101149.7f3a2c91@example.org>"
    assert message.to == ("democratic.services@peterborough.gov.uk",)
    assert message.date_header == "Mon, 16 Nov 2026 10:11:49 +0000"
    assert message.return_path == "m.holloway@example.org"
    assert message.header("user-agent") == "Roundcube Webmail/1.6.9"
    assert message.text.startswith("Dear Senior Democratic Services Officer,")
    assert message.text.endswith("Tel. 07700 900318")
    assert not message.automatic.any
    assert message.defects == ()


def test_html_only_p11_is_reduced_to_text(corpus):
    message = corpus("p11")

    assert message.display_name == "Ryan O'Connell"
    assert "singling out a member of the public" in message.text
    assert "“a small number of serial troublemakers”" in message.text
    assert "Ryan O’Connell" in message.text
    assert "<" not in message.text and "&rdquo;" not in message.text
    assert "\n\n" in message.text, "paragraph breaks are kept"
    assert message.html.startswith("<html>")


def test_solicitor_p13_has_the_signed_authority(corpus):
    message = corpus("p13")

    assert [(a.filename, a.content_type, a.size) for a in message.attachments] == [
        ("signed-authority.pdf", "application/pdf", 946)
    ]
    assert "We enclose a form of authority" in message.text


def test_out_of_office_p17_is_auto_replied(corpus):
    signals = corpus("p17-pcc-out").automatic

    assert signals.auto_submitted == "auto-replied"
    assert signals.any


def test_bounce_p18_is_a_delivery_report(corpus):
    message = corpus("p18")

    assert message.return_path == ""
    assert message.automatic.null_return_path
    assert "report-type=delivery-status" in message.automatic.delivery_report
    assert message.sender == "mailer-daemon@mx2.peterborough.gov.uk"
    assert "could not" in message.text
    assert message.attachments == ()


def test_newsletter_p19_is_a_bulk_list(corpus):
    message = corpus("p19")

    assert "weekly.policingmatters.example.com" in message.automatic.list_id
    assert message.automatic.precedence == "bulk"
    assert message.reply_to == "editor@policingmatters.example.com"
    assert message.text.startswith("POLICING MATTERS WEEKLY"), "the plain part is preferred"


def test_iopc_form_p23_is_recorded_as_auto_generated(corpus):
    message = corpus("p23")

    assert message.automatic.auto_submitted == "auto-generated"
    assert "Name: Paul Ridley" in message.text


def test_dse_forward_p34_carries_the_original_as_an_attached_message(corpus):
    message = corpus("p34")

    [attached] = message.attachments
    assert attached.content_type == "message/rfc822"
    assert attached.filename == "Complaint - no update on my burglary.eml"
    assert attached.size > 900
    assert "Please find attached" in message.text
    assert "Samira" not in message.text, "the attached message is not the body"


def test_mislabelled_windows_1252_p36_reads_right(corpus):
    message = corpus("p36")

    assert "I’m writing to complain" in message.text
    assert "“do a crime prevention visit”" in message.text
    assert "16 October, 2 November and 23 November – and" in message.text
    assert not any(bad in message.text for bad in MOJIBAKE)
    assert "charset us-ascii relabelled windows-1252" in message.defects
    assert "closing MIME boundary missing" in message.defects


def test_rewritten_boundary_p37_falls_back_to_the_raw_body(corpus):
    message = corpus("p37")

    assert "My bike was stolen from outside Redcar leisure centre on 14 November." in message.text
    assert "I'd like someone to explain what happened to my\nreport." in message.text
    assert "Kath Dobson" in message.text
    assert "no MIME part matched the boundary: raw body used" in message.defects
    assert message.sender == "k.dobson1983@example.net"
    assert message.display_name == ""


def test_html_only_cp1252_p38_reads_right(corpus):
    message = corpus("p38")

    assert "He wouldn’t look at it" in message.text
    assert "“turn round or get nicked”" in message.text
    assert "my two children… then laughed" in message.text
    assert "an apology – and for someone" in message.text
    assert not any(bad in message.text for bad in MOJIBAKE)
    assert "<p>" not in message.text and "font-family" not in message.text
    assert "charset iso-8859-1 relabelled windows-1252" in message.defects
