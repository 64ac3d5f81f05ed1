"""Our signed Message-IDs: only the HMAC in the local part proves a message is ours.

Shape: `<mb1.REF.KIND.NONCE.MAC@domain>`

- `REF` is the case reference (`PCP-2026-00042`), or `_` when there is no case;
- `KIND` is the `X-Mailbot-Kind` wire string (`acknowledgement`);
- `NONCE` is random (lower-case base32), so that two messages never share an id;
- `MAC` is HMAC-SHA256 with the installation's secret over version, ref, kind
  and nonce, truncated to 128 bits, lower-case base32.

Anyone can write `X-Mailbot-*` headers or copy our shape; without the secret
nobody can make a MAC that verifies. The domain is not signed, so a change of
mail domain does not orphan the replies to older messages.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from mailbot.kinds import Kind

VERSION = "mb1"
NO_CASE = "_"
_MAC_BYTES = 16
_FIELD = re.compile(r"[A-Za-z0-9-]+\Z")
_NONCE = re.compile(r"[a-z0-9]+\Z")
_SHAPE = re.compile(   # linear: anchored; each quantifier is over a class disjoint from what follows it
    r"<?\s*(?P<version>mb1)\.(?P<ref>[A-Za-z0-9-]+|_)\.(?P<kind>[a-z-]+)\."
    r"(?P<nonce>[a-z0-9]+)\.(?P<mac>[a-z2-7]+)@(?P<domain>[^<>@\s]+?)\s*>?\Z"
)


@dataclass(frozen=True)
class SignedId:
    """What a verified Message-ID of ours says."""

    case_ref: str | None
    kind: Kind
    nonce: str
    domain: str


def new_message_id(secret: bytes, *, domain: str, case_ref: str | None, kind: Kind,
                   nonce: str | None = None) -> str:
    """A new `<...@domain>` Message-ID carrying the case and kind, signed with `secret`.

    `nonce` (lower-case letters and digits) is random unless given; giving it
    makes the id reproducible, for tests. Raises ValueError for an empty
    secret, a reference or domain that cannot go in a Message-ID.
    """
    _check_secret(secret)
    if case_ref is not None and not _FIELD.match(case_ref):
        raise ValueError(f"case reference {case_ref!r} cannot go in a Message-ID (letters, digits and '-' only)")
    if not domain or not re.fullmatch(r"[A-Za-z0-9.-]+", domain):
        raise ValueError(f"{domain!r} is not a domain for a Message-ID")
    if nonce is None:
        nonce = _b32(secrets.token_bytes(10))
    elif not _NONCE.match(nonce):
        raise ValueError(f"nonce {nonce!r} must be lower-case letters and digits")
    ref = NO_CASE if case_ref is None else case_ref
    kind = Kind(kind)
    mac = _mac(secret, ref, kind.value, nonce)
    return f"<{VERSION}.{ref}.{kind.value}.{nonce}.{mac}@{domain}>"


def verify(secret: bytes, message_id: str) -> SignedId | None:
    """What our signed `message_id` says, or None when it is not ours (or was altered)."""
    _check_secret(secret)
    found = _SHAPE.match((message_id or "").strip())
    if found is None:
        return None
    ref, kind, nonce = found["ref"], found["kind"], found["nonce"]
    expected = _mac(secret, ref, kind, nonce)
    if not hmac.compare_digest(expected.encode("ascii"), found["mac"].encode("ascii")):
        return None
    try:
        known_kind = Kind(kind)
    except ValueError:  # signed by us but a kind this version no longer knows
        return None
    return SignedId(case_ref=None if ref == NO_CASE else ref, kind=known_kind,
                    nonce=nonce, domain=found["domain"])


def is_ours(secret: bytes, message_id: str) -> bool:
    """Whether `message_id` is one we made with `secret` (constant-time comparison of the MAC)."""
    return verify(secret, message_id) is not None


def case_ref_of(secret: bytes, message_id: str) -> str | None:
    """The case reference a verified id of ours carries; None for no case or not ours."""
    signed = verify(secret, message_id)
    return signed.case_ref if signed else None


def _mac(secret: bytes, ref: str, kind: str, nonce: str) -> str:
    signed = "|".join((VERSION, ref, kind, nonce)).encode("ascii")
    digest = hmac.new(secret, signed, hashlib.sha256).digest()[:_MAC_BYTES]
    return _b32(digest)


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=").lower()


def _check_secret(secret: bytes) -> None:
    if not isinstance(secret, (bytes, bytearray)) or not secret:
        raise ValueError("the Message-ID secret must be non-empty bytes")
