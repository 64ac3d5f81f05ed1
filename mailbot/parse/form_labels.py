"""What a label of a complaint form asks, whatever words the form uses for it.

Forms word their questions their own way: "Surname", "Family name" and "Last
name" ask the same; so do "Who is your complaint about", "Subject of
complaint" and "Person(s) complained about". Each label is read by the words
in it and given the question of the IOPC's own form (`QUESTIONS`), the names
the rest of mailbot uses (`Forwarded.field`, a signal's `form_fields`).
A label no rule here knows means nothing: its line is text.
"""

from __future__ import annotations

import re

# The person who filled in the form, and the form's own bookkeeping.
ABOUT_YOU = ("title", "full name", "first name", "last name", "email address", "address", "postcode", "phone",
             "date of birth", "how would you like us to contact you", "submission reference", "date submitted",
             "equality monitoring")
# The complaint, in the IOPC form's order.
QUESTIONS = ("which police force", "who is your complaint about", "do you know their name or number",
             "what happened", "when did it happen", "where did it happen", "were there any witnesses",
             "was anyone injured or was anything damaged", "have you already complained to the police about this",
             "what would you like to happen", "are you complaining on behalf of someone else")

_MAX_WORDS = 10      # a longer "label" is a sentence that ends in a question mark
_WORD = re.compile(r"[a-z]+")   # linear: one character class

# Words that make a name field someone else's: "Officer name/number", "Name or number if known".
_THEIR = {"officer", "officers", "their", "number", "force", "person", "persons", "complained", "staff", "known"}


def meaning(label: str) -> str | None:
    """The form question `label` asks (one of ABOUT_YOU or QUESTIONS), or None when it is no form label."""
    words = _WORD.findall(label.lower().replace("e-mail", "email").replace("’", "'"))
    if not words or len(words) > _MAX_WORDS:
        return None
    have = set(words)
    return _name(have) or _contact(have, words) or _complaint(have, words)


def _name(have: set[str]) -> str | None:
    if "surname" in have or "surnames" in have:
        return "last name"
    if have & {"forename", "forenames"}:
        return "first name"
    if not have & {"name", "names"}:
        return None
    if have & _THEIR:
        return "do you know their name or number"
    if have & {"first", "given", "christian"}:
        return "first name"
    if have & {"last", "family"}:
        return "last name"
    return "full name"


def _contact(have: set[str], words: list[str]) -> str | None:
    if "email" in have:
        return "email address"
    if have & {"phone", "telephone", "mobile", "tel"}:
        return "phone"
    if have & {"postcode", "post"} and ("code" in have or "postcode" in have):
        return "postcode"
    if "address" in have or words in (["town"], ["city"], ["county"]):
        return "address"
    if words == ["title"]:
        return "title"
    if "birth" in have or words == ["dob"]:
        return "date of birth"
    if have & {"contact", "contacted"} and have & {"method", "preference", "preferred", "how", "way"}:
        return "how would you like us to contact you"
    if have & {"reference", "ref", "submission"} and not have & {"crime", "incident", "log"}:
        return "submission reference"
    if "submitted" in have:
        return "date submitted"
    if have & {"equality", "monitoring", "ethnicity", "ethnic", "gender", "sex", "disability", "religion", "age"}:
        return "equality monitoring"
    return None


def _complaint(have: set[str], words: list[str]) -> str | None:
    if "behalf" in have or ("someone" in have and "else" in have):
        return "are you complaining on behalf of someone else"
    if "already" in have or ("complained" in have and "before" in have):
        return "have you already complained to the police about this"
    if "witness" in have or "witnesses" in have:
        return "were there any witnesses"
    if have & {"injured", "injury", "injuries", "damaged", "damage", "hurt"}:
        return "was anyone injured or was anything damaged"
    if have & {"outcome", "outcomes", "resolution", "remedy"} or ("like" in have and "happen" in have):
        return "what would you like to happen"
    if have & {"happened", "description", "describe", "summary", "account", "details", "complaint"} and \
            not have & {"about", "subject", "contact"} and not ("details" in have and have & {"your", "personal"}):
        return "what happened"
    if have & {"about", "subject", "complained", "who"}:
        return "who is your complaint about"
    if have & {"when", "date", "time"}:
        return "when did it happen"
    if have & {"where", "location", "place", "address"}:
        return "where did it happen"
    if "force" in have:
        return "which police force"
    return None
