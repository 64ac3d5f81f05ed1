"""RFC 2047 encoded words in a header value, decoded in one pass as mail clients read them.

The stdlib's `decode_header` takes time quadratic in the number of words
(a Subject of 200,000 words took 72 s), and mail-parser's strict decoding
leaves a word raw when its base64 padding is wrong or its charset label
lies. Here the value is read once, left to right: adjacent words in one
charset are joined before decoding (clients split a character across two
words), the white space between encoded words is dropped (RFC 2047
section 6.2), base64 padding is repaired, and the bytes are decoded as
bodies are (`text.decode_text`: the superset of the label, else UTF-8,
else windows-1252). The caller bounds the value's length.
"""

from __future__ import annotations

import binascii
import re

from mailbot.parse.text import decode_text

# =?charset?encoding?text?= : each part stops at the next "?" or white space, so a failed
# attempt scans only up to the next "?" and the whole search stays linear.
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")


def decode_words(value: str) -> tuple[str, list[str]]:
    """`value` with its encoded words decoded, and the repairs that took, in words."""
    if "=?" not in value:
        return value, []
    pieces: list[str] = []
    repairs: list[str] = []
    run_charset, run = "", None   # adjacent words in one charset, joined, not yet decoded
    position = 0
    for word in _ENCODED_WORD.finditer(value):
        between = value[position:word.start()]
        charset = word.group(1).split("*", 1)[0].lower()   # RFC 2231 adds *language
        data = _word_bytes(word.group(2), word.group(3), repairs)
        if data is not None and run is not None and not between.strip(" \t"):
            if charset != run_charset:   # the white space between encoded words is not text
                pieces.append(_decoded(run, run_charset, repairs))
                run_charset, run = charset, bytearray()
            run += data
        else:
            if run is not None:
                pieces.append(_decoded(run, run_charset, repairs))
            pieces.append(between)
            if data is None:   # not decodable as an encoded word: kept as written
                pieces.append(word.group())
                run = None
            else:
                run_charset, run = charset, bytearray(data)
        position = word.end()
    if run is not None:
        pieces.append(_decoded(run, run_charset, repairs))
    pieces.append(value[position:])
    return "".join(pieces), list(dict.fromkeys(repairs))


def _word_bytes(encoding: str, text: str, repairs: list[str]) -> bytes | None:
    try:
        if encoding in "bB":
            return _base64(text, repairs)
        return binascii.a2b_qp(text.encode("utf-8", "surrogateescape"), header=True)
    except (binascii.Error, ValueError, UnicodeError):
        return None


def _base64(text: str, repairs: list[str]) -> bytes:
    """Base64 with its padding repaired: missing "=" added, extra "=" or a stray last character dropped."""
    data = text.rstrip("=")
    if len(data) % 4 == 1:
        data = data[:-1]
    padded = data + "=" * (-len(data) % 4)
    if padded != text:
        repairs.append("encoded word with damaged base64 padding repaired")
    return binascii.a2b_base64(padded, strict_mode=True)   # other characters: not base64, kept raw


def _decoded(data: bytearray, charset: str, repairs: list[str]) -> str:
    text, charset_repairs = decode_text(bytes(data), charset)
    repairs.extend(f"encoded word: {repair}" for repair in charset_repairs)
    return text
