"""What the IOPC's online form already asked: completeness items its answers cover are not asked again.

Triage judges completeness by patterns over the complaint's text; the form
has a question for most items, and an answer such as "No" to "Were there
any witnesses" is an answer all the same. The person who filled in the form
is never asked for what the form asked them.
"""

from __future__ import annotations

from mailbot.parse.message import Forwarded

# Completeness item -> the form's questions that answer it (lower case, as parse reads the labels).
FORM_QUESTIONS = {
    "what": ("what happened",),
    "said-or-done": ("what happened",),
    "when": ("when did it happen",),
    "who": ("who is your complaint about", "do you know their name or number"),
    "witnesses": ("were there any witnesses",),
    "injury-or-damage": ("was anyone injured or was anything damaged",),
}


def still_missing(missing: tuple[str, ...] | list[str], forwarded: Forwarded | None) -> list[str]:
    """`missing` without the items the IOPC form's answers cover (unchanged for any other mail)."""
    if forwarded is None or forwarded.layout != "iopc-form":
        return list(missing)
    return [item for item in missing
            if not any(forwarded.field(question).strip() for question in FORM_QUESTIONS.get(item, ()))]
