"""Who is complaining: a person's name or none (anonymity), and whether they write for someone else."""

from __future__ import annotations

from dataclasses import dataclass

from mailbot import patterns
from mailbot.triage.policy import Policy
from mailbot.triage.view import ComplaintView

_TITLE = r"(?:(?:mr|mrs|ms|miss|mx|dr|prof|rev|sir|dame|cllr)\.?\s+)"
_WORD = r"[A-Z][a-zA-Z'’\-]+"
_NAME = patterns.compile(rf"^{_TITLE}?{_WORD}(?:\s+{_WORD}){{0,3}}$", ignore_case=True)
# Nested quantifiers: with `re`, "A" * 60 + " bb" took longer than the age of the universe; RE2 takes microseconds.
_CAPITALISED = patterns.compile(rf"^(?:{_TITLE})?(?:{_WORD}\s*)+$")
_LAST_FIRST = patterns.compile(rf"^{_WORD},\s*{_WORD}$")
_CLOSING = patterns.compile(r"^\s*(yours (sincerely|faithfully|truly)|(kind |best |warm )?regards|thanks|thank you|"
                            r"many thanks|best wishes|best|cheers|sincerely|respectfully)\b[\s,.!]*$", ignore_case=True)
_HAS_DIGIT_OR_AT = patterns.compile(r"[\d@]")


@dataclass(frozen=True)
class Identity:
    """The complainant as triage sees them, with the evidence for each conclusion."""

    email: str
    name: str                       # a person's name, "" when none could be found
    anonymous: bool
    third_party: bool
    permission_enclosed: bool
    evidence: tuple[str, ...]


def is_person_name(text: str, policy: Policy) -> bool:
    """Two or more capitalised words (or a title and a surname), none of them a word like "resident"."""
    text = " ".join(text.replace('"', "").split())
    if not text:
        return False
    shaped = _LAST_FIRST.match(text) or (len(text.split()) >= 2 and _NAME.match(text) and _CAPITALISED.match(text))
    return bool(shaped) and not any(pattern.search(text) for pattern in policy.not_a_person)


def sign_off_name(body: str, policy: Policy) -> str:
    """The name a writer signed with: after a closing ("Regards,"), or a name line above their address.

    The last such line is the signature, so lines are read from the end, cheapest test first.
    """
    lines = [line.strip() for line in body.splitlines()]
    previous, following = _neighbours(lines)
    for index in reversed(range(len(lines))):
        line = lines[index]
        if not line:
            continue
        signed = not following[index] or _CLOSING.match(previous[index]) or _HAS_DIGIT_OR_AT.search(following[index])
        if signed and is_person_name(line, policy) and not any(pattern.search(line) for pattern in policy.sign_off_noise):
            return line
    return ""


def _neighbours(lines: list[str]) -> tuple[list[str], list[str]]:
    """For each line, the nearest non-empty line above it and below it ("" when none), in one pass each way.

    Looking for them from each line again would take time quadratic in the number of lines.
    """
    previous, following = [], []
    for source, found in ((lines, previous), (reversed(lines), following)):
        nearest = ""
        for line in source:
            found.append(nearest)
            nearest = line or nearest
    following.reverse()
    return previous, following


def identify(view: ComplaintView, policy: Policy) -> Identity:
    """Decide the complainant's name, anonymity and third-party status from the complaint itself."""
    evidence = []
    name = ""
    if is_person_name(view.display_name, policy):
        name = view.display_name
        evidence.append(f"named: display name {view.display_name!r}")
    else:
        signed = sign_off_name(view.body, policy)
        if signed:
            name = signed
            evidence.append(f"named: signed {signed!r}" + (f" (display name {view.display_name!r} is not a person's)"
                                                          if view.display_name else ""))
        else:
            shown = repr(view.display_name) if view.display_name else "none"
            evidence.append(f"no person's name: display name {shown}, no signed name")
    wish = _first(policy.wishes_anonymity, view.full_text)
    if wish:
        evidence.append(f"asks to stay anonymous: {wish!r}")
    acting = _first(policy.acting_for_another, view.full_text)
    permission = False
    if acting:
        evidence.append(f"writes for someone else: {acting!r}")
        enclosed = _first(policy.permission_enclosed, view.full_text)
        withheld = _first(policy.permission_not_enclosed, view.full_text)
        files = [item.filename for item in view.attachments]
        if enclosed and files and not withheld:
            permission = True
            evidence.append(f"written permission enclosed: {enclosed!r} with {', '.join(files)}")
        else:
            evidence.append("no written permission enclosed" + (f" ({withheld!r})" if withheld else "")
                            + ("" if files else "; no attachment"))
    return Identity(email=view.sender, name=name, anonymous=bool(wish) or not name, third_party=bool(acting),
                    permission_enclosed=permission, evidence=tuple(evidence))


def _first(patterns, text: str) -> str:
    for pattern in patterns:
        found = pattern.search(text)
        if found:
            return " ".join(found.group(0).split())
    return ""
