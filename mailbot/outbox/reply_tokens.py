"""The token that lets a staff member's reply count: an HMAC over the case and that staff address.

Every letter to one staff member about a case carries it twice, so that an
ordinary reply brings it back whichever header the client keeps:

- in the Reply-To plus-address: `democratic.services+pcp-2026-00042.TOKEN@peterborough.gov.uk`;
- in our Message-ID, whose nonce ends with it (`message_ids`): it comes back in `In-Reply-To`.

The subject's `[REF]` is public and proves nothing. Without the
installation's secret nobody can make a token, and one issued to one staff
address does not verify for another. Tokens are compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from mailbot.outbox.message_ids import verify

TOKEN_LENGTH = 26       # 130 bits of HMAC-SHA256, lower-case base32
NONCE_LENGTH = 16       # the random part of a Message-ID nonce before the token


def staff_token(secret: bytes, case_ref: str, address: str) -> str:
    """The token for replies about `case_ref` from `address` (bare, lower-case)."""
    signed = "|".join(("staff-reply", case_ref.upper(), address.strip().lower())).encode("utf-8")
    digest = hmac.new(secret, signed, hashlib.sha256).digest()
    return base64.b32encode(digest).decode("ascii").lower()[:TOKEN_LENGTH]


def matches(secret: bytes, case_ref: str, address: str, token: str) -> bool:
    """Whether `token` is the one issued for `case_ref` and `address` (constant time)."""
    expected = staff_token(secret, case_ref, address)
    return hmac.compare_digest(expected.encode("ascii"), token.strip().lower().encode("ascii", "replace"))


def reply_address(mailbox_address: str, case_ref: str, token: str) -> str:
    """The mailbox address with `+ref.token` after its local part."""
    local, _, domain = mailbox_address.partition("@")
    return f"{local}+{case_ref.lower()}.{token}@{domain}"


def plus_token(address: str, own_addresses: frozenset[str]) -> tuple[str, str] | None:
    """(case ref, token) from one of our addresses with a `+ref.token` tag; None for any other address."""
    local, _, domain = address.strip().lower().rpartition("@")
    base, plus, tag = local.partition("+")
    if not plus or f"{base}@{domain}" not in own_addresses:
        return None
    ref, _, token = tag.rpartition(".")
    if not ref or len(token) != TOKEN_LENGTH or len(ref) > 40:
        return None
    return ref.upper(), token


def nonce_with(token: str, seed: str = "") -> str:
    """A Message-ID nonce that carries `token` after a random (or seeded) part."""
    head = hashlib.sha256(seed.encode()).hexdigest() if seed else secrets.token_hex(NONCE_LENGTH)
    return head[:NONCE_LENGTH] + token


def token_of_nonce(nonce: str) -> str:
    """The token a nonce of ours carries, "" when it carries none."""
    return nonce[NONCE_LENGTH:] if len(nonce) == NONCE_LENGTH + TOKEN_LENGTH else ""


def carries_token(secret: bytes, message_id: str) -> bool:
    """Whether `message_id` is one of our letters to staff, carrying a staff member's token."""
    signed = verify(secret, message_id) if secret else None
    return signed is not None and bool(token_of_nonce(signed.nonce))
