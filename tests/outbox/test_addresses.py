"""Addresses: which are mailboxes (RFC 5322 / 6531, no DNS), and the one form the cap counts them under."""

from __future__ import annotations

import pytest

from mailbot.addresses import mailbox_problem, normalised


@pytest.mark.parametrize("spelling", ["josé@bücher.example", "jose\u0301@bücher.example", "JOSÉ@BÜCHER.example",
                                      "José <josé@xn--bcher-kva.example>"])
def test_every_spelling_of_one_address_is_counted_as_one(spelling):
    assert normalised(spelling) == "josé@bücher.example"


@pytest.mark.parametrize("address", ["jane@example.org", "a·b@example.org", "josé@bücher.example"])
def test_a_mailbox_is_accepted_whatever_its_script(address):
    assert mailbox_problem(address) == ""


@pytest.mark.parametrize("address", ["jane@exa_mple.org", "jane@localhost", "jane..doe@example.org", "no-at-sign",
                                     "jane@mail.invalid"])
def test_what_is_no_mailbox_is_named_with_the_reason(address):
    assert mailbox_problem(address)
