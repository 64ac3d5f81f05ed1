"""HTML reduced to the text a browser shows: its words, with spaces and line breaks where a reader sees them.

The rules are CSS's for `white-space: normal`, which mail clients follow:
a run of white space in the source is one space wherever it is, inside
an element or between two; inline elements (`<b>`, `<span>`, `<a>`) add
nothing of their own, so `<b>Von:</b> "Martin"` keeps its space and
`5a<span>H</span>w5` stays one word; block elements (`<p>`, `<div>`,
`<li>`, `<tr>`) start a new line, paragraphs and headings leave a blank
line; table cells side by side are a tab apart (where one cell ends stays known: a form's label and answer); `<pre>` keeps its white
space. What a browser never shows (the head, scripts, styles, elements
marked `hidden` or `display: none`) is left out. (html-text, used before,
guessed spaces from punctuation instead: `Von:"Martin"`, `5a H w5`.)
"""

from __future__ import annotations

import re

import html_text
from lxml import etree

_SKIPPED = frozenset({"head", "title", "script", "style", "template", "noscript"})
_PARAGRAPHS = frozenset({
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "dl", "figure", "ol", "ul", "pre", "table",
})
_LINES = frozenset({
    "address", "article", "aside", "body", "caption", "center", "dd", "details", "dialog", "dir",
    "div", "dt", "fieldset", "figcaption", "footer", "form", "header", "hgroup", "hr", "html", "legend",
    "li", "main", "menu", "nav", "section", "summary", "tbody", "tfoot", "thead", "tr",
})
_CELLS = frozenset({"td", "th"})
_COLLAPSIBLE = re.compile(r"[ \t\n\r\f]+")   # one character class: linear. Not U+00A0: &nbsp; is kept
_BLANK_LINES = re.compile(r"\n{3,}")


def html_to_text(html: str) -> str:
    """The text a browser would show for this HTML, as lines; "" when it shows nothing."""
    root = html_text.parse_html(html)   # lxml's HTML parser, recovering from broken markup
    writer = _TextWriter()
    walk = etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    for event, element in walk:   # events, not recursion: nesting depth is the sender's choice
        if event in ("comment", "pi"):
            writer.text(element.tail)
        elif event == "start":
            if _hidden(element):
                walk.skip_subtree()
                writer.skipping = True
            else:
                writer.open(element.tag)
                writer.text(element.text)
        else:
            if writer.skipping:   # the end of an element whose inside was skipped
                writer.skipping = False
            else:
                writer.close(element.tag)
            writer.text(element.tail)
    return writer.result()


def _hidden(element) -> bool:
    if not isinstance(element.tag, str) or element.tag.lower() in _SKIPPED:
        return True
    if element.get("hidden") is not None:
        return True
    style = (element.get("style") or "").lower()
    return "display" in style and "display:none" in "".join(style.split())


class _TextWriter:
    """The text so far, and the space or line breaks owed before the next word."""

    def __init__(self) -> None:
        self.chunks: list[str] = []
        self.breaks_owed = 0      # line breaks before the next text (block boundaries)
        self.space_owed = False   # collapsed white space before the next text
        self.cell_owed = False    # a table cell ended: a tab before the next text on the line
        self.line_started = False
        self.trailing_breaks = 0  # line breaks at the end of the text so far
        self.pre_depth = 0
        self.skipping = False

    def open(self, tag: str) -> None:
        tag = tag.lower()
        if tag == "br":
            self._owe_breaks(0)
            self._flush_breaks()
            self.chunks.append("\n")
            self.trailing_breaks += 1
            self.line_started = False
        elif tag in _CELLS:
            self.space_owed = True
        else:
            self._block(tag)
        if tag == "pre":
            self.pre_depth += 1

    def close(self, tag: str) -> None:
        tag = tag.lower()
        if tag in _CELLS:
            self.cell_owed = True
        elif tag != "br":
            self._block(tag)
        if tag == "pre":
            self.pre_depth = max(0, self.pre_depth - 1)

    def text(self, value: str | None) -> None:
        if not value:
            return
        if self.pre_depth:
            self._write(value)
            kept = value.rstrip("\n")
            self.trailing_breaks = len(value) - len(kept) if kept else self.trailing_breaks + len(value)
            self.line_started = not self.trailing_breaks
            return
        collapsed = _COLLAPSIBLE.sub(" ", value)
        words = collapsed.strip(" ")
        if not words:
            self.space_owed = self.space_owed or bool(collapsed)
            return
        if collapsed.startswith(" "):
            self.space_owed = True
        self._write(words)
        self.space_owed = collapsed.endswith(" ")

    def result(self) -> str:
        text = "".join(self.chunks).replace("\xa0", " ")
        lines = [line.rstrip() for line in text.split("\n")]
        return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")

    def _block(self, tag: str) -> None:
        if tag in _PARAGRAPHS:
            self._owe_breaks(2)
        elif tag in _LINES:
            self._owe_breaks(1)

    def _owe_breaks(self, count: int) -> None:
        self.breaks_owed = max(self.breaks_owed, count)
        self.space_owed = self.cell_owed = False

    def _write(self, words: str) -> None:
        if self.breaks_owed:
            self._flush_breaks()
        elif self.cell_owed and self.line_started:
            self.chunks.append("\t")
        elif self.space_owed and self.line_started:
            self.chunks.append(" ")
        self.chunks.append(words)
        self.line_started = True
        self.trailing_breaks = 0
        self.space_owed = self.cell_owed = False

    def _flush_breaks(self) -> None:
        """Write the line breaks owed, counting those a <br> already wrote; none before the first text."""
        if self.chunks:
            self.chunks.append("\n" * max(0, self.breaks_owed - self.trailing_breaks))
            self.trailing_breaks = max(self.trailing_breaks, self.breaks_owed)
            self.line_started = False
        self.breaks_owed = 0
