"""All of a rule set's patterns are screened in one pass, and the screen never changes a decision."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailbot import patterns
from mailbot.config import shipped_dir
from mailbot.parse import parse_message
from mailbot.triage import Known, evaluate, load_ruleset
from mailbot.triage.rule_patterns import RulePattern, ScreenedSearch

CORPUS = Path(__file__).parent.parent / "corpus" / "mail"
EXTRA = Path(__file__).parent.parent.parent / "benchmarks" / "triage_cases"
CAMBS = load_ruleset(shipped_dir("rules"), "cambridgeshire")


def test_a_pattern_set_says_which_patterns_match_somewhere():
    members = [patterns.compile(text, ignore_case=True) for text in (r"\bchief\s+constable\b", r"\bpcso\b", "fraud")]
    screen = patterns.PatternSet(members)
    assert screen.matching("The CHIEF  Constable and a PCSO") == {0, 1}
    assert screen.matching("nothing here") == frozenset()
    assert screen.matching("Wróbel said frauds") == {2}


def test_a_screened_search_runs_no_pattern_the_screen_rules_out(monkeypatch):
    ruleset = load_ruleset(shipped_dir("rules"), "cambridgeshire")
    pattern = ruleset.signals["about-chief-constable"].patterns[0]
    ran = []
    original = RulePattern.search
    monkeypatch.setattr(RulePattern, "search", lambda self, haystack: ran.append(self) or original(self, haystack))
    search = ScreenedSearch(ruleset.screen)
    assert search(pattern, "about the sergeant") is None and ran == []
    assert search(pattern, "about the Chief Constable").group(0) == "Chief Constable" and ran == [pattern]


@pytest.mark.parametrize("deployment, mailbox", [("cambridgeshire", "cambs-pcc"), ("cambridgeshire", "democratic-services"),
                                                 ("cleveland", "cleveland-resolution")])
def test_screened_and_unscreened_triage_decide_alike_on_every_sample(deployment, mailbox):
    screened = load_ruleset(shipped_dir("rules"), deployment)
    unscreened = dataclasses.replace(screened, screen=None)
    for path in sorted(CORPUS.glob("*.eml")) + sorted(EXTRA.glob("*.eml")):
        message = parse_message(path.read_bytes())
        known = Known(received=date(2026, 12, 8))
        one, other = evaluate(message, mailbox, screened, known), evaluate(message, mailbox, unscreened, known)
        assert (one.action, one.rule, one.hits, one.flags, one.missing) == \
               (other.action, other.rule, other.hits, other.flags, other.missing), path.name


WORDS = ["chief", "constable", "officer", "Wróbel", "ÉLAN", "über", "١٢٣", "12", "not", "complain", "my", "name",
         "é", " ", "\n", ",", "'", "-", "_", "\u00a0", "\u2003", "pcso", "the", "a", "was", "taken", "£40"]


@given(st.lists(st.sampled_from(WORDS), max_size=40).map("".join))
@settings(max_examples=300, deadline=None)
def test_the_screen_never_holds_back_a_pattern_that_matches(text):
    """Its classes are looser than the patterns' (any non-ASCII character is a letter to it), never tighter."""
    allowed = CAMBS.screen.matching(text)
    assert all(slot in allowed for slot, member in enumerate(CAMBS.screen._members) if member.compiled.search(text))
