"""Who is complaining: a person's name or none (anonymity), and whether they write for someone else."""

from __future__ import annotations

from dataclasses import dataclass

from mailbot import patterns
from mailbot.triage.person_names import person_name, with_surname_from_address
from mailbot.triage.policy import Policy
from mailbot.triage.rule_patterns import ScreenedSearch
from mailbot.triage.view import ComplaintView

_CLOSINGS = (r"yours( (sincerely|faithfully|truly|ever))?|(kind |best |warm |many |warmest )?(regards|thanks|wishes)|"
             r"thank you|best|cheers|sincerely|respectfully|with thanks|all the best|take care|thanks again|"
             r"thanks in advance|many thanks in advance|with best wishes|with kind regards|regards")
_CLOSING = patterns.compile(rf"^\s*({_CLOSINGS})\b[\s,.!]*$", ignore_case=True)
# A closing and a name on one line: "Kind regards, Priya Shah", "Thanks - Tom Wood".
_CLOSING_THEN_NAME = patterns.compile(rf"^\s*({_CLOSINGS})\s*[,.!:\-–]+\s*(?P<name>\S[^\n]{{0,80}})$",
                                      ignore_case=True)
# A signature is near the end: only the last lines are read (quoted replies below it are rarely longer).
_SIGN_OFF_LINES = 400
_HAS_DIGIT_OR_AT = patterns.compile(r"[\d@]")
# A file name in the text: "SCAN_0001.pdf", "IMG_20261203.jpg" (one word, then a dot and a short extension).
_FILE_NAME = patterns.compile(r"\b[\w\-]{1,80}\.(pdf|jpe?g|png|heic|gif|tiff?|docx?|odt|rtf|txt)\b", ignore_case=True)


@dataclass(frozen=True)
class Identity:
    """The complainant as triage sees them, with the evidence for each conclusion."""

    email: str
    name: str                       # a person's name, "" when none could be found
    anonymous: bool
    third_party: bool
    permission_enclosed: bool
    evidence: tuple[str, ...]
    name_guessed: bool = False      # read from a sign-off or a first name and the address: staff should confirm it


def sign_off_name(body: str, policy: Policy) -> tuple[str, str]:
    """The name a writer signed with and where it was found, or ("", "").

    The line after the last closing ("Regards,"), or on the same line as it,
    is the surest; failing that, the last name-shaped line that ends the text
    or stands above an address or number. Only the last _SIGN_OFF_LINES lines
    are read, from the end, cheapest test first.
    """
    lines = [line.strip() for line in body.splitlines()[-_SIGN_OFF_LINES:]]
    previous, following = _neighbours(lines)
    second_previous = _second_above(lines)
    fallback = ("", "")
    for index in reversed(range(len(lines))):
        line = lines[index]
        if not line[:1].isalpha() or _CLOSING.match(line) or any(pattern.search(line) for pattern in policy.sign_off_noise):
            continue
        same_line = _CLOSING_THEN_NAME.match(line)
        if same_line:
            name = person_name(same_line.group("name"), policy)
            if name:
                return name, f"on the closing line {line!r}"
            continue                                # "Cheers, Priti" is no "Surname, Given"
        # under the closing, or under a line of its own below it: "Yours sincerely, / Vicar of St Barnabas / The Revd Ruth Ashby"
        after_closing = bool(_CLOSING.match(previous[index]) or _CLOSING.match(second_previous[index]))
        if not (after_closing or not following[index] or _HAS_DIGIT_OR_AT.search(following[index])):
            continue
        name = person_name(line, policy)
        if name and after_closing:
            closing = previous[index] if _CLOSING.match(previous[index]) else second_previous[index]
            return name, f"under {closing!r}"
        if name and not fallback[0]:
            fallback = (name, "above " + repr(following[index]) if following[index] else "the last line")
    return fallback


def _first_name_and_address(view: ComplaintView) -> tuple[str, str]:
    """A first name alone (display name "Dave", or "Thanks, Dave") completed by the address (dave.hughes@...)."""
    candidates = [(view.display_name, f"the display name {view.display_name!r}")]
    lines = [line.strip() for line in view.body.splitlines()[-_SIGN_OFF_LINES:] if line.strip()]
    for index in reversed(range(len(lines))):
        same_line = _CLOSING_THEN_NAME.match(lines[index])
        if same_line or _CLOSING.match(lines[index]):
            signed = same_line.group("name") if same_line else (lines[index + 1] if index + 1 < len(lines) else "")
            candidates.append((signed, f"the sign-off {signed!r}"))
            break
    for first, where in candidates:
        name = with_surname_from_address(first, view.sender)
        if name:
            return name, where
    return "", ""


def _second_above(lines: list[str]) -> list[str]:
    """For each line, the second nearest non-empty line above it ("" when none), in one pass."""
    found, nearest, second = [], "", ""
    for line in lines:
        found.append(second)
        if line:
            nearest, second = line, nearest
    return found


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


def identify(view: ComplaintView, policy: Policy, search: ScreenedSearch | None = None) -> Identity:
    """Decide the complainant's name, anonymity and third-party status from the complaint itself.

    `search` runs the policy's patterns (a rule set's screen rules most of them out at once).
    """
    search = search or ScreenedSearch(None)
    evidence = []
    guessed = False
    name = person_name(view.display_name, policy)
    if name:
        source = "the form's name fields" if view.forwarded and view.forwarded.layout == "iopc-form" else "display name"
        evidence.append(f"named: {source} {view.display_name!r}")
    else:
        name, where = sign_off_name(view.body, policy)
        guessed = bool(name)
        if name:
            evidence.append(f"named: {name!r}, guessed from the sign-off ({where})"
                            + (f"; display name {view.display_name!r} is not a person's" if view.display_name else ""))
        else:
            name, where = _first_name_and_address(view)
            guessed = bool(name)
            if name:
                evidence.append(f"named: {name!r}, guessed from {where} and the address {view.sender!r}")
            else:
                shown = repr(view.display_name) if view.display_name else "none"
                evidence.append(f"no person's name: display name {shown}, no signed name")
    wish = _first(policy.wishes_anonymity, view.full_text, search)
    if wish:
        evidence.append(f"asks to stay anonymous: {wish!r}")
    acting = _first(policy.acting_for_another, view.full_text, search)
    permission = False
    if acting:
        evidence.append(f"writes for someone else: {acting!r}")
        permission, said = _permission(view, policy, search)
        evidence.append(said)
    return Identity(email=view.sender, name=name, anonymous=bool(wish) or not name, third_party=bool(acting),
                    permission_enclosed=permission, evidence=tuple(evidence),
                    name_guessed=guessed)


def _permission(view: ComplaintView, policy: Policy, search: ScreenedSearch) -> tuple[bool, str]:
    """Whether the writer says the affected person's permission is attached, and attached something.

    File names are read as one word: the dots of "SCAN_0001.pdf" would otherwise end the sentence
    that says what the scan is.
    """
    files = [item.filename for item in view.attachments]
    text = _FILE_NAME.sub("the file", view.full_text)
    for filename in files:
        if filename:
            text = text.replace(filename, "the file")
    enclosed = _first(policy.permission_enclosed, text, search)
    withheld = _first(policy.permission_not_enclosed, text, search)
    if enclosed and files and not withheld:
        return True, f"written permission enclosed: {enclosed!r} with {', '.join(files)}"
    return False, ("no written permission enclosed" + (f" ({withheld!r})" if withheld else "")
                   + ("" if files else "; no attachment"))


def _first(patterns, text: str, search: ScreenedSearch) -> str:
    for pattern in patterns:
        found = search(pattern, text)
        if found:
            return " ".join(found.group(0).split())
    return ""
