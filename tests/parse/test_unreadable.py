"""What parse refuses (UnreadableMail, to be quarantined) and what it still reads."""

from __future__ import annotations

import pytest

from mailbot.errors import UnreadableMail
from mailbot.parse import parse_message


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b" \r\n\r\n\t", "empty"),
        (b"just some words, no headers at all", "no mail headers"),
        (b"\x00\xff\xfe\x89PNG binary", "no mail headers"),
        (b"Subject: nothing else\r\n\r\n", "no From address and no readable text"),
    ],
)
def test_nothing_readable_is_unreadable(raw, reason):
    with pytest.raises(UnreadableMail, match=reason):
        parse_message(raw)


def test_not_bytes_at_all_is_unreadable_too():
    with pytest.raises(UnreadableMail):
        parse_message(None)  # type: ignore[arg-type]


def test_text_without_a_sender_is_still_read():
    message = parse_message(b"Subject: hello\r\n\r\nA complaint with no From line.")

    assert message.sender == ""
    assert message.text == "A complaint with no From line."


def test_a_sender_without_text_is_still_read():
    message = parse_message(b"From: jane@example.org\r\nSubject: see attached\r\n\r\n")

    assert message.sender == "jane@example.org"
    assert message.text == ""


def test_bytearray_input_is_accepted():
    assert parse_message(bytearray(b"From: jane@example.org\r\n\r\nhi")).text == "hi"
