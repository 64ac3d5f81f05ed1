"""Real-world mail read as its writer meant: each class that was read wrongly, on mail of our own making.

Superset charsets (bodies and encoded words), damaged encoded words,
Apple Mail's split text, lost header indentation, banner lines above the
headers, addresses ending in a dot, and HTML spacing.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from mailbot.errors import UnreadableMail
from mailbot.parse import parse_message
from tests.parse.conftest import single_part

FIXTURES = Path(__file__).parent / "fixtures"




def encoded_word(charset: str, data: bytes) -> bytes:
    return b"=?" + charset.encode() + b"?b?" + base64.b64encode(data) + b"?="


# (label, codec a mail client writes with, text only the superset holds)
SUPERSETS = [
    ("gb2312", "gbk", "朱镕基 投诉"),
    ("GB2312", "gbk", "陶喆"),
    ("ks_c_5601-1987", "cp949", "똠방각하 햏"),
    ("euc-kr", "cp949", "뷁"),
    ("shift_jis", "cp932", "①番 ㈱日本"),
    ("big5", "big5hkscs", "嘅 投訴"),
    ("windows-874", "cp874", "สวัสดี"),
]


@pytest.mark.parametrize(("label", "codec", "text"), SUPERSETS)
def test_bodies_are_read_with_the_superset_of_their_label(label, codec, text):
    message = parse_message(single_part(f"text/plain; charset={label}".encode(), text.encode(codec)))

    assert message.text == text
    assert message.defects == ()


@pytest.mark.parametrize(("label", "codec", "text"), SUPERSETS)
def test_encoded_words_are_read_with_the_superset_of_their_label(label, codec, text):
    message = parse_message(b"\r\n".join([
        b"From: " + encoded_word(label, text.encode(codec)) + b" <jane@example.org>",
        b"Subject: " + encoded_word(label, text.encode(codec)),
        b"",
        b"Hello.",
    ]))

    assert message.subject == text
    assert message.display_name == text


def iso2022_jp_as_windows_writes_it() -> bytes:
    """"①番の㈱" as Outlook writes ISO-2022-JP (CP50221): NEC row 13 inside ESC $ B."""
    return b"\x1b$B-!HV$N-j\x1b(B"


def test_iso_2022_jp_with_windows_extensions_in_a_body_and_a_subject():
    raw = iso2022_jp_as_windows_writes_it()
    message = parse_message(single_part(
        b"text/plain; charset=iso-2022-jp", raw, b"X-Note: " + encoded_word("ISO-2022-JP", raw), encoding=b"7bit"
    ))

    assert message.text == "①番の㈱"
    assert message.header("X-Note") == "①番の㈱"
    assert message.defects == ()


def test_iso_2022_jp_half_width_kana():
    message = parse_message(single_part(b"text/plain; charset=iso-2022-jp", b"\x1b(I1\x1b(B ok", encoding=b"7bit"))

    assert message.text == "ｱ ok"


def test_utf8_text_under_a_latin1_label_is_read_as_utf8():
    message = parse_message(single_part(b"text/plain; charset=iso-8859-1", "Café “quoted”".encode()))

    assert message.text == "Café “quoted”"
    assert message.defects == ("charset iso-8859-1 relabelled utf-8",)


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        (b"=?utf-8?b?SmFuZSBEb2U?=", "Jane Doe"),                 # padding left out
        (b"=?utf-8?b?SmFuZSBEb2U===?=", "Jane Doe"),              # padding too long
        (b"=?utf-8?b?SmFuZSBEb2UK?=", "Jane Doe"),                # a stray last character
        (b"=?utf-8?q?Zo=E9_Ba=F1os?=", "Zoé Baños"),              # labelled UTF-8, written windows-1252
        (b"=?iso-8859-1?q?Zo=C3=A9?=", "Zoé"),                    # labelled latin-1, written UTF-8
        (b"=?x-unknown?q?Zo=C3=A9?=", "Zoé"),                     # a label nobody knows
        (b'"=?utf-8?q?Zo=C3=A9?="', "Zoé"),                       # quoted, as some clients write it
        (b"=?utf-8?b?Wm/D?= =?utf-8?b?qQ==?=", "Zoé"),            # a character split across two words
    ],
)
def test_damaged_encoded_display_names_are_decoded(written, meant):
    message = parse_message(b"From: " + written + b" <zoe@example.org>\r\n\r\nHello.")

    assert message.display_name == meant
    assert message.sender == "zoe@example.org"


def test_text_split_around_inline_attachments_is_read_whole():
    """GIVEN Apple Mail's text, picture, text, document, text THEN all three texts, in order."""
    message = parse_message((FIXTURES / "apple-mail-split-text.eml").read_bytes())

    assert message.text == (
        "Dear Commissioner,\n\nHere is the photograph of the car:"
        "\n\nAnd here is the letter the officer gave me."
        "\n\nI would like this looked into.\n\nMaria"
    )
    assert [attachment.filename for attachment in message.attachments] == ["IMG_0042.jpeg", "letter.pdf"]


def test_the_html_of_a_split_message_is_read_whole_too():
    def part(content_type, body, disposition=b""):
        return b"Content-Type: " + content_type + b"\r\n" + disposition + b"\r\n" + body

    raw = b"\r\n".join([
        b"From: Maria <maria@example.org>",
        b'Content-Type: multipart/mixed; boundary="m"',
        b"",
        b"--m",
        part(b"text/html; charset=utf-8", b"<p>First words.</p>"),
        b"--m",
        part(b"image/png; name=a.png", b"PNG", b"Content-Disposition: inline; filename=a.png\r\n"),
        b"--m",
        part(b"text/html; charset=utf-8", b"<p>Last words.</p>"),
        b"--m--",
        b"",
    ])

    message = parse_message(raw)

    assert message.text == "First words.\n\nLast words."
    assert [attachment.filename for attachment in message.attachments] == ["a.png"]


def test_header_lines_that_lost_their_indentation_stay_in_their_header():
    raw = b"\r\n".join([
        b"Subject: A complaint about the conduct of an officer at the",
        b"station on the night of 3 May",
        b"From: Jane Doe <jane@example.org>",
        b"To: complaints@example.gov.uk",
        b"",
        b"The words.",
    ])

    message = parse_message(raw)

    assert message.subject == "A complaint about the conduct of an officer at the station on the night of 3 May"
    assert message.sender == "jane@example.org"
    assert message.text == "The words."
    assert "header continuation line(s) without indentation joined to their header" in message.defects


def test_a_body_that_lost_its_blank_line_is_not_joined_to_the_headers():
    raw = b"From: Jane Doe <jane@example.org>\r\nSubject: hello\r\nThe words begin here.\r\n\r\nMore words."

    message = parse_message(raw)

    assert message.subject == "hello"
    assert message.text.startswith("The words begin here.")


@pytest.mark.parametrize(
    "banner",
    [
        b"From jane@example.org Mon May  4 10:00:00 2026\r\n>From someone else\r\n",
        b"This message was scanned by the Acme gateway\r\n",
        b"\r\n",
        b">From jane@example.org\r\n",
    ],
)
def test_banner_lines_before_the_headers_are_skipped(banner):
    raw = banner + b"From: Jane Doe <jane@example.org>\r\nSubject: hello\r\n\r\nThe words."

    message = parse_message(raw)

    assert message.sender == "jane@example.org"
    assert message.subject == "hello"
    assert message.text == "The words."


def test_a_banner_needs_real_headers_below_it():
    raw = b"Dear Sir,\r\nNote: this is not a header block\r\n\r\nThe words."

    with pytest.raises(UnreadableMail, match="no mail headers"):
        parse_message(raw)


@pytest.mark.parametrize(
    ("written", "name", "address"),
    [
        (b"Jane Doe <jane.doe@example.org.>", "Jane Doe", "jane.doe@example.org"),
        (b"jane.doe@example.org.", "", "jane.doe@example.org"),
        (b'"Doe, Jane" <jane@example.org. >', "Doe, Jane", "jane@example.org"),
        (b"jane@example.org. (Jane Doe)", "Jane Doe", "jane@example.org"),
    ],
)
def test_an_address_ending_in_a_dot_keeps_address_and_name(written, name, address):
    message = parse_message(b"From: " + written + b"\r\nTo: a@example.gov.uk., b@example.gov.uk\r\n\r\nHi.")

    assert (message.display_name, message.sender) == (name, address)
    assert message.to == ("a@example.gov.uk", "b@example.gov.uk")


@pytest.mark.parametrize(
    ("html", "text"),
    [
        (b'<p><b>Von:</b> "Martin M\xc3\xbcller" &lt;m@example.de&gt;</p>', 'Von: "Martin Müller" <m@example.de>'),
        (b"<div><span>5a</span><span>H</span><span>w5</span></div>", "5aHw5"),
        (b"<p>The <b>car</b>, a <i>blue</i> one.</p>", "The car, a blue one."),
        (b"<b>Von:</b>&nbsp;Martin", "Von: Martin"),
        (b"<table><tr><td>Name:</td><td>Jane</td></tr><tr><td>Ref:</td><td>42</td></tr></table>",
         "Name:\tJane\nRef:\t42"),
        (b"one<br>two<div>three</div>four", "one\ntwo\nthree\nfour"),
        (b'<p style="display: none">preview text</p><p>Seen.</p><!-- x -->', "Seen."),
        (b"<head><title>Mail</title><style>p {}</style></head><p>Body.</p>", "Body."),
        (b"<pre>  two\n  lines</pre>", "two\n  lines"),
    ],
)
def test_html_reads_as_a_browser_shows_it(html, text):
    message = parse_message(single_part(b"text/html; charset=utf-8", html))

    assert message.text == text
