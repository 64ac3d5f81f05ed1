"""The IOPC online complaint form, as the IOPC forwards it to a force: labelled answers in text.

The IOPC does not read its online form; it mails each submission to the
force's appropriate authority (seed 002), from a no-reply address, so the
complainant is the person named in the form. The form is recognised by its
layout (its intro sentence, its labels), never by who sent it: anyone can
send a form-like mail, and deciding whom to trust is triage's business.

Only the form's own labels start a field. The answers are free text that a
person typed, so a line such as "He said: move on" inside "What happened"
must not cut that answer short.
"""

from __future__ import annotations

import re

from mailbot import patterns
from mailbot.parse.form_labels import QUESTIONS, meaning
from mailbot.parse.message import Forwarded
from mailbot.parse.written_address import written_address

# The form mail's own sentence: "submitted using the online complaint form", "completed the IOPC online
# complaint form"; linear: each quantifier is over spaces between literal words
_INTRO = re.compile(r"online\s+complaint\s+form|iopc\s+online\s+(?:complaint\s+)?form|"
                    r"(?:submitted|made|sent|completed)\s+online\s+(?:via|through|on|using)\s+the\s+iopc", re.IGNORECASE)
# "Label: answer", "Label ....... answer" (dotted leaders), "Label<TAB>answer" (an HTML table's cells),
# and a question as label: "Who is your complaint about? The Chief Constable"
_LABELLED = patterns.compile(r"^\s*([A-Za-z][A-Za-z0-9 ,'’/()-]*?)\s*(?:\?\s*:?|:|\.{3,}|\t)(?:\s*(.*)|)$")   # cubic with `re`
# A numbered section whose heading is a question of the form: "SECTION 3 - WHAT HAPPENED"
_SECTION = patterns.compile(r"^\s*(?:section|part|step)\s+\d{1,2}\s*[-–:.]\s*([A-Za-z][A-Za-z ,'’/()-]{0,80}?)\s*\??\s*()$",
                            ignore_case=True)
# A row of a table the form lays its answers out in: "| Surname | Oyelowo |"
_TABLE_ROW = patterns.compile(r"^\s*\|\s*([A-Za-z][A-Za-z0-9 ,'’/()?-]{0,60}?)\s*\|\s*([^|]*?)\s*\|?\s*$")
# Section headings: "ABOUT YOU", "== Your details =="
# Section headings and rules: "ABOUT YOU", "== Your details ==", "--------"
_HEADING = re.compile(r"^(?:[A-Z][A-Z &/-]{2,40}|=+\s*[A-Za-z][A-Za-z ]{0,40}\s*=+|[-=_+|*]{3,})$")   # linear: anchored, bounded

_COMPLAINT = frozenset(QUESTIONS)
# Answers that run to paragraphs: a blank line inside them does not end them.
_FREE_TEXT = {"what happened", "what would you like to happen"}
# Labels that a person writing an ordinary email would hardly use, counted to recognise the form.
_DISTINCTIVE = _COMPLAINT | {"email address", "submission reference", "how would you like us to contact you"}
_LABELS_WITH_INTRO = 2
_LABELS_WITHOUT_INTRO = 4


def read_iopc_form(text: str, *, subject: str) -> Forwarded | None:
    """The form's complainant and answers, or None when `text` is not laid out as the form."""
    fields = _fields(text)
    labels = list(dict.fromkeys(question for _, question, _ in fields))
    distinctive = [label for label in labels if label in _DISTINCTIVE]
    intro = _INTRO.search(text)
    if intro and len(distinctive) < _LABELS_WITH_INTRO:
        return None
    if not intro and (len(distinctive) < _LABELS_WITHOUT_INTRO or "what happened" not in labels):
        return None
    found = dict((question, value) for _, question, value in reversed(fields))   # first of each wins
    display_name, sender = _person(found)
    shown = ", ".join(dict.fromkeys(label for label, _, _ in fields))
    matched = f"intro sentence {' '.join(intro.group().split())!r}; labels: {shown}" if intro else f"labels: {shown}"
    evidence = [f"IOPC online complaint form layout ({matched})"]
    if not sender:
        evidence.append("the form's Email address field holds no address")
    return Forwarded(
        layout="iopc-form",
        sender=sender,
        display_name=display_name,
        subject=subject,
        date=found.get("submitted") or found.get("date submitted", ""),
        text="\n".join(f"{label}: {value}" for label, question, value in fields if question in _COMPLAINT),
        fields=tuple((question, value) for _, question, value in fields),
        evidence=tuple(evidence),
    )


def _fields(text: str) -> list[tuple[str, str, str]]:
    """(label as written, the form question it asks, answer) for each form label, answers joined across lines."""
    fields: list[tuple[str, str, list[str]]] = []
    current: list[str] | None = None
    blank_ends_current = True
    for line in text.splitlines():
        labelled = _SECTION.match(line) or _LABELLED.match(line) or _TABLE_ROW.match(line)
        question = meaning(labelled.group(1)) if labelled else None
        if labelled and not question and blank_ends_current:
            current = None   # a field of the form we do not read ("Town: Ely") ends a short answer
        elif question:
            label = " ".join(labelled.group(1).split())
            current = [(labelled.group(2) or "").strip()]
            fields.append((label, question, current))
            blank_ends_current = question not in _FREE_TEXT
        elif _HEADING.match(line.strip()):
            current = None   # "ABOUT YOU", "== Your complaint ==": section headings of the form
        elif current is not None and not line.strip() and blank_ends_current:
            current = None
        elif current is not None:
            current.append(line.strip())
    return [(label, question, "\n".join(lines).strip()) for label, question, lines in fields]


def _person(found: dict[str, str]) -> tuple[str, str]:
    """(name as written, address) of the person who filled in the form."""
    _, address = written_address(found.get("email address", ""))
    name = found.get("full name", "")
    if not name:
        name = " ".join(part for part in (found.get("first name", ""), found.get("last name", "")) if part)
    return " ".join(name.split()), address
