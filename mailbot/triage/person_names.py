"""What a person's (or a household's) name looks like, as written in a From line, a form or a sign-off.

Names are read word by word with str methods, not one big pattern: a word is
letters in any script ("Wróbel", "Ó Briain") with apostrophes and hyphens, an
initial ("J."), a lower-case particle ("van", "de"), or a title ("Mrs").
Reading each word once is linear in the length of the text, whatever it holds.
"""

from __future__ import annotations

from mailbot.triage.policy import Policy

_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "rev", "revd", "sir", "dame", "cllr", "lady",
                     "lord", "master", "reverend", "rt", "hon", "canon", "father", "fr", "sister", "pastor", "rabbi",
                     "imam", "councillor", "professor", "doctor", "ven", "venerable", "sgt", "capt", "major"})
_PARTICLES = frozenset({"van", "von", "de", "da", "del", "della", "di", "du", "la", "le", "den", "der", "ter", "bin",
                        "binti", "bint", "al", "el", "dos", "das", "do", "ap", "ó", "ní", "nic", "mac", "y", "e"})
_JOINERS = frozenset({"&", "and", "+"})             # "John & Mary Smith", "Mr and Mrs Smith"
_HOUSEHOLD_ENDS = frozenset({"family", "household", "families"})
_INNER = frozenset("'’-")
_SEPARATORS = (" | ", " – ", " — ", " - ", " (", "(", " [", " / ")   # a role or organisation after the name
_MAX_NAME_WORDS = 5
_MAX_LENGTH = 80


def person_name(text: str, policy: Policy) -> str:
    """The person's or household's name `text` gives, tidied ("Fiona Sutherland (Practice Manager)" gives
    "Fiona Sutherland"), or "" when it is no person's name ("A concerned resident", "S.", "Admin Team")."""
    text = " ".join(text.replace('"', "").split())
    if not text or len(text) > _MAX_LENGTH * 3:
        return ""
    for separator in _SEPARATORS:
        head = text.split(separator, 1)[0].strip()
        if head and head != text:
            text = head
    text = text.strip(" ,;:.-").strip()
    if not text or len(text) > _MAX_LENGTH:
        return ""
    first, _, rest = text.partition(" ")
    if first.lower() == "the" and rest.split(" ", 1)[0].lower().rstrip(".") in _TITLES:
        text = rest                                # "The Revd Ruth Ashby", "The Rt Hon ..."
    core = _without_household_words(text)
    if not core or any(pattern.search(core) for pattern in policy.not_a_person):
        return ""
    return text if _shaped_like_a_name(core, household=core != text) else ""


def is_person_name(text: str, policy: Policy) -> bool:
    return bool(person_name(text, policy))


def _without_household_words(text: str) -> str:
    """"The Smith Family" -> "Smith"; "John & Mary Smith" -> "John Mary Smith"; others unchanged."""
    words = text.split()
    if len(words) >= 2 and words[-1].lower() in _HOUSEHOLD_ENDS:
        words = words[:-1]
        if words and words[0].lower() == "the":
            words = words[1:]
    joined = [index for index, word in enumerate(words) if word.lower() in _JOINERS]
    if len(joined) > 1:
        return ""
    if joined:                                     # "John & Mary Smith", "Mr and Mrs Smith", not "Smith & Jones"
        before, after = words[:joined[0]], words[joined[0] + 1:]
        only_titles = all(word.lower().rstrip(".") in _TITLES for word in before)
        if not before or not (len(after) >= 2 or only_titles):
            return ""
        words = before + after
    return " ".join(words)


def _shaped_like_a_name(text: str, *, household: bool) -> bool:
    """Capitalised words (or initials, particles, titles): "Smith, John", "Mr J. Smith", "Agnieszka Wróbel"."""
    if text.count(",") == 1:                       # "Smith, John"
        surname, _, given = text.partition(",")
        text = f"{given.strip()} {surname.strip()}"
    elif "," in text:
        return False
    words = text.split()
    titles = 0
    while titles < len(words) and words[titles].lower().rstrip(".") in _TITLES:
        titles += 1
    rest = words[titles:]
    if not rest or len(rest) > _MAX_NAME_WORDS:
        return False
    kinds = [_kind(word) for word in rest]
    if "other" in kinds or kinds[-1] != "word":
        return False
    full_words = kinds.count("word")
    if titles or household:
        return full_words >= 1                     # "Mrs Okafor", "The Smith Family"
    return full_words >= 2 or (full_words == 1 and "initial" in kinds)   # "Jane Doe", "J. Smith"


def _kind(word: str) -> str:
    """"word" (capitalised letters), "initial" ("J", "J."), "particle" ("van"), or "other"."""
    if word.lower() in _PARTICLES and word[0].islower():
        return "particle"
    bare = word[:-1] if word.endswith(".") else word
    if len(bare) == 1 and bare.isalpha() and bare.isupper():
        return "initial"
    if word.endswith("."):
        return "other"
    if len(bare) < 2 or not bare[0].isalpha() or not bare[0].isupper():
        return "other"
    if bare[-1] in _INNER or any(not (char.isalpha() or char in _INNER) for char in bare):
        return "other"
    return "word"


def with_surname_from_address(first: str, address: str) -> str:
    """"Dave" and dave.hughes77@example.net give "Dave Hughes"; "" unless the address begins with that first name."""
    first = first.strip(" ,.!")
    if len(first.split()) != 1 or _kind(first) != "word":
        return ""
    local = address.split("@", 1)[0].lower()
    for separator in "_-":
        local = local.replace(separator, ".")
    parts = [part.rstrip("0123456789") for part in local.split(".")]
    if len(parts) < 2 or parts[0] != first.lower() or len(parts[1]) < 2 or not parts[1].isalpha():
        return ""
    return f"{first} {parts[1].capitalize()}"
