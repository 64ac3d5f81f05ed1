"""No header can stall parse or make it keep memory: every value is read within `limits`, in linear time.

The time bounds are loose (the test machine is shared); each hostile
message took from 10 s to over a minute before its limit existed.
"""

from __future__ import annotations

import gc
import time
import tracemalloc

import pytest

from mailbot.parse import parse_message
from mailbot.parse.limits import MAX_HEADER_CHARS, MAX_HEADER_FIELDS, MAX_PARTS, MAX_REFERENCES
from mailbot.parse.policy import CACHE_CHARS, HEADER_FACTORY

SECONDS = 5.0


def headed(*headers: bytes, body: bytes = b"Hello.") -> bytes:
    return b"\r\n".join([b"From: Jane Doe <jane@example.org>", *headers, b"", body])


def timed_parse(raw: bytes):
    started = time.perf_counter()
    message = parse_message(raw)
    elapsed = time.perf_counter() - started
    assert elapsed < SECONDS, f"parse took {elapsed:.1f} s"
    return message


def test_a_subject_of_200000_encoded_words_is_decoded_up_to_the_limit():
    message = timed_parse(headed(b"Subject: " + b" ".join([b"=?utf-8?q?ab?="] * 200_000)))

    assert message.subject.startswith("abababab")
    assert set(message.subject) == {"a", "b"}   # every word read was decoded, none left raw
    assert f"header Subject longer than {MAX_HEADER_CHARS:,} characters: the rest dropped" in message.defects


def test_a_display_name_of_many_encoded_words_is_decoded():
    message = timed_parse(b"From: " + b" ".join([b"=?utf-8?q?ab?="] * 200_000) + b" <jane@example.org>\r\n\r\nHi")

    assert message.defects   # the header was cut, so the address went with it: named, not silent
    assert message.text == "Hi"


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("a 20 MB Subject line", headed(b"Subject: " + b"a" * 20_000_000)),
        ("a Subject of 5 million short words", headed(b"Subject: " + b"a " * 5_000_000)),
        ("a Content-Type of 100,000 parameters", headed(
            b"Content-Type: text/plain; " + b"; ".join(b"x%d=y" % index for index in range(100_000)))),
        ("a Content-Type of 20,000 RFC 2231 pieces", headed(
            b"Content-Type: text/plain; " + b"; ".join(b"name*%d*=a%%41" % index for index in range(20_000)))),
        ("a Content-Type of semicolons", headed(b"Content-Type: text/plain" + b";" * 2_000_000)),
        ("comments nested 50,000 deep", headed(b"Content-Type: text/plain" + b"(" * 50_000 + b")" * 50_000)),
        ("a To of 100,000 addresses", headed(b"To: " + b", ".join(b"N%d <a%d@example.org>" % (i, i) for i in range(100_000)))),
        ("a Date of 1 MB", headed(b"Date: " + b"Mon " * 250_000)),
    ],
)
def test_hostile_header_values_parse_in_bounded_time(name, raw):
    message = timed_parse(raw)

    assert message.sender == "jane@example.org"
    assert message.text == "Hello."
    assert all(len(value) <= MAX_HEADER_CHARS for _, value in message.headers)


def test_references_keep_the_root_and_the_latest_ids():
    ids = [b"<%d@example.org>" % index for index in range(100_000)]
    message = timed_parse(headed(b"References: " + b"\r\n ".join(ids)))

    assert len(message.references) == MAX_REFERENCES
    assert message.references[0] == "<0@example.org>"
    assert f"more than {MAX_REFERENCES} ids in References: the oldest but the first dropped" in message.defects


def test_thousands_of_header_fields():
    message = timed_parse(headed(*[b"X-Spam-%d: yes" % index for index in range(200_000)], b"Subject: last"))

    assert len(message.headers) == MAX_HEADER_FIELDS
    assert message.subject == ""   # past the limit: not read, and said so
    assert f"more than {MAX_HEADER_FIELDS:,} header fields: the rest not read" in message.defects


def test_a_message_of_more_parts_than_the_limit_stops_there():
    parts = b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % index for index in range(30_000))
    message = timed_parse(headed(b"Content-Type: multipart/mixed; boundary=b", body=parts + b"--b--\r\n"))

    assert message.text.startswith("part 0\n\npart 1\n\n")
    assert f"more than {MAX_PARTS:,} MIME parts: the rest of the message not read" in message.defects


def test_the_header_cache_is_bounded_by_characters_not_entries():
    """GIVEN ten messages with 1 MB parameters THEN the cache keeps nothing of them (it kept 41 MB)."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for index in range(10):
            parameter = (b"%d" % index) * 1_000_000
            parse_message(headed(
                b'Content-Type: text/plain; charset="utf-8"; x-junk="' + parameter + b'"',
                b'Content-Disposition: inline; filename="' + parameter + b'"',
            ))
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()

    assert kept < 5_000_000, f"{kept:,} bytes kept after ten messages"
    assert HEADER_FACTORY.cached_chars <= CACHE_CHARS


def test_many_distinct_short_headers_stay_within_the_cache_bound():
    for index in range(3_000):
        parse_message(headed(b"Content-Type: text/plain; charset=utf-8; x-n=%d%s" % (index, b"z" * 900)))

    assert HEADER_FACTORY.cached_chars <= CACHE_CHARS
