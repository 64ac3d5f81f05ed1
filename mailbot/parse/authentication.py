"""`Authentication-Results` (RFC 8601): whether a trusted mail server saw DMARC or DKIM pass for a domain.

Anyone can write the header, so only results stamped with the authserv-id
the administrator names (their own receiving server, which removes copies
of its own header that arrive from outside) are read. Plain string work,
bounded: the header is a stranger's text until its authserv-id is checked.
"""

from __future__ import annotations

MAX_HEADERS = 20
MAX_CHARS = 4000


def authenticated(headers: tuple[tuple[str, str], ...], authserv_id: str, domain: str) -> str:
    """What shows that `domain` sent this message ("dmarc=pass header.from=…"), as `authserv_id` recorded; "" when nothing does."""
    domain, wanted = domain.lower().rstrip("."), authserv_id.lower()
    seen = 0
    for name, value in headers:
        if name.lower() != "authentication-results":
            continue
        seen += 1
        if seen > MAX_HEADERS:
            break
        parts = _without_comments(value[:MAX_CHARS]).split(";")
        head = parts[0].split()
        if not head or head[0].lower() != wanted:
            continue
        for result in parts[1:]:
            found = _passes(result, domain)
            if found:
                return found
    return ""


def _passes(result: str, domain: str) -> str:
    words = result.split()
    if not words:
        return ""
    method, _, verdict = words[0].lower().partition("=")
    if method not in ("dmarc", "dkim") or verdict != "pass":
        return ""
    for word in words[1:]:
        key, _, value = word.partition("=")
        value = value.strip('"').lower().rstrip(".")
        if key.lower() in ("header.from", "header.d") and value == domain:
            return f"{method}=pass {key.lower()}={value}"
        if key.lower() == "header.i" and value.rpartition("@")[2] == domain:
            return f"{method}=pass header.i={value}"
    return ""


def _without_comments(text: str) -> str:
    """The header without its (comments), nested ones included, in one pass."""
    out, depth = [], 0
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif not depth:
            out.append(char)
    return "".join(out)
