"""Authentication-Results, read only from the configured server, as an optional second proof of a staff reply."""

from __future__ import annotations

from hypothesis import given, strategies as st

from mailbot.cases.threading import staff_claim
from mailbot.outbox.reply_tokens import reply_address, staff_token
from mailbot.parse import parse_message
from mailbot.parse.authentication import authenticated
from mailbot.triage.known import Token

SECRET = b"k" * 32
STAFF = "officer.a@peterborough.gov.uk"
MAILBOX = "democratic.services@peterborough.gov.uk"
OURS = "mx.peterborough.gov.uk"


def _reply(*results: str, sender: str = STAFF) -> bytes:
    to = reply_address(MAILBOX, "PCP-2026-00001", staff_token(SECRET, "PCP-2026-00001", STAFF))
    head = "".join(f"Authentication-Results: {result}\n" for result in results)
    return (f"{head}From: {sender}\nTo: {to}\nSubject: Re: New complaint [PCP-2026-00001]\n"
            "Message-ID: <r1@peterborough.gov.uk>\n\nDear Ms Doe,\n").encode()


def _claim(raw: bytes, authserv_id: str = OURS):
    return staff_claim(SECRET, parse_message(raw), staff=frozenset({STAFF}), own=frozenset({MAILBOX}),
                       authserv_id=authserv_id)


def test_a_dmarc_pass_from_our_own_server_counts():
    claim = _claim(_reply(f"{OURS}; spf=pass smtp.mailfrom=peterborough.gov.uk; "
                          "dkim=pass (2048-bit key) header.d=peterborough.gov.uk; dmarc=pass header.from=peterborough.gov.uk"))
    assert claim.token == Token.VALID and "pass" in claim.why


def test_the_same_result_stamped_by_another_server_does_not_count():
    """Anyone can write the header: only the configured authserv-id is believed."""
    claim = _claim(_reply("mx.attacker.example; dmarc=pass header.from=peterborough.gov.uk"))
    assert claim.token == Token.UNAUTHENTICATED


def test_a_pass_for_another_domain_or_a_fail_does_not_count():
    assert _claim(_reply(f"{OURS}; dkim=pass header.d=example.org")).token == Token.UNAUTHENTICATED
    assert _claim(_reply(f"{OURS}; dmarc=fail header.from=peterborough.gov.uk")).token == Token.UNAUTHENTICATED
    assert _claim(_reply()).token == Token.UNAUTHENTICATED


def test_off_by_default_the_token_alone_counts():
    assert _claim(_reply(), authserv_id="").token == Token.VALID


def test_comments_and_the_signing_identity_are_read():
    headers = (("Authentication-Results", f"{OURS} (Postfix (nested)); dkim=pass (good) "
                                          "header.i=@peterborough.gov.uk header.s=sel"),)
    assert authenticated(headers, OURS, "peterborough.gov.uk") == "dkim=pass header.i=@peterborough.gov.uk"


@given(st.text(max_size=300))
def test_any_header_text_is_read_without_error(text):
    assert authenticated((("Authentication-Results", text),), OURS, "peterborough.gov.uk") in ("", ) or \
        "pass" in authenticated((("Authentication-Results", text),), OURS, "peterborough.gov.uk")


def test_a_huge_header_is_read_in_bounded_time():
    headers = tuple(("Authentication-Results", f"{OURS}; " + "(" * 100_000 + "dkim=pass") for _ in range(1000))
    assert authenticated(headers, OURS, "peterborough.gov.uk") == ""
