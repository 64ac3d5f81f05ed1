"""Staff reply tokens: made with the secret, tied to one case and one address, carried in two headers, never forged."""

from __future__ import annotations

import hmac
import string

import pytest
from hypothesis import given, settings, strategies as st

from mailbot.kinds import Kind
from mailbot.outbox import reply_tokens
from mailbot.outbox.message_ids import new_message_id, verify
from mailbot.outbox.reply_tokens import (
    NONCE_LENGTH, TOKEN_LENGTH, matches, nonce_with, plus_token, reply_address, staff_token, token_of_nonce)

SECRET = b"the installation's secret, for tests"
PANEL = "democratic.services@peterborough.gov.uk"
OWN = frozenset({PANEL, "cambs-pcc@cambs.pnn.police.uk"})
ANNA, BEN = "anna.clerk@peterborough.gov.uk", "ben.officer@peterborough.gov.uk"
REF = "PCP-2026-00042"
TOKEN = staff_token(SECRET, REF, ANNA)


def test_a_token_is_lower_case_base32_of_its_length():
    assert len(TOKEN) == TOKEN_LENGTH and set(TOKEN) <= set(string.ascii_lowercase + "234567")


def test_a_token_is_tied_to_the_secret_the_case_and_the_address():
    assert staff_token(SECRET, REF, ANNA) == TOKEN
    assert staff_token(SECRET, REF.lower(), f"  {ANNA.upper()} ") == TOKEN       # the same case, the same address
    assert len({TOKEN, staff_token(SECRET, REF, BEN), staff_token(SECRET, "PCP-2026-00043", ANNA),
                staff_token(b"another secret", REF, ANNA)}) == 4


def test_matches_accepts_only_the_token_issued():
    assert matches(SECRET, REF, ANNA, TOKEN)
    assert matches(SECRET, REF.lower(), ANNA, f" {TOKEN.upper()} ")       # as a client may have written it back
    assert not matches(SECRET, REF, BEN, TOKEN)
    assert not matches(SECRET, "PCP-2026-00043", ANNA, TOKEN)
    assert not matches(b"another secret", REF, ANNA, TOKEN)
    assert not matches(SECRET, REF, ANNA, TOKEN[:-1])
    assert not matches(SECRET, REF, ANNA, TOKEN + "a")
    assert not matches(SECRET, REF, ANNA, "")


@pytest.mark.parametrize("token", ["é" * TOKEN_LENGTH, "\x00" * TOKEN_LENGTH, TOKEN[:-1] + "€", "\ud800" * 3])
def test_matches_refuses_any_other_text_without_raising(token):
    assert not matches(SECRET, REF, ANNA, token)


def test_matches_compares_in_constant_time(monkeypatch):
    compared, original = [], hmac.compare_digest

    def compare_digest(expected, given):
        compared.append((expected, given))
        return original(expected, given)

    monkeypatch.setattr(reply_tokens.hmac, "compare_digest", compare_digest)
    assert matches(SECRET, REF, ANNA, TOKEN) and not matches(SECRET, REF, ANNA, "a" * TOKEN_LENGTH)
    assert [given for _, given in compared] == [TOKEN.encode(), b"a" * TOKEN_LENGTH]


def test_the_plus_address_round_trips():
    address = reply_address(PANEL, REF, TOKEN)
    assert address == f"democratic.services+pcp-2026-00042.{TOKEN}@peterborough.gov.uk"
    assert plus_token(address, OWN) == (REF, TOKEN)
    assert plus_token(address.upper(), OWN) == (REF, TOKEN)          # however the client wrote it back
    ref, token = plus_token(address, OWN)
    assert matches(SECRET, ref, ANNA, token)


@pytest.mark.parametrize("address", [
    f"democratic.services+pcp-2026-00042.{TOKEN}@evil.example",                 # our local part, a foreign domain
    f"democratic.services+pcp-2026-00042.{TOKEN}@peterborough.gov.uk.evil.example",
    f"mallory+pcp-2026-00042.{TOKEN}@peterborough.gov.uk",                      # not one of our mailboxes
    PANEL,                                                                      # no plus
    f"democratic.services.pcp-2026-00042.{TOKEN}@peterborough.gov.uk",          # no plus either
    f"democratic.services+pcp-2026-00042.{TOKEN[:-1]}@peterborough.gov.uk",     # a token too short
    f"democratic.services+pcp-2026-00042.{TOKEN}a@peterborough.gov.uk",         # too long
    f"democratic.services+{TOKEN}@peterborough.gov.uk",                         # no case
    f"democratic.services+.{TOKEN}@peterborough.gov.uk",                        # an empty case
    f"democratic.services+{'x' * 41}.{TOKEN}@peterborough.gov.uk",              # a case no reference is as long as
    f"democratic.services+pcp-2026-00042.{TOKEN}",                              # no domain
    "",
])
def test_plus_token_refuses_anything_else(address):
    assert plus_token(address, OWN) is None


def test_the_message_id_nonce_round_trips():
    nonce = nonce_with(TOKEN)
    assert len(nonce) == NONCE_LENGTH + TOKEN_LENGTH and token_of_nonce(nonce) == TOKEN
    assert nonce != nonce_with(TOKEN)                                   # random unless seeded
    assert nonce_with(TOKEN, "seed") == nonce_with(TOKEN, "seed") != nonce_with(TOKEN, "other seed")
    message_id = new_message_id(SECRET, domain="peterborough.gov.uk", case_ref=REF, kind=Kind.STAFF_NOTIFICATION,
                                nonce=nonce)
    signed = verify(SECRET, message_id)
    assert signed is not None and signed.case_ref == REF and token_of_nonce(signed.nonce) == TOKEN


@pytest.mark.parametrize("nonce", ["", "a" * NONCE_LENGTH, "a" * (NONCE_LENGTH + TOKEN_LENGTH - 1),
                                   "a" * (NONCE_LENGTH + TOKEN_LENGTH + 1)])
def test_a_nonce_of_another_length_carries_no_token(nonce):
    assert token_of_nonce(nonce) == ""


def test_an_ordinary_message_id_of_ours_carries_no_token():
    signed = verify(SECRET, new_message_id(SECRET, domain="peterborough.gov.uk", case_ref=REF,
                                           kind=Kind.ACKNOWLEDGEMENT))
    assert token_of_nonce(signed.nonce) == ""


@settings(max_examples=500, deadline=None)
@given(address=st.text(max_size=300) | st.builds(
    lambda base, tag, domain: f"{base}+{tag}@{domain}",
    st.sampled_from(["democratic.services", "cambs-pcc", "x", ""]), st.text(max_size=80),
    st.sampled_from(["peterborough.gov.uk", "cambs.pnn.police.uk", "evil.example", ""])))
def test_plus_token_never_raises(address):
    found = plus_token(address, OWN)
    if found is not None:
        ref, token = found
        assert ref == ref.upper() and 0 < len(ref) <= 40 and len(token) == TOKEN_LENGTH


@settings(max_examples=300, deadline=None)
@given(token=st.text(max_size=60))
def test_matches_never_raises(token):
    assert matches(SECRET, REF, ANNA, token) == (token.strip().lower() == TOKEN)
