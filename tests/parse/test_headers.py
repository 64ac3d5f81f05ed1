"""Addresses, names, subjects and threading ids, decoded the way people wrote them."""

from __future__ import annotations

from mailbot.parse import parse_message


def headed(*headers: bytes, body: bytes = b"Hello.") -> bytes:
    return b"\r\n".join([*headers, b"", body])


def test_encoded_words_are_decoded():
    message = parse_message(headed(
        b"From: =?utf-8?q?Zo=C3=AB_Ba=C3=B1os?= <Zoe.Banos@Example.ORG>",
        b"Subject: =?iso-8859-1?q?R=E9ponse?= about the =?utf-8?b?4oCcbWVldGluZ+KAnQ==?=",
    ))

    assert message.sender == "zoe.banos@example.org"
    assert message.display_name == "Zoë Baños"
    assert message.subject == "Réponse about the “meeting”"


def test_raw_8bit_headers_are_read_as_utf8_else_windows_1252():
    message = parse_message(headed(
        "From: Zoë Baños <zoe@example.org>".encode(),
        "Subject: I\x92m complaining".encode("latin-1"),
    ))

    assert message.display_name == "Zoë Baños"
    assert message.subject == "I’m complaining"


def test_folded_headers_are_unfolded_and_kept_in_order():
    message = parse_message(headed(
        b"From: jane@example.org",
        b"Subject: a long subject\r\n that was folded",
        b"X-Custom: one",
        b"X-Custom: two",
    ))

    assert message.subject == "a long subject that was folded"
    assert message.headers == (
        ("From", "jane@example.org"),
        ("Subject", "a long subject that was folded"),
        ("X-Custom", "one"),
        ("X-Custom", "two"),
    )
    assert message.header("x-custom") == "one"


def test_address_lists_are_bare_and_lower_case():
    message = parse_message(headed(
        b"From: \"Doe, Jane\" <Jane@Example.org>",
        b"To: A <a@Example.org>, b@example.org",
        b"Cc: C <c@example.org>",
        b"Cc: d@example.org",
        b"Reply-To: Jane at home <JANE.HOME@example.net>",
    ))

    assert message.display_name == "Doe, Jane"
    assert message.to == ("a@example.org", "b@example.org")
    assert message.cc == ("c@example.org", "d@example.org")
    assert message.reply_to == "jane.home@example.net"
    assert message.reply_address == "jane.home@example.net"


def test_threading_ids_keep_their_brackets():
    message = parse_message(headed(
        b"From: jane@example.org",
        b"Message-ID: <abc@example.org>",
        b"In-Reply-To: <ack.PCP-2026-00042.1@peterborough.gov.uk> (Democratic Services's message)",
        b"References: <one@example.org>\r\n <two@example.org>\t<ack.PCP-2026-00042.1@peterborough.gov.uk>",
    ))

    assert message.message_id == "<abc@example.org>"
    assert message.in_reply_to == "<ack.PCP-2026-00042.1@peterborough.gov.uk>"
    assert message.references == (
        "<one@example.org>",
        "<two@example.org>",
        "<ack.PCP-2026-00042.1@peterborough.gov.uk>",
    )


def test_a_bare_message_id_gets_its_brackets():
    message = parse_message(headed(b"From: jane@example.org", b"Message-ID: abc@example.org"))

    assert message.message_id == "<abc@example.org>"


def test_absent_headers_are_empty_and_return_path_none():
    message = parse_message(headed(b"From: jane@example.org"))

    assert message.message_id == ""
    assert message.in_reply_to == ""
    assert message.references == ()
    assert message.subject == ""
    assert message.reply_to == ""
    assert message.return_path is None


CONTROL_CHARACTERS = [chr(code) for code in (*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029)]


def no_control_characters(value: str) -> bool:
    return not any(character in value for character in CONTROL_CHARACTERS)


def test_encoded_line_breaks_never_reach_addresses_names_or_ids():
    """GIVEN encoded words that decode to CR LF and NUL (a header injection when we compose a reply)
    THEN sender, name, reply-to, message-id and references hold no control character."""
    message = parse_message(headed(
        b"From: =?utf-8?q?Jane=0D=0ABcc=3A_victim@example.net=00?= <jane@example.org>",
        b"Reply-To: =?utf-8?b?SmFuZQ0KQmNjOiB4QGV4YW1wbGUubmV0?= <jane.home@example.org>",
        b"Subject: =?utf-8?q?hello=0D=0AX-Injected:_yes?=",
        b"Message-ID: <abc\x00\x01def@example.org>",
        b"In-Reply-To: <one\x0b@example.org>",
        b"References: <r1\x00@example.org> <r2\x1b[31m@example.org>",
    ))

    for value in (message.sender, message.display_name, message.reply_to, message.message_id,
                  message.in_reply_to, *message.references, message.subject, *message.to):
        assert no_control_characters(value), repr(value)
    assert message.display_name == "Jane  Bcc: victim@example.net"
    assert message.sender == "jane@example.org"
    assert message.reply_to == "jane.home@example.org"
    assert message.message_id == "<abcdef@example.org>"
    assert message.references == ("<r1@example.org>", "<r2[31m@example.org>")
    assert message.subject == "hello  X-Injected: yes"


def test_every_header_value_is_one_line():
    message = parse_message(headed(b"From: jane@example.org", b"X-Note: =?utf-8?q?a=0Ab=0Dc=E2=80=A8d?="))

    assert message.header("X-Note") == "a b c d"
