"""Which envelope addresses an SMTP server can be given (RFC 5321; RFC 6531 for SMTPUTF8).

An address with characters beyond ASCII needs a server that offers SMTPUTF8;
an address with a line break, another control character or text that is not
Unicode cannot be written in an SMTP command at all. Either is refused here,
for that recipient only, with the reply a server would make (RFC 6531 3.5:
`553 5.6.7`), so that the other recipients of the message still get it.
"""

from __future__ import annotations

import re

Refused = dict[str, tuple[int, bytes]]   # address -> (reply code, reply text)

NEEDS_SMTPUTF8 = (553, b"5.6.7 the address has characters beyond ASCII and the server does not offer SMTPUTF8")
UNWRITABLE = (553, b"5.1.3 the address cannot be written in an SMTP command")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")   # linear: one class


def refused_before_sending(recipients: list[str], *, smtputf8: bool) -> Refused:
    """The recipients no server can be given here, each with the reply a server would make."""
    refused: Refused = {}
    for address in recipients:
        if not writable(address):
            refused[address] = UNWRITABLE
        elif not address.isascii() and not smtputf8:
            refused[address] = NEEDS_SMTPUTF8
    return refused


def writable(address: str) -> bool:
    """Whether `address` can go in an SMTP command: UTF-8 text, no line break or other control character."""
    try:
        address.encode("utf-8")
    except UnicodeEncodeError:   # a lone surrogate: bytes that were never text
        return False
    return bool(address) and not _CONTROL.search(address)


def describe_refused(refused: Refused) -> str:
    """`address: code text; ...`, an address that is not printable shown as a Python literal (never a line break)."""
    return "; ".join(f"{address if address.isprintable() else ascii(address)}: {code} {_text(text)}"
                     for address, (code, text) in refused.items())


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
