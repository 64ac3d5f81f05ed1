"""Patterns in linear time: Python's meanings kept, what RE2 cannot match refused with the reason, `not_after`.

The administrators' rule files are checked too: a look-behind or a
backreference is reported by `load_ruleset` and `mailbot check` with the
file, the line of the pattern and what to write instead.
"""

from __future__ import annotations

import re
import shutil
import unicodedata

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from mailbot import patterns
from mailbot.cli import main
from mailbot.config import shipped_dir
from mailbot.errors import ConfigError, PatternError
from mailbot.parse import parse_message
from mailbot.triage import Action, Known, evaluate, load_ruleset
from mailbot.triage.rule_patterns import NOT_AFTER_WINDOW, compile_patterns
from tests.unit.rule_files import broken_rules

_ASSIGNED = "".join(chr(point) for point in range(0x110000)
                    if not 0xD800 <= point < 0xE000 and unicodedata.category(chr(point)) != "Cn")


@pytest.mark.parametrize("escape", [r"\w", r"\d", r"\s", r"\W", r"\D", r"\S"])
def test_classes_mean_what_they_mean_in_python(escape):
    """RE2's \\w, \\d and \\s are ASCII; Python's are Unicode (a no-break space is a space, "é" a letter)."""
    assert patterns.compile(escape).findall(_ASSIGNED) == re.findall(escape, _ASSIGNED)


@pytest.mark.parametrize("pattern, text, found", [
    (r"end\Z", "the end", "end"),                  # RE2 writes \z
    (r"ab{,2}c", "abbc", "abbc"),                  # RE2 reads {,2} as text
    (r"\u2019s", "Smith’s", "’s"),                 # RE2 writes \x{2019}
    (r"[]x]+", "a]x]b", "]x]"),
    (r"[^\s]+", "\xa0word\xa0", "word"),
])
def test_python_syntax_keeps_its_meaning(pattern, text, found):
    assert patterns.compile(pattern).search(text).group() == found


def test_flags():
    assert patterns.compile("^B.C$", ignore_case=True, multiline=True, dot_all=True).search("a\nb\nc\nd").group() == "b\nc"
    assert patterns.compile("^b$").search("a\nb") is None


@pytest.mark.parametrize("pattern, construct", [
    ("(?<!not )complain", "look-behind"), ("(?<=a)b", "look-behind"), ("a(?=b)", "look-ahead"),
    ("a(?!b)", "look-ahead"), (r"(a)\1", "backreference"), ("(?P<x>a)(?P=x)", "backreference"),
    ("(?>a+)b", "atomic group"), ("(a)?(?(1)b|c)", "conditional group"),
])
def test_what_cannot_be_matched_in_linear_time_is_refused_by_name(pattern, construct):
    with pytest.raises(PatternError) as refused:
        patterns.compile(pattern)
    assert refused.value.construct == construct and f"{construct} " in str(refused.value)


def test_a_pattern_that_does_not_compile_says_why():
    with pytest.raises(PatternError, match="does not compile: missing \\), unterminated subpattern at position 1"):
        patterns.compile("a(b")


def test_undecodable_bytes_kept_as_surrogates_do_not_stop_matching():
    assert patterns.compile("b+").search("a\udcff bb").span() == (3, 5)


def compiled(*entries):
    problems: list[str] = []
    found = compile_patterns(list(entries), path="test.yaml", line=1, what="test", problems=problems)
    assert not problems, problems
    return found


@pytest.mark.parametrize("text, matched", [
    ("I complain about the officer", "complain"),
    ("I am not complaining about anyone", None),
    ("I cannot complain about the service", None),                        # as the look-behind "(?<!not )" did
    ("NOT complaining", None),
    ("Not complaining, but now I complain about the officer", "complain"),   # the next match counts
    ("not\ncomplaining", "complaining"),                                 # only what the rule names: "not "
])
def test_a_match_right_after_a_not_after_pattern_does_not_count(text, matched):
    [complain] = compiled({"pattern": r"\bcomplain\w*", "not_after": ["not "]})
    found = complain.search(text)
    assert (found.group() if found else None) == matched


def test_not_after_reads_only_the_characters_just_before_the_match():
    [constable] = compiled({"pattern": r"\bconstable\b", "not_after": [r"chief\s+"]})
    assert constable.search("the Chief  Constable") is None
    assert constable.search("the chief said the constable").group() == "constable"


def decide(body: str, mailbox: str = "cambs-pcc", deployment: str = "cambridgeshire"):
    raw = (f"From: Jane Doe <jane.doe@example.org>\nTo: cambs-pcc@cambs.pnn.police.uk\nSubject: My car\n"
           f"Content-Type: text/plain; charset=utf-8\n\n{body}\n\nJane Doe").encode()
    return evaluate(parse_message(raw), mailbox, load_ruleset(shipped_dir("rules"), deployment), Known())


def test_not_complaining_is_no_complaint_in_the_shipped_rules():
    """The shipped rule said `(?<!not )\\bcomplain\\w*`; it says `not_after: ['not ']` now, with the same decisions."""
    asking = "Could you give me a crime reference number for my stolen car? I am not complaining about anyone."
    assert decide(asking).action is Action.SIGNPOST
    assert decide(asking.replace("not complaining about", "complaining about")).action is not Action.SIGNPOST


def test_a_constable_is_an_officer_but_the_chief_constable_is_not():
    assert "about-officer-or-staff" in decide("The constable at the front desk laughed at me.").why
    assert "about-officer-or-staff" not in decide("The Chief Constable laughed at me on the radio.").why


# Each refused construct, where administrators write patterns: (shipped text, broken text, words of the report).
BROKEN = {
    "look-behind in a signal": (r"{pattern: '\bconstables?\b', not_after: ['chief ']}", r"'(?<!chief )\bconstables?\b'",
                                ["signal about-officer-or-staff: patterns", "look-behind", "use not_after"]),
    "backreference in a policy list": (r"- '\bour\s+client\b'", r"- '\b(\w+) \1\b'",
                                       ["policy.acting_for_another", "backreference", "write the repeated text out"]),
    "look-ahead in a completeness item": (r"- '\bwitness'", r"- '\bwitness(?!es)'",
                                          ["policy.completeness.witnesses", "look-ahead", "use unless"]),
    "look-behind in not_after": ("not_after: ['not ']", "not_after: ['(?<=x)not ']", ["not_after", "look-behind"]),
    "unknown key beside a pattern": ("not_after: ['not ']", "not_before: ['not ']",
                                     ["not_before: unknown key (known: pattern, not_after)"]),
}


@pytest.mark.parametrize("shipped, broken, words", BROKEN.values(), ids=BROKEN.keys())
def test_a_rule_pattern_re2_refuses_is_reported_with_file_line_and_reason(tmp_path, shipped, broken, words):
    path, line = broken_rules(tmp_path, shipped, broken)
    with pytest.raises(ConfigError) as caught:
        load_ruleset(path.parent, "cambridgeshire")
    [problem] = caught.value.problems
    assert problem.startswith(f"{path}:{line}: ") and all(word in problem for word in words), problem


def test_check_reports_a_refused_rule_pattern(tmp_path):
    path, line = broken_rules(tmp_path, *BROKEN["look-behind in a signal"][:2])
    shutil.copytree(shipped_dir("templates"), tmp_path / "templates")
    for folder in ("cur", "new", "tmp"):
        (tmp_path / "Maildir" / "cambs-pcc" / folder).mkdir(parents=True)
    config = tmp_path / "mailbot.toml"
    config.write_text('deployment = "cambridgeshire"\nrules_dir = "rules"\ntemplates_dir = "templates"\n'
                      '[smtp]\ntransport = "directory"\ndirectory = "sent"\n[[mailboxes]]\nname = "cambs-pcc"\n'
                      'address = "cambs-pcc@cambs.pnn.police.uk"\nmaildir = "Maildir/cambs-pcc"\n')
    result = CliRunner().invoke(main, ["check", "--config", str(config)], catch_exceptions=False)
    assert result.exit_code == 2
    assert f"{path}:{line}: signal about-officer-or-staff: patterns: pattern '(?<!chief )\\\\bconstables?\\\\b': " \
           "look-behind (?<!…) is not supported: use not_after" in result.stderr, result.stderr


def python_equivalents(rule_file: str):
    """(Python `re` pattern as the rules said it before RE2, our compiled pattern) for every shipped pattern.

    A `not_after` entry was a look-behind: `{pattern: P, not_after: [W]}` was `(?<!W)P`; a guard of no fixed
    width, which Python's look-behind cannot say, is read as the rules README says: P, not right after W
    within the NOT_AFTER_WINDOW characters before it.
    """
    data = yaml.safe_load((shipped_dir("rules") / f"{rule_file}.yaml").read_text())
    lists = [entry.get(kind, []) for entry in data["signals"].values() for kind in ("patterns", "unless")]
    policy = data.get("policy", {})
    lists += [value for value in policy.values() if isinstance(value, list)]
    lists += list(policy.get("completeness", {}).values())
    for entries in lists:
        for entry, ours in zip(entries, compiled(*entries)):
            if isinstance(entry, dict):
                try:
                    yield re.compile("".join(f"(?<!{guard})" for guard in entry["not_after"]) + entry["pattern"],
                                     re.IGNORECASE | re.MULTILINE), ours
                except re.error:    # a guard of no fixed width
                    yield PythonNotAfter(entry["pattern"], entry["not_after"]), ours
                continue
            yield re.compile(entry, re.IGNORECASE | re.MULTILINE), ours


class PythonNotAfter:
    """`{pattern, not_after}` matched by Python's `re`, as rules/README.md words it (for guards of no fixed width)."""

    def __init__(self, pattern: str, guards: list[str]):
        self.pattern = pattern + " " + " ".join(guards)
        self.compiled = re.compile(pattern, re.IGNORECASE | re.MULTILINE)
        self.guards = [re.compile(f"(?:{guard})\\Z", re.IGNORECASE | re.MULTILINE) for guard in guards]

    def search(self, text: str):
        for hit in self.compiled.finditer(text):
            before = text[max(0, hit.start() - NOT_AFTER_WINDOW):hit.start()]
            if not any(guard.search(before) for guard in self.guards):
                return hit
        return None


PAIRS = [pair for rule_file in ("common", "cambridgeshire", "cleveland") for pair in python_equivalents(rule_file)]
# The words of the shipped patterns, and what sits between words; ASCII letters only beside letters
# (RE2's \b is ASCII: "é" next to a letter is the one difference the rules README names).
WORDS = sorted({word for python, _ in PAIRS for word in re.findall(r"[a-z]{2,}", python.pattern)}
               | {"not", "chief", "Not", "CHIEF", "A", "Mr", "I", "1", "12", "3/4/2025", "12th", "PC", "AB"})
BETWEEN = [" ", "  ", "\n", "\xa0", "\t", ". ", ", ", "’", '"', "“", "-", "/", ":", "?", "@"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(BETWEEN)), max_size=40))
def test_shipped_patterns_match_as_python_matched_them(pieces):
    text = "".join(word + between for word, between in pieces)
    for python, ours in PAIRS:
        expected, found = python.search(text), ours.search(text)
        assert (found and (found.span(), found.group())) == (expected and (expected.span(), expected.group())), \
            (python.pattern, text)
