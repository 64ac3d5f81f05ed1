r"""Patterns matched in linear time: every regular expression that reads text a sender controls.

Python's `re` backtracks, so a pattern with nested or adjacent overlapping
quantifiers (`^(?:[A-Z][a-z]+\s*)+$`) can take time exponential in the length
of a line that almost matches, and one message then stalls every pass. RE2
(google-re2) runs automata instead: time linear in the text, whatever the
pattern. It has no look-around and no backreferences; `compile` refuses them
and says why.

The syntax is Python's, with Python's meanings where RE2's differ: `\w`, `\d`
and `\s` are the Unicode classes of `re` (RE2's are ASCII), `\Z` is the end
of the text, `\uXXXX` and `\UXXXXXXXX` are characters, `{,n}` is `{0,n}`.
Two differences remain: `\b` is a boundary between an ASCII letter, digit or
underscore and anything else, and without `multiline` `$` matches only at the
very end of the text (never before a final newline).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import re2

from mailbot.errors import PatternError

# Python's classes for str patterns (re's \w is str.isalnum() or "_"; \d is str.isdecimal(); \s is str.isspace()).
_CLASSES = {
    "w": r"\p{L}\p{N}_",
    "d": r"\p{Nd}",
    "s": r"\t-\r\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}",
}
# For a PatternSet's screen only: classes that hold at least as much, cheaply (any non-ASCII character
# for \w and \d; a negated class excluding only its ASCII members). Unicode's letter classes make the
# automaton of a hundred patterns ten times larger; a looser screen may let a pattern through that the
# pattern itself then does not match, never the other way round.
_SCREEN_CLASSES = {"w": r"0-9A-Za-z_\x{80}-\x{10ffff}", "d": r"0-9\x{80}-\x{10ffff}", "s": _CLASSES["s"]}
_SCREEN_NEGATED = {"w": "0-9A-Za-z_", "d": "0-9", "s": r"\t-\r\x{20}"}
# Constructs of Python's syntax that no automaton can match, and what each is called.
_REFUSED = {"(?<=": "look-behind", "(?<!": "look-behind", "(?=": "look-ahead", "(?!": "look-ahead",
            "(?P=": "backreference", "(?>": "atomic group", "(?(": "conditional group"}
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")   # linear: one character class
_OMITTED_MINIMUM = re.compile(r"\{,\d+\}")         # linear: anchored by .match, no nested quantifier


class Pattern:
    """A compiled pattern; its methods and match objects are those of `re` (RE2's match objects)."""

    __slots__ = ("pattern", "screen_source", "_compiled")

    def __init__(self, pattern: str, compiled, screen_source: str = ""):
        self.pattern = pattern              # as written, in Python's syntax
        self.screen_source = screen_source  # a looser RE2 form, matching at least what it matches (PatternSet)
        self._compiled = compiled

    def search(self, text: str, pos: int | None = None, endpos: int | None = None):
        return self._compiled.search(_utf8(text), pos, endpos)

    def match(self, text: str, pos: int | None = None, endpos: int | None = None):
        return self._compiled.match(_utf8(text), pos, endpos)

    def fullmatch(self, text: str, pos: int | None = None, endpos: int | None = None):
        return self._compiled.fullmatch(_utf8(text), pos, endpos)

    def finditer(self, text: str, pos: int | None = None, endpos: int | None = None) -> Iterator:
        return self._compiled.finditer(_utf8(text), pos, endpos)

    def findall(self, text: str, pos: int | None = None, endpos: int | None = None) -> list:
        return self._compiled.findall(_utf8(text), pos, endpos)

    def sub(self, repl, text: str, count: int = 0) -> str:
        return self._compiled.sub(repl, _utf8(text), count)

    def __repr__(self) -> str:
        return f"patterns.compile({self.pattern!r})"


def compile(pattern: str, *, ignore_case: bool = False, multiline: bool = False, dot_all: bool = False) -> Pattern:
    """Compile `pattern` (Python's syntax, see the module docstring) for matching in linear time.

    Raises PatternError: with Python's reason when it does not compile, with
    the construct's name when it needs backtracking (look-behind,
    backreference ...), with RE2's reason for the rest (`\\N{...}`, `(?x)`).
    """
    try:
        re.compile(pattern)     # the syntax only, for Python's words and position; nothing is matched with `re`
    except re.error as error:
        raise PatternError(f"does not compile: {error}") from None
    flags = "".join(flag for flag, wanted in (("i", ignore_case), ("m", multiline), ("s", dot_all)) if wanted)
    options = _options()
    prefix = f"(?{flags})" if flags else ""
    try:
        compiled = re2.compile(prefix + _translate(pattern), options)
    except re2.error as error:
        reason = error.args[0] if error.args else "unknown"
        reason = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
        raise PatternError(f"is not supported by RE2, the linear-time matcher: {reason}") from None
    return Pattern(pattern, compiled, prefix + _translate(pattern, _SCREEN_CLASSES, _SCREEN_NEGATED))


class PatternSet:
    """Many compiled patterns screened in one pass over a text: which of them may match somewhere in it.

    RE2 runs all of them as one automaton, so the cost is one scan of the
    text however many patterns there are; only the patterns it lets through
    need to be searched again for where and what they matched. It reads each
    pattern's looser `screen_source`, so it may let through a pattern that
    does not match, but never holds back one that does.
    """

    __slots__ = ("_set", "size")

    def __init__(self, members: list[Pattern]):
        self.size = len(members)
        options = _options()
        # RE2's default budget (8 MiB) is too small for the automaton of a hundred case-insensitive patterns:
        # it keeps throwing its cache away and runs ten times slower than the patterns one by one. The budget is
        # a ceiling, not an allocation: the shipped rule sets use a few MiB.
        options.max_mem = _SET_MEMORY
        self._set = re2.Set.SearchSet(options)
        for member in members:
            if self._set.Add(member.screen_source) < 0:     # compiled alone already: cannot fail here
                raise PatternError(f"{member.pattern!r} cannot join a pattern set")
        self._set.Compile()

    def matching(self, text: str) -> frozenset[int]:
        """The positions (in the order given) of the patterns that may match somewhere in `text`."""
        return frozenset(self._set.Match(_utf8(text)) or ())


_SET_MEMORY = 32 << 20


def _options():
    options = re2.Options()
    options.log_errors = False      # the reason goes into PatternError, not onto stderr
    return options


def escape(text: str) -> str:
    """`text` with every character that means something in a pattern escaped."""
    return re2.escape(text)


def _translate(pattern: str, classes: dict[str, str] = _CLASSES, negated: dict[str, str] | None = None) -> str:
    """Python's syntax into RE2's with the same meaning; PatternError for what RE2 cannot match.

    `classes` (and `negated`, the members a \\W, \\D or \\S leaves out) may give looser classes for a screen.
    """
    out: list[str] = []
    index, class_start = 0, None     # class_start: where the current [...] set's members begin
    while index < len(pattern):
        char = pattern[index]
        in_class = class_start is not None
        if char == "\\":
            escaped = pattern[index + 1:index + 2]
            index += 2
            if escaped in classes:
                out.append(classes[escaped] if in_class else f"[{classes[escaped]}]")
            elif escaped.lower() in classes:
                if in_class:
                    raise PatternError(f"\\{escaped} inside [...] is not supported: write the set out")
                out.append(f"[^{(negated or classes)[escaped.lower()]}]")
            elif escaped == "Z":
                out.append(r"\z")
            elif escaped in ("u", "U"):
                digits = 4 if escaped == "u" else 8
                out.append(f"\\x{{{pattern[index:index + digits]}}}")
                index += digits
            elif escaped.isdigit() and escaped != "0" and not in_class:
                raise PatternError(f"backreference \\{escaped} is not supported", "backreference")
            else:
                out.append("\\" + escaped)
            continue
        if in_class:
            if char == "]" and index > class_start:   # a "]" first in the set is a member
                class_start = None
        elif char == "[":
            class_start = index + (2 if pattern.startswith("^", index + 1) else 1)
        elif char == "(":
            refused = next(((start, name) for start, name in _REFUSED.items() if pattern.startswith(start, index)), None)
            if refused:
                start, name = refused
                raise PatternError(f"{name} {start}…) is not supported", name)
        elif char == "{" and _OMITTED_MINIMUM.match(pattern, index):
            out.append("{0")
            index += 1
            continue
        out.append(char)
        index += 1
    return "".join(out)


def _utf8(text: str) -> str:
    """`text` as RE2 can read it: UTF-8 has no lone surrogates (bytes kept by surrogateescape) -> U+FFFD."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _LONE_SURROGATE.sub("\ufffd", text)
    return text
