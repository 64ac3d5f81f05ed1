"""Addresses as mail clients write them into text: `Name <addr>`, `Name [mailto:addr]`, bare.

A forwarded block or a form field is text, not a header, so the header
parser does not apply: Outlook writes `From: Name [mailto:addr]` or only
`From: Name`, Gmail may bold the name (`*Name*`), and quoted-printable
leaves a trailing space. Here the first thing shaped like an address is
the address, and what is left, unquoted, is the name.
"""

from __future__ import annotations

from mailbot import patterns

from mailbot.parse.headers import bare_address, one_line

_NOT_IN_ADDRESS = r"\s<>\[\]()\"',;:*"
_ADDRESS = patterns.compile(rf"[^{_NOT_IN_ADDRESS}@]+@[^{_NOT_IN_ADDRESS}@]+\.[^{_NOT_IN_ADDRESS}@]+")
_BRACKETED = r"[<\[(]\s*(?:mailto:)?\s*{}\s*[>\])]"
_NAME_TRIM = " \t\"'*<>[]()"


def written_address(value: str) -> tuple[str, str]:
    """(name as written, lower-case bare address) from `value`; either may be "".

    Neither holds a line break or another control character (see `headers.one_line`).
    """
    found = _ADDRESS.search(value)
    if not found:
        return _name(value), ""
    address = bare_address(found.group())
    bracketed = patterns.compile(_BRACKETED.format(patterns.escape(found.group())), ignore_case=True)
    rest = bracketed.sub(" ", value, count=1)
    if rest == value:   # a bare address: nothing around it is a name
        rest = value.replace(found.group(), " ", 1)
    name = _name(rest)
    return ("" if name.lower() == address else name), address


def _name(value: str) -> str:
    return " ".join(one_line(value).replace("mailto:", " ").split()).strip(_NAME_TRIM).strip()
