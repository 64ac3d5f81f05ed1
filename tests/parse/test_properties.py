"""Whatever bytes arrive, parse gives a Message or UnreadableMail, and nothing else.

A Message is also always storable: every string in it is valid Unicode with
no NUL (PostgreSQL refuses both).
"""

from __future__ import annotations

import dataclasses
import unicodedata
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailbot.errors import UnreadableMail
from mailbot.parse import parse_message
from mailbot.parse.message import Message
from tests.parse.conftest import CORPUS_FILES

HEADER_NAMES = [
    "From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID", "In-Reply-To",
    "References", "Return-Path", "Auto-Submitted", "Precedence", "List-Id",
    "Content-Type", "Content-Transfer-Encoding", "Content-Disposition", "X-Mailbot-Kind",
]
CONTENT_TYPES = [
    "text/plain", "text/html", "multipart/mixed; boundary=b", "multipart/alternative; boundary=b",
    "multipart/report; report-type=delivery-status; boundary=b", "message/rfc822",
    "multipart/related; boundary=b", "text/plain; charset=utf-7", "text/plain; charset=base64",
    "application/octet-stream; name=x", 'multipart/mixed; boundary=""',
]
RELAXED = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse_or_refuse(raw: bytes) -> Message | None:
    try:
        message = parse_message(raw)
    except UnreadableMail:
        return None
    assert isinstance(message, Message)
    for text in strings_in(message):
        text.encode("utf-8")
        assert "\x00" not in text
    return message


def strings_in(value):
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value):
        for item in dataclasses.fields(value):
            yield from strings_in(getattr(value, item.name))
    elif isinstance(value, tuple):
        for item in value:
            yield from strings_in(item)


@RELAXED
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(raw):
    parse_or_refuse(raw)


header_value = st.one_of(
    st.text(max_size=80),
    st.sampled_from(CONTENT_TYPES),
    st.sampled_from(["<>", "no", "auto-replied", "base64", "quoted-printable", "=?utf-8?q?=C3?=",
                     "=?x-bad?b?////?=", "a@b", "<a@b>, (c) <", '"\\'])
)
header_line = st.tuples(st.sampled_from(HEADER_NAMES), header_value)
body_line = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["--b", "--b--", "Content-Type: text/html", "Content-Transfer-Encoding: base64",
                     "Content-Type: multipart/mixed; boundary=c", "--c", "", "=92=93", "<p>hi</p>"]),
)
encoding = st.sampled_from(["utf-8", "cp1252", "latin-1"])


@RELAXED
@given(st.lists(header_line, max_size=12), st.lists(body_line, max_size=20), encoding, encoding)
def test_well_formed_headers_with_arbitrary_values(headers, body, header_encoding, body_encoding):
    head = "".join(f"{name}: {value}\r\n" for name, value in headers)
    raw = head.encode(header_encoding, "replace") + b"\r\n" + "\r\n".join(body).encode(body_encoding, "replace")
    parse_or_refuse(raw)


CORPUS = [path.read_bytes() for path in CORPUS_FILES]
edit = st.tuples(
    st.floats(min_value=0, max_value=1, exclude_max=True),
    st.integers(min_value=0, max_value=12),
    st.sampled_from([b"", b"\n", b"\r\n", b"--", b"=", b"=?utf-8?b?", b"?=", b"<", b">", b"(", b'"',
                     b";", b":", b"\x00", b"\x01", b"\xff", b"\x92", b"*=", b"'", b"%", b"\\"]),
)


@RELAXED
@given(st.sampled_from(CORPUS), st.lists(edit, min_size=1, max_size=8))
def test_damaged_corpus_mail(original, edits):
    """Real mail with a few bytes cut or spliced in, where parsers break."""
    raw = bytearray(original)
    for where, cut, splice in edits:
        position = int(where * len(raw))
        raw[position:position + cut] = splice
    parse_or_refuse(bytes(raw))


words = st.text(
    alphabet=st.characters(whitelist_categories=("L", "N", "P", "S"), blacklist_characters='"\\<>()[]@,;:'),
    min_size=1,
    max_size=12,
)
sentences = st.lists(words, min_size=1, max_size=8).map(" ".join)


@RELAXED
@given(name=sentences, subject=sentences, paragraphs=st.lists(sentences, min_size=1, max_size=5))
def test_what_a_mail_client_writes_reads_back(name, subject, paragraphs):
    """GIVEN a message as the stdlib writes one (encoded words, chosen transfer encoding)
    THEN parse reads back the same sender, name, subject and text."""
    body = "\n".join(paragraphs)
    written = EmailMessage()
    written["From"] = Address(display_name=name, addr_spec="Jane.Doe@Example.org")
    written["To"] = "democratic.services@peterborough.gov.uk"
    written["Subject"] = subject
    written.set_content(body)

    message = parse_or_refuse(written.as_bytes(policy=SMTP))

    assert message is not None
    assert message.sender == "jane.doe@example.org"
    assert same_words(message.display_name, name)
    assert same_words(message.subject, subject)
    assert message.text == body.strip()


def same_words(read: str, written: str) -> bool:
    """Equal but for white space, which the stdlib's header folder can drop
    between two encoded words (its own reader then loses it too)."""
    squeeze = lambda text: "".join(unicodedata.normalize("NFC", text).split())  # noqa: E731
    return squeeze(read) == squeeze(written)
