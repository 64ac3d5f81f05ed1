"""Readable text from a body's bytes: charset repair and HTML reduced to text.

Mail in the wild lies about its charset. Outlook and older webmail send
windows-1252 bytes (smart quotes 0x91-0x94, dashes 0x96-0x97, ellipsis 0x85)
under a `us-ascii` or `iso-8859-1` label, and the WHATWG Encoding Standard
that every browser follows reads both labels as windows-1252 for exactly
that reason. We do the same, and record each repair so that a reader of the
case can see the text was not taken at face value. Other labels are read
with the superset their writers used (`charsets`: gb2312 as GBK, shift_jis
as cp932 ...), and UTF-8 under a latin-1 label as UTF-8.
"""

from __future__ import annotations

import re

from mailbot.parse import charsets, markup

UTF8 = "utf-8"
CP1252 = "cp1252"

# Labels that, in practice, carry windows-1252 when they carry 8-bit bytes.
_CP1252_IN_DISGUISE = {"ascii", "iso8859-1"}
# linear (these five): one character class, or a fixed length
_C1_CONTROLS = re.compile(rb"[\x80-\x9f]")
_HIGH_BYTES = re.compile(rb"[\x80-\xff]")
_LINE_BREAKS = re.compile(r"\r\n?")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_RAW_8BIT = re.compile(r"[\udc80-\udcff]+")   # how the stdlib parser keeps bytes it could not read


def decode_text(payload: bytes, label: str | None, *, complete: bool = True) -> tuple[str, list[str]]:
    """Decode body bytes under their declared charset label, repairing lies.

    The label is read as mail clients read it (`charsets.codec_for`: gb2312
    as GBK, shift_jis as cp932 ...). `complete=False` says the bytes were
    cut short: a character cut in two at the end is left out. Returns the
    text and the repairs made (empty when the label was right). Never
    raises: the last resort is UTF-8 with replacement characters.
    """
    declared = charsets.codec_for(label)
    shown = storable(label or "none").strip().lower()
    if label and declared is None:
        text, repairs = _first_that_fits(payload, [UTF8, CP1252], complete)
        return text, [f"unknown charset {shown}", *repairs]
    if declared in _CP1252_IN_DISGUISE and _HIGH_BYTES.search(payload):
        # Valid UTF-8 with 8-bit bytes is never latin-1 text someone wrote ("Ã©").
        text, used = _decode_first(payload, [UTF8], complete)
        if text is None and _looks_cp1252(payload, declared):
            text, used = _decode_first(payload, [CP1252], complete)
        if text is not None:
            return text, [f"charset {shown} relabelled {_label(used)}"]
    if declared is None:
        text, used = _decode_first(payload, [UTF8, CP1252], complete)
        if text is not None:
            repaired = used != UTF8 or _HIGH_BYTES.search(payload)
            return text, [f"no charset declared: read as {_label(used)}"] if repaired else []
    text, used = _decode_first(payload, [declared or UTF8], complete)
    if text is not None:
        return text, []
    text, repairs = _first_that_fits(payload, [UTF8, CP1252], complete)
    return text, [f"charset {shown} undecodable", *repairs]


def html_to_text(html: str) -> str:
    """The words of an HTML body as a browser shows them (see `markup`).

    Characters XML cannot hold (C0 controls, U+FFFE/U+FFFF) are dropped
    first: lxml refuses them, and no one reads them.
    """
    return markup.html_to_text(_NOT_XML.sub("", html))


def tidy(text: str) -> str:
    """One line-break convention, no NUL characters, no blank margins.

    NUL is dropped because PostgreSQL text columns refuse it and it is never
    part of what a person wrote.
    """
    return _LINE_BREAKS.sub("\n", text.replace("\x00", "")).strip()


def storable(value: str) -> str:
    """A string from the parser made fit to store: valid UTF-8 and no NUL.

    Raw 8-bit bytes the parser kept as surrogates are read as UTF-8, else
    windows-1252; whatever else cannot be text (a lone surrogate from a
    codec like utf-7) becomes "?".
    """
    value = value.replace("\x00", "")
    if value.isascii():
        return value
    repaired = _RAW_8BIT.sub(_decode_run, value)
    return repaired.encode(UTF8, "replace").decode(UTF8)


def _decode_run(match: re.Match) -> str:
    data = match.group().encode(UTF8, "surrogateescape")
    text, _ = _decode_first(data, [UTF8, CP1252])
    return text if text is not None else data.decode(CP1252, "replace")


def _looks_cp1252(payload: bytes, declared: str) -> bool:
    """Whether bytes under this label can only be windows-1252 (or UTF-8)."""
    if declared == "ascii":
        return bool(_HIGH_BYTES.search(payload))
    return bool(_C1_CONTROLS.search(payload))


def _first_that_fits(payload: bytes, candidates: list[str], complete: bool) -> tuple[str, list[str]]:
    """Try each codec strictly; failing all, UTF-8 with replacement characters."""
    text, used = _decode_first(payload, candidates, complete)
    if text is not None:
        return text, [f"read as {_label(used)}"]
    return payload.decode(UTF8, "replace"), ["undecodable bytes replaced"]


def _decode_first(payload: bytes, candidates: list[str], complete: bool = True) -> tuple[str | None, str]:
    """The first strict decoding that yields real Unicode, and its codec."""
    for name in candidates:
        try:
            text = charsets.decode(payload, name, final=complete)
            text.encode(UTF8)  # utf-7 and friends can yield lone surrogates
        except (UnicodeError, LookupError):
            continue
        return text, name
    return None, ""


def _label(codec: str) -> str:
    return "windows-1252" if codec == CP1252 else codec
