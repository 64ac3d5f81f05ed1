"""Bodies: which part is the text, charset repairs, broken MIME, attachments."""

from __future__ import annotations

import base64

import pytest

from mailbot.parse import parse_message
from tests.parse.conftest import single_part




def multipart(content_type: bytes, *parts: bytes, boundary: bytes = b"XYZ", close: bool = True) -> bytes:
    lines = [
        b"From: Jane Doe <jane@example.org>",
        b"Subject: complaint",
        b"MIME-Version: 1.0",
        b"Content-Type: " + content_type + b'; boundary="' + boundary + b'"',
        b"",
        b"This is a multi-part message in MIME format.",
    ]
    for part in parts:
        lines += [b"--XYZ", part]
    if close:
        lines.append(b"--XYZ--")
    return b"\r\n".join(lines) + b"\r\n"


def test_utf8_labelled_us_ascii_is_read_as_utf8():
    message = parse_message(single_part(b"text/plain; charset=us-ascii", "I’m cross".encode()))

    assert message.text == "I’m cross"
    assert message.defects == ("charset us-ascii relabelled utf-8",)


def test_undecodable_utf8_is_read_as_windows_1252():
    message = parse_message(single_part(b"text/plain; charset=utf-8", b"I\x92m cross \x96 very"))

    assert message.text == "I’m cross – very"
    assert "charset utf-8 undecodable" in message.defects
    assert "read as windows-1252" in message.defects


def test_bytes_no_charset_can_read_are_replaced():
    message = parse_message(single_part(b"text/plain; charset=utf-8", b"bad \x81\x8d\xc3 bytes"))

    assert message.text.startswith("bad ") and message.text.endswith(" bytes")
    assert "\ufffd" in message.text
    assert "undecodable bytes replaced" in message.defects


def test_unknown_charset_label():
    message = parse_message(single_part(b"text/plain; charset=x-no-such-thing", "café".encode()))

    assert message.text == "café"
    assert "unknown charset x-no-such-thing" in message.defects


def test_correct_labels_need_no_repair():
    message = parse_message(single_part(b"text/plain; charset=iso-8859-1", "café".encode("latin-1")))

    assert message.text == "café"
    assert message.defects == ()


def test_base64_body_is_decoded():
    encoded = base64.encodebytes("Dear Sir, I’m writing…".encode())
    message = parse_message(single_part(b"text/plain; charset=utf-8", encoded, encoding=b"base64"))

    assert message.text == "Dear Sir, I’m writing…"


def test_plain_is_preferred_over_html():
    message = parse_message(multipart(
        b"multipart/alternative",
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nThe plain words.",
        b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>The <b>HTML</b> words.</p>",
    ))

    assert message.text == "The plain words."
    assert message.html.strip() == "<p>The <b>HTML</b> words.</p>"


def test_blank_plain_part_gives_way_to_html():
    message = parse_message(multipart(
        b"multipart/alternative",
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n  \r\n",
        b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>First.</p><p>Second.</p>",
    ))

    assert message.text == "First.\n\nSecond."


def test_missing_boundary_parameter_falls_back_to_the_raw_body():
    raw = single_part(b"multipart/mixed", b"Dear Sir,\r\nthe words are all here.\r\n")

    message = parse_message(raw)

    assert message.text == "Dear Sir,\nthe words are all here."
    assert message.defects[0] == "no MIME part matched the boundary: raw body used"


def test_raw_body_fallback_undoes_quoted_printable_the_parts_declare():
    raw = multipart(
        b"multipart/alternative",
        b"Content-Type: text/plain; charset=windows-1252\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\nI=92m writing about a very long=\r\n line.",
        boundary=b"REWRITTEN",
    )

    message = parse_message(raw)

    assert "I’m writing about a very long line." in message.text


def test_attachments_are_named_typed_and_sized():
    pdf = base64.encodebytes(b"%PDF-1.4 " + bytes(range(256)))
    message = parse_message(multipart(
        b"multipart/mixed",
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nSee attached.",
        b'Content-Type: application/pdf; name="a.pdf"\r\nContent-Transfer-Encoding: base64\r\n'
        b'Content-Disposition: attachment; filename="a.pdf"\r\n\r\n' + pdf,
        b"Content-Type: image/png\r\nContent-Disposition: attachment\r\n\r\nPNGDATA",
        b"Content-Type: text/plain; name*=utf-8''r%C3%A9sum%C3%A9.txt\r\n\r\nnotes",
    ))

    assert message.text == "See attached."
    assert [(a.filename, a.content_type, a.size) for a in message.attachments] == [
        ("a.pdf", "application/pdf", 265),
        ("attachment.png", "image/png", 7),
        ("résumé.txt", "text/plain", 5),
    ]


def test_attached_message_without_subject_or_filename():
    message = parse_message(multipart(
        b"multipart/mixed",
        b"Content-Type: text/plain\r\n\r\nForwarded.",
        b"Content-Type: message/rfc822\r\n\r\nFrom: someone@example.org\r\n\r\nInner words.",
    ))

    [attached] = message.attachments
    assert attached.filename == "message.eml"
    assert "Inner words" not in message.text


@pytest.mark.parametrize("close", [True, False])
def test_an_unclosed_multipart_is_still_read(close):
    message = parse_message(multipart(
        b"multipart/alternative",
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nStill here.",
        close=close,
    ))

    assert message.text == "Still here."
    assert ("closing MIME boundary missing" in message.defects) is not close
