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
from mailbot.parse.message import Forwarded
from mailbot.parse.written_address import written_address

# linear: each quantifier is over spaces between literal words
_INTRO = re.compile(r"submitted\s+(?:using|via|through)\s+the\s+online\s+complaint\s+form", re.IGNORECASE)
# "Label: answer", and a question as label: "Who is your complaint about? The Chief Constable"
_LABELLED = patterns.compile(r"^\s*([A-Za-z][A-Za-z ,'’/()-]*?)\s*(?:\?\s*:?|:)(?:\s+(.*)|)$")   # cubic with `re`
_HEADING = re.compile(r"^[A-Z][A-Z &/-]{2,40}$")   # linear: anchored and bounded

# Who the complainant is, and the form's own bookkeeping: fields, but not the complaint text.
_ABOUT_YOU = {
    "title", "name", "full name", "first name", "last name", "surname", "email address", "email",
    "address", "postcode", "phone", "phone number", "telephone", "mobile", "date of birth",
    "how would you like us to contact you", "submission reference", "submitted",
    "date submitted", "equality monitoring",
}
# The complaint itself, in the form's order.
_COMPLAINT = {
    "which police force", "who is your complaint about", "do you know their name or number",
    "what happened", "when did it happen", "where did it happen", "were there any witnesses",
    "was anyone injured or was anything damaged", "have you already complained to the police about this",
    "what would you like to happen", "are you complaining on behalf of someone else",
}
# Answers that run to paragraphs: a blank line inside them does not end them.
_FREE_TEXT = {"what happened", "what would you like to happen"}
_KNOWN = _ABOUT_YOU | _COMPLAINT
# Labels that a person writing an ordinary email would hardly use, counted to recognise the form.
_DISTINCTIVE = _COMPLAINT | {"email address", "submission reference", "how would you like us to contact you"}
_LABELS_WITH_INTRO = 2
_LABELS_WITHOUT_INTRO = 4


def read_iopc_form(text: str, *, subject: str) -> Forwarded | None:
    """The form's complainant and answers, or None when `text` is not laid out as the form."""
    fields = _fields(text)
    labels = list(dict.fromkeys(_key(label) for label, _ in fields))
    distinctive = [label for label in labels if label in _DISTINCTIVE]
    intro = _INTRO.search(text)
    if intro and len(distinctive) < _LABELS_WITH_INTRO:
        return None
    if not intro and (len(distinctive) < _LABELS_WITHOUT_INTRO or "what happened" not in labels):
        return None
    found = dict((_key(label), value) for label, value in reversed(fields))   # first of each wins
    display_name, sender = _person(found)
    shown = ", ".join(dict.fromkeys(label for label, _ in fields))
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
        text="\n".join(f"{label}: {value}" for label, value in fields if _key(label) in _COMPLAINT),
        fields=tuple(fields),
        evidence=tuple(evidence),
    )


def _fields(text: str) -> list[tuple[str, str]]:
    """(label as written, answer) for each form label, answers joined across their lines."""
    fields: list[tuple[str, list[str]]] = []
    current: list[str] | None = None
    blank_ends_current = True
    for line in text.splitlines():
        labelled = _LABELLED.match(line)
        if labelled and _key(labelled.group(1)) in _KNOWN:
            label = " ".join(labelled.group(1).split())
            current = [(labelled.group(2) or "").strip()]
            fields.append((label, current))
            blank_ends_current = _key(label) not in _FREE_TEXT
        elif _HEADING.match(line.strip()):
            current = None   # "ABOUT YOU", "YOUR COMPLAINT": section headings of the form
        elif current is not None and not line.strip() and blank_ends_current:
            current = None
        elif current is not None:
            current.append(line.rstrip())
    return [(label, "\n".join(lines).strip()) for label, lines in fields]


def _person(found: dict[str, str]) -> tuple[str, str]:
    """(name as written, address) of the person who filled in the form."""
    _, address = written_address(found.get("email address") or found.get("email", ""))
    name = found.get("name") or found.get("full name", "")
    if not name:
        parts = [found.get("first name", ""), found.get("last name") or found.get("surname", "")]
        name = " ".join(part for part in parts if part)
    return " ".join(name.split()), address


# Other words forms use for their labels, read as the form's own ("Forename", "Family name", "E-mail").
_SYNONYMS = {
    "first names": "first name", "forename": "first name", "forenames": "first name", "given name": "first name",
    "given names": "first name", "christian name": "first name", "last names": "last name", "family name": "last name",
    "surnames": "surname", "e-mail": "email", "e-mail address": "email address", "email address(es)": "email address",
    "contact number": "phone", "telephone number": "phone", "mobile number": "phone", "phone no": "phone",
    "contact telephone": "phone", "post code": "postcode", "describe what happened": "what happened",
}
# Words a form puts before a label that do not change it: "Tell us what happened", "Your surname".
_LEAD_WORDS = frozenset({"please", "tell", "us", "briefly", "describe", "give", "enter", "your", "the",
                         "complainant's", "complainants", "complainant"})


def _key(label: str) -> str:
    """The form's own name for a label as written: case, brackets, lead-in words and synonyms set aside.

    A label no form of ours uses is kept as written when its last words are
    not a known label either, so a person's "He said: move on" stays text.
    """
    words = " ".join(label.lower().replace("’", "'").replace("(s)", "s").split()).rstrip("?").split()
    while len(words) > 1 and words[0] in _LEAD_WORDS:
        words = words[1:]
    key = " ".join(words)
    key = _SYNONYMS.get(key, key)
    if key in _KNOWN:
        return key
    for start in range(1, len(words)):    # "Tell us in your own words what happened" ends in a known label
        tail = " ".join(words[start:])
        tail = _SYNONYMS.get(tail, tail)
        if tail in _KNOWN and len(words) - start >= 2:
            return tail
    return key
