"""Which codec reads a charset label as mail clients read it.

Mail is labelled with the name of a standard charset but written by a
client that used the vendor's superset: Windows and macOS encode
"gb2312" mail with GBK, "ks_c_5601-1987" with Unified Hangul (cp949),
"shift_jis" with cp932, "big5" with the HKSCS extensions, and
"iso-2022-jp" with Microsoft's CP50221 (NEC circled numbers, half-width
kana). Each superset decodes the standard's bytes exactly as the standard
does, so reading with the superset only ever reads more. The table
follows the WHATWG Encoding Standard that every browser and mail client
implements, and adds the labels it knows that Python does not.
"""

from __future__ import annotations

import codecs
import re

ISO2022_JP_WINDOWS = "iso2022_jp_windows"
"""Our name for ISO-2022-JP as Windows writes it (CP50220/CP50221); see `decode`."""

# Labels Python's codec registry does not know, read as mail clients read them.
_ALIASES = {
    "windows-874": "cp874",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "csgb2312": "gb18030",
    "ks_c_5601-1989": "cp949",
    "iso-ir-149": "cp949",
    "csksc56011987": "cp949",
    "x-windows-949": "cp949",
    "iso-8859-8-i": "iso8859-8",
    "csiso88598i": "iso8859-8",
    "x-mac-roman": "mac-roman",
    "x-mac-cyrillic": "mac-cyrillic",
    "x-euc-jp": "euc_jp",
    "x-cp1250": "cp1250",
    "x-cp1251": "cp1251",
    "x-cp1252": "cp1252",
    "cp50220": ISO2022_JP_WINDOWS,
    "cp50221": ISO2022_JP_WINDOWS,
    "csiso2022jp": ISO2022_JP_WINDOWS,
}
# Python's codec for a standard, and the superset mail written under its label is read with.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc_kr": "cp949",
    "shift_jis": "cp932",
    "big5": "big5hkscs",
    "iso2022_jp": ISO2022_JP_WINDOWS,
    "tis-620": "cp874",
    "iso8859-11": "cp874",
    "iso8859-9": "cp1254",
}


def codec_for(label: str | None) -> str | None:
    """The codec to read text under this charset label with, or None when it names no text codec.

    iso-8859-1 and us-ascii are returned as they are: `text.decode_text`
    reads them as windows-1252 only when their bytes show it, and says so.
    """
    if not label:
        return None
    name = label.strip().strip('"').strip("'").lower()
    if name in _ALIASES:
        return _ALIASES[name]
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError, TypeError):
        return None
    # bytes.decode refuses the bytes-to-bytes codecs (base64, zlib ...).
    if not getattr(info, "_is_text_encoding", True):
        return None
    return _SUPERSETS.get(info.name, info.name)


def decode(data: bytes, codec: str, *, final: bool = True) -> str:
    """`data` decoded strictly with `codec` (a name from `codec_for`, or any Python codec).

    With `final=False` an incomplete character at the very end (the data
    was cut short) is left out instead of failing the whole decoding.
    Raises UnicodeError or LookupError as `bytes.decode` does.
    """
    if codec == ISO2022_JP_WINDOWS:
        return _decode_iso2022_jp_windows(data, final=final)
    if final:
        return data.decode(codec)
    return codecs.getincrementaldecoder(codec)().decode(data, final=False)


# ISO-2022-JP switches character sets with escape sequences (RFC 1468) and,
# as CP50222 writes it, SO/SI for half-width kana.
_ISO2022_JP_SWITCH = re.compile(rb"(\x1b\([BJI]|\x1b\$[@B]|\x0e|\x0f)")   # fixed-length alternatives: linear
_ROMAN, _KANJI, _KANA = "roman", "kanji", "kana"
_MODES = {b"\x1b(B": _ROMAN, b"\x1b(J": _ROMAN, b"\x0f": _ROMAN, b"\x1b(I": _KANA, b"\x0e": _KANA,
          b"\x1b$@": _KANJI, b"\x1b$B": _KANJI}


def _decode_iso2022_jp_windows(data: bytes, *, final: bool) -> str:
    """ISO-2022-JP as Windows writes it: the standard codec, else each run re-coded to cp932.

    Python's ISO-2022-JP codecs refuse the rows Microsoft added to JIS X
    0208 (row 13: ①, ㈱, ㍻; rows 89-92: IBM kanji). Those rows have
    cp932 codes by the same arithmetic as the standard rows, so each
    two-byte run becomes Shift_JIS bytes and cp932 decodes them.
    """
    try:
        return data.decode("iso2022_jp_ext")
    except UnicodeDecodeError:
        pass
    sjis = bytearray()
    mode = _ROMAN
    for piece in _ISO2022_JP_SWITCH.split(data):
        if piece in _MODES:
            mode = _MODES[piece]
        elif mode == _KANA:
            sjis += bytes(byte | 0x80 if 0x21 <= byte <= 0x5F else byte for byte in piece)
        elif mode == _KANJI:
            if len(piece) % 2 and final:
                raise UnicodeDecodeError("iso2022_jp", data, 0, len(data), "odd length two-byte run")
            sjis += _jis_to_sjis(piece[: len(piece) - len(piece) % 2])
        else:
            sjis += piece
    return decode(bytes(sjis), "cp932", final=final)


def _jis_to_sjis(pairs: bytes) -> bytes:
    out = bytearray()
    for first, second in zip(pairs[0::2], pairs[1::2]):
        if not (0x21 <= first <= 0x7E and 0x21 <= second <= 0x7E):
            raise UnicodeDecodeError("iso2022_jp", pairs, 0, len(pairs), "not a JIS X 0208 code")
        out.append((first + 1) // 2 + (0x70 if first <= 0x5E else 0xB0))
        if first % 2:
            out.append(second + (0x1F if second <= 0x5F else 0x20))
        else:
            out.append(second + 0x7E)
    return bytes(out)
