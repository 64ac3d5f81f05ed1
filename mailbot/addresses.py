"""Addresses we may write to: whether one is a mailbox at all, and the one form it is counted under."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from email.utils import parseaddr

from email_validator import EmailNotValidError, validate_email


@lru_cache(maxsize=4096)   # pure, and asked of the same few addresses for every message, as `normalised`
def bare(address: str) -> str:
    """The address alone, lower-case: `Jane <Jane@Example.org>` -> `jane@example.org`."""
    return parseaddr(address)[1].lower()


def mailbox_problem(address: str) -> str:
    """Why `address` is not a mailbox one can write to (RFC 5322 / 6531 syntax, no DNS); "" when it is one."""
    try:
        validate_email(address, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as error:
        return str(error)
    return ""


@lru_cache(maxsize=4096)   # pure, and asked of the same few addresses (ours, staff, the cap's) for every message
def normalised(address: str) -> str:
    """The one form an address is counted under, however the sender wrote it.

    NFC and lower case, the domain in Unicode (`xn--bcher-kva.example` and
    `BÜCHER.example` are one domain): the cap on automatic answers compares
    this column, never the text of a JSON list.
    """
    address = unicodedata.normalize("NFC", bare(address) or address.strip())
    try:
        address = validate_email(address, check_deliverability=False, allow_smtputf8=True).normalized
    except EmailNotValidError:
        pass   # not a mailbox: it is still counted, as it was written
    return unicodedata.normalize("NFC", address).lower()
