"""Reading the project's copy of the corpus mail for the parse tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailbot.parse import parse_message
from mailbot.parse.message import Message

CORPUS_MAIL = Path(__file__).resolve().parents[1] / "corpus" / "mail"
CORPUS_FILES = sorted(CORPUS_MAIL.glob("*.eml"))


def corpus_bytes(stem: str) -> bytes:
    """The bytes of one corpus mail, named by the start of its file name ("p36")."""
    matches = [path for path in CORPUS_FILES if path.name.startswith(stem)]
    assert len(matches) == 1, f"{stem!r} names {len(matches)} corpus files"
    return matches[0].read_bytes()


def single_part(content_type: bytes, body: bytes, *headers: bytes, encoding: bytes = b"8bit") -> bytes:
    """A one-part message from Jane Doe with this Content-Type, extra header lines and body."""
    return b"\r\n".join([
        b"From: Jane Doe <jane@example.org>",
        b"Subject: complaint",
        *headers,
        b"MIME-Version: 1.0",
        b"Content-Type: " + content_type,
        b"Content-Transfer-Encoding: " + encoding,
        b"",
        body,
    ])


def with_line_ends(raw: bytes, line_end: bytes) -> bytes:
    """The same mail with every line ending made `line_end` (the corpus mixes LF and CRLF)."""
    return raw.replace(b"\r\n", b"\n").replace(b"\n", line_end)


@pytest.fixture
def corpus():
    """corpus("p13") parses that corpus mail, as delivered over IMAP (CRLF)."""

    def parse(stem: str) -> Message:
        return parse_message(with_line_ends(corpus_bytes(stem), b"\r\n"))

    return parse
