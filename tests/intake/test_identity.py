"""What makes two deliveries the same message, for any Message-ID a sender can write, and batches by bytes."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings, strategies as st

from mailbot.intake.batches import FetchLimits, Planned, plan_batches
from mailbot.intake.identity import Digests, dedup_key, identify, message_id_of


def mail(message_id: bytes, body: bytes = b"Hello\r\n", received: bytes = b"by a") -> bytes:
    return (b"Received: " + received + b"\r\nMessage-ID: " + message_id +
            b"\r\nFrom: a@example.org\r\nSubject: s\r\n\r\n" + body)


def test_an_ordinary_message_id_keeps_the_key_it_always_had():
    assert dedup_key(mail(b"<one@example.org>")) == "mid:<one@example.org>"


def test_a_nul_in_the_message_id_gives_a_storable_key():
    raw = mail(b"<a\x00b@example.org>")
    assert message_id_of(raw) == "<a\ufffdb@example.org>"
    assert "\x00" not in dedup_key(raw)


def test_eight_bit_message_ids_are_read_as_utf8_and_bad_bytes_replaced():
    """RFC 6532 allows UTF-8 in headers; a byte that is not UTF-8 (Dovecot's 0x80 for a NUL) becomes U+FFFD."""
    assert message_id_of(mail("<caf\u00e9@example.org>".encode())) == "<caf\u00e9@example.org>"
    assert message_id_of(mail(b"<a\x80b@example.org>")) == "<a\ufffdb@example.org>"
    key = dedup_key(mail(b"<a\x80b\xff@example.org>"))
    key.encode("utf-8")   # no surrogate escapes: any database can store it


def test_long_message_ids_that_share_a_beginning_are_different_keys_that_fit_the_column():
    """The old key cut the Message-ID at 990 characters: two such IDs were one message, the second dropped."""
    start = b"<" + b"x" * 2000
    one, two = dedup_key(mail(start + b"1@example.org>")), dedup_key(mail(start + b"2@example.org>"))
    assert one != two
    assert len(one) <= 1000 and len(identify(mail(start + b"1@example.org>")).variant_key) <= 1000


def test_a_folded_message_id_is_the_same_id():
    assert message_id_of(b"Message-ID:\r\n <x@example.org>\r\n\r\nbody") == "<x@example.org>"


def test_without_message_id_the_body_decides_whatever_the_transport_headers():
    one = b"From: a@example.org\r\nReceived: x\r\n\r\nSame body\r\n"
    two = b"From: a@example.org\r\nReceived: y\r\nX-Other: z\r\n\r\nSame body\r\n"
    assert dedup_key(one) == dedup_key(two) == "body:" + hashlib.sha256(b"Same body\r\n").hexdigest()


def test_the_body_digest_ignores_transport_headers_and_sees_the_body():
    first, again = identify(mail(b"<x@y>")), identify(mail(b"<x@y>", received=b"by b\r\nX-Spam: no"))
    assert first.body_sha256 == again.body_sha256 and first.sha256 != again.sha256
    assert identify(mail(b"<x@y>", body=b"Other\r\n")).body_sha256 != first.body_sha256


def test_only_the_header_block_is_parsed():
    """A Message-ID-like line in the body is not the Message-ID."""
    assert message_id_of(b"From: a@example.org\r\n\r\nMessage-ID: <in-body@x>\r\n") == ""


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([b"a", b"\r", b"\n", b"\r\n", b"\n\n", b"\r\n\r\n", b"x: y"]), max_size=30),
       st.lists(st.integers(min_value=0, max_value=200), max_size=6))
def test_digests_fed_in_chunks_equal_digests_fed_whole(pieces, cuts):
    """Large messages are digested a chunk at a time: a blank line split across chunks must not change the result."""
    raw = b"".join(pieces)
    whole = Digests()
    whole.feed(raw)
    chunked = Digests()
    start = 0
    for cut in sorted(cut for cut in cuts if cut <= len(raw)) + [len(raw)]:
        chunked.feed(raw[start:cut])
        start = cut
    assert (chunked.sha256, chunked.body_sha256, chunked.size) == (whole.sha256, whole.body_sha256, len(raw))


def test_batches_are_bounded_by_count_and_by_bytes_and_keep_their_order():
    limits = FetchLimits(batch_size=3, batch_bytes=100, max_message_bytes=1000)
    sizes = [(1, 10), (2, 10), (3, 10), (4, 10), (5, 60), (6, 60), (7, 500), (8, 10)]
    assert list(plan_batches(sizes, limits)) == [
        Planned([1, 2, 3]), Planned([4, 5]), Planned([6]), Planned([7]), Planned([8])]


def test_a_message_over_the_limit_comes_alone_and_marked():
    limits = FetchLimits(batch_size=10, batch_bytes=100, max_message_bytes=50)
    assert list(plan_batches([(1, 10), (2, 51), (3, 10)], limits)) == [
        Planned([1]), Planned([2], too_large=True), Planned([3])]
