"""Where each key of a TOML text is written, so that a config mistake can name its line.

tomllib gives values without positions. `key_lines(text)` reads the text
again, line by line, and maps each key's path as config.py names it
(`daemon.poll_seconds`, `mailboxes[1].imap.port`) to its 1-based line: table
headers (`[imap]`, `[[mailboxes]]`, `[mailboxes.imap]` belonging to the latest
`[[mailboxes]]`), dotted and quoted keys, and values that run over several
lines (arrays, multi-line strings) are followed. Keys inside an inline table
are not listed: `line_of` then answers with the line of the nearest enclosing
key or table, which is where the administrator should look.
"""

from __future__ import annotations

import re

_BARE = r"[A-Za-z0-9_-]+"
_KEY_PART = rf'(?:{_BARE}|"(?:[^"\\]|\\.)*"|\'[^\']*\')'
_DOTTED_KEY = rf"{_KEY_PART}(?:\s*\.\s*{_KEY_PART})*"
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_DOTTED_KEY})\s*\]\]?\s*(?:#.*)?$")
_KEY_VALUE = re.compile(rf"^\s*({_DOTTED_KEY})\s*=")
_PART = re.compile(_KEY_PART)


def _parts(dotted: str) -> list[str]:
    return [part[1:-1] if part[0] in "\"'" else part for part in _PART.findall(dotted)]


def key_lines(text: str) -> dict[str, int]:
    """Map every key path and table of `text` to the line it is written on (the first, for a long value)."""
    lines: dict[str, int] = {}
    arrays: dict[str, int] = {}     # array-of-tables path -> index of its latest [[entry]]
    table = ""                      # the current table's path, with [index] for arrays of tables
    scanner = _ValueScanner()
    for number, line in enumerate(text.splitlines(), start=1):
        if scanner.inside:          # continuation of an array or multi-line string
            scanner.feed(line)
            continue
        header = _HEADER.match(line)
        if header:
            table = _resolve(_parts(header.group(2)), arrays, new_entry=header.group(1) == "[[")
            lines.setdefault(table, number)
            continue
        key_value = _KEY_VALUE.match(line)
        if key_value:
            path = table
            for part in _parts(key_value.group(1)):
                path = f"{path}.{part}" if path else part
                lines.setdefault(path, number)
            scanner.feed(line[key_value.end():])
    return lines


def _resolve(parts: list[str], arrays: dict[str, int], *, new_entry: bool) -> str:
    """The path of a table header: every prefix that is an array of tables gets its latest index."""
    plain, indexed = "", ""
    for position, part in enumerate(parts):
        plain = f"{plain}.{part}" if plain else part
        indexed = f"{indexed}.{part}" if indexed else part
        last = position == len(parts) - 1
        if last and new_entry:
            arrays[plain] = arrays.get(plain, -1) + 1
        if plain in arrays:
            indexed += f"[{arrays[plain]}]"
    return indexed


def line_of(lines: dict[str, int], path: str) -> int | None:
    """The line of `path`, else of the nearest enclosing key or table that is written; None if none is."""
    while path:
        if path in lines:
            return lines[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return None


class _ValueScanner:
    """Follows brackets and strings across lines, so that lines inside a value are not read as keys."""

    def __init__(self) -> None:
        self.depth = 0              # open [ and { outside strings
        self.string = ""            # the delimiter of an open multi-line string

    @property
    def inside(self) -> bool:
        return bool(self.depth or self.string)

    def feed(self, text: str) -> None:
        position = 0
        while position < len(text):
            if self.string:
                end = text.find(self.string, position)
                if end < 0:
                    return
                position, self.string = end + 3, ""
                continue
            char = text[position]
            if text.startswith(('"""', "'''"), position):
                self.string, position = text[position:position + 3], position + 3
            elif char in "\"'":
                position = _string_end(text, position)
            elif char == "#":
                return
            else:
                self.depth += (char in "[{") - (char in "]}")
                position += 1


def _string_end(text: str, start: int) -> int:
    """The position after the one-line string that opens at `start` (a basic string honours escapes)."""
    quote = text[start]
    position = start + 1
    while position < len(text):
        if quote == '"' and text[position] == "\\":
            position += 2
            continue
        if text[position] == quote:
            return position + 1
        position += 1
    return position
