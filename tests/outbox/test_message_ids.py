"""Our signed Message-IDs: they round-trip, and nothing altered or forged passes as ours."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailbot.kinds import Kind
from mailbot.outbox.message_ids import case_ref_of, is_ours, new_message_id, verify

SECRET = b"installation-secret-0123456789"
DOMAIN = "peterborough.gov.uk"


def test_round_trip_carries_case_and_kind():
    message_id = new_message_id(SECRET, domain=DOMAIN, case_ref="PCP-2026-00042", kind=Kind.ACKNOWLEDGEMENT)

    assert re.fullmatch(r"<[^<>@\s]+@peterborough\.gov\.uk>", message_id)
    assert is_ours(SECRET, message_id)
    assert case_ref_of(SECRET, message_id) == "PCP-2026-00042"
    signed = verify(SECRET, message_id)
    assert signed is not None and signed.kind is Kind.ACKNOWLEDGEMENT and signed.domain == DOMAIN


def test_without_a_case():
    message_id = new_message_id(SECRET, domain=DOMAIN, case_ref=None, kind=Kind.ALERT)

    assert is_ours(SECRET, message_id)
    assert case_ref_of(SECRET, message_id) is None
    assert verify(SECRET, message_id).kind is Kind.ALERT


def test_each_id_is_new_and_a_given_nonce_reproduces_it():
    first = new_message_id(SECRET, domain=DOMAIN, case_ref="PCP-2026-00042", kind=Kind.DIGEST)
    second = new_message_id(SECRET, domain=DOMAIN, case_ref="PCP-2026-00042", kind=Kind.DIGEST)
    assert first != second

    fixed = [new_message_id(SECRET, domain=DOMAIN, case_ref="PCP-2026-00042", kind=Kind.DIGEST, nonce="abc123")
             for _ in range(2)]
    assert fixed[0] == fixed[1]


def test_accepted_without_angle_brackets_and_with_spaces():
    message_id = new_message_id(SECRET, domain=DOMAIN, case_ref="CLV-2026-00001", kind=Kind.CORRESPONDENCE)

    assert is_ours(SECRET, message_id.strip("<>"))
    assert is_ours(SECRET, f"  {message_id}\r\n")


@pytest.mark.parametrize("tamper", [
    lambda mid: mid.replace("PCP-2026-00042", "PCP-2026-00043"),       # another case
    lambda mid: mid.replace(".acknowledgement.", ".correspondence."),   # another kind
    lambda mid: re.sub(r"\.([a-z0-9]+)\.([a-z2-7]+)@", lambda m: f".{m[1]}x.{m[2]}@", mid),  # nonce
    lambda mid: re.sub(r"\.([a-z2-7])([a-z2-7]+)@", lambda m: f".{'b' if m[1] == 'a' else 'a'}{m[2]}@", mid),  # MAC
    lambda mid: re.sub(r"[a-z2-7]{4}@", "@", mid),                      # MAC truncated
])
def test_tampering_fails(tamper):
    message_id = new_message_id(SECRET, domain=DOMAIN, case_ref="PCP-2026-00042", kind=Kind.ACKNOWLEDGEMENT)
    altered = tamper(message_id)

    assert altered != message_id
    assert not is_ours(SECRET, altered)
    assert case_ref_of(SECRET, altered) is None


def test_a_forgery_of_our_shape_with_a_wrong_mac_fails():
    """GIVEN someone who has seen our ids WHEN they write one for another case THEN it is not ours."""
    forged = "<mb1.PCP-2026-00042.correspondence.aaaaaaaaaaaaaaaa.abcdefghijklmnopqrstuvwxyz@peterborough.gov.uk>"

    assert not is_ours(SECRET, forged)
    assert case_ref_of(SECRET, forged) is None


def test_another_installations_secret_fails():
    message_id = new_message_id(b"another-secret", domain=DOMAIN, case_ref="PCP-2026-00042", kind=Kind.ACKNOWLEDGEMENT)

    assert not is_ours(SECRET, message_id)


@pytest.mark.parametrize("message_id", [
    "", "<>", "<CAE1234567890abcdef@mail.gmail.com>", "not an id", "<mb1.PCP-1.acknowledgement@x>",
    "<mb1.PCP-2026-00042.no-such-kind.aaaa.aaaa@peterborough.gov.uk>",
])
def test_other_ids_are_not_ours(message_id):
    assert not is_ours(SECRET, message_id)


def test_refuses_what_cannot_go_in_an_id():
    with pytest.raises(ValueError):
        new_message_id(b"", domain=DOMAIN, case_ref=None, kind=Kind.ALERT)
    with pytest.raises(ValueError):
        new_message_id(SECRET, domain=DOMAIN, case_ref="PCP 2026.42", kind=Kind.ALERT)
    with pytest.raises(ValueError):
        new_message_id(SECRET, domain="", case_ref=None, kind=Kind.ALERT)
    with pytest.raises(ValueError):
        new_message_id(SECRET, domain=DOMAIN, case_ref=None, kind=Kind.ALERT, nonce="Not.Valid")


@given(ref=st.from_regex(r"[A-Z]{2,5}-20[0-9]{2}-[0-9]{5}", fullmatch=True) | st.none(),
       kind=st.sampled_from(list(Kind)), secret=st.binary(min_size=1, max_size=64))
def test_every_id_verifies_with_its_own_secret_only(ref, kind, secret):
    message_id = new_message_id(secret, domain="cleveland-opcc.example", case_ref=ref, kind=kind)

    assert case_ref_of(secret, message_id) == ref
    assert verify(secret, message_id).kind is kind
    assert not is_ours(secret + b"x", message_id)
