"""The rule sets: both shipped deployments load; a broken file is reported with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailbot.config import shipped_dir
from mailbot.errors import ConfigError
from mailbot.parse import parse_message
from mailbot.triage import Action, Known, evaluate, load_ruleset
from tests.unit.rule_files import broken_rules

CORPUS = Path(__file__).parent.parent / "corpus" / "mail"


@pytest.mark.parametrize("deployment, mailboxes", [
    ("cambridgeshire", {"democratic-services": "cambs-panel", "cambs-pcc": "cambs-opcc"}),
    ("cleveland", {"cleveland-resolution": "cleveland-opcc"}),
])
def test_shipped_deployments_have_the_directory_of_bodies(deployment, mailboxes):
    ruleset = load_ruleset(shipped_dir("rules"), deployment)
    assert ruleset.mailboxes == mailboxes
    expected = {"cambridgeshire": {"cambs-panel", "cambs-opcc", "cambs-psd", "cambs-legal", "iopc"},
                "cleveland": {"cleveland-opcc", "cleveland-dse", "cleveland-legal", "iopc"}}[deployment]
    assert set(ruleset.bodies) == expected


def test_body_settings_of_the_seeds():
    cambs = load_ruleset(shipped_dir("rules"), "cambridgeshire")
    cleveland = load_ruleset(shipped_dir("rules"), "cleveland")
    assert cambs.bodies["cambs-panel"].reference_prefix == "PCP"
    assert cambs.bodies["cambs-panel"].first_contact_working_days == 5
    assert not cambs.bodies["cambs-panel"].grants_review
    assert cleveland.bodies["cleveland-opcc"].first_contact_working_days == 2
    assert str(cleveland.bodies["cleveland-opcc"].office_hours.closes) == "16:30:00"


def broken(tmp_path: Path, old: str, new: str) -> list[str]:
    path, _ = broken_rules(tmp_path, old, new)
    with pytest.raises(ConfigError) as caught:
        load_ruleset(path.parent, "cambridgeshire")
    return caught.value.problems


def test_unknown_body_is_named_with_file_and_line(tmp_path):
    [problem] = broken(tmp_path, "cambs-pcc: cambs-opcc", "cambs-pcc: cambs-pcc-office")
    assert "cambridgeshire.yaml:" in problem and "unknown body 'cambs-pcc-office'" in problem


def test_unknown_action_and_condition(tmp_path):
    problems = broken(tmp_path, "when: {all: [automatic], none: [forwarded]}\n    then: ignore",
                      "when: {all: [automatc], none: [forwarded]}\n    then: drop")
    assert any("unknown signal or fact 'automatc'" in p and "cambridgeshire.yaml:" in p for p in problems), problems
    assert any("then: expected one of" in p for p in problems), problems


def test_a_pattern_that_does_not_compile_is_named(tmp_path):
    [problem] = broken(tmp_path, "      - '\\bfraud\\w*'", "      - '\\bfraud(\\w*'")
    assert "signal criminal-allegation: patterns" in problem and "does not compile" in problem


def test_a_redirect_to_an_unknown_body(tmp_path):
    [problem] = broken(tmp_path, "    to: cambs-psd", "    to: cambs-pds")
    assert "rule officer-or-staff-to-psd: to:" in problem and "'cambs-pds'" in problem


def test_a_rule_after_a_catch_all_can_never_fire(tmp_path):
    problems = broken(tmp_path, "  - name: automatic-mail\n", "  - name: everything\n    then: new-case\n\n  - name: automatic-mail\n")
    assert any("rule automatic-mail can never fire" in p and "everything" in p for p in problems), problems


def test_not_yaml(tmp_path):
    problems = broken(tmp_path, "bodies:", "bodies: [")
    assert "not valid YAML" in problems[0]


def decide(name: str, mailbox: str = "cambs-pcc", known: Known = Known()):
    ruleset = load_ruleset(shipped_dir("rules"), "cambridgeshire")
    return evaluate(parse_message((CORPUS / name).read_bytes()), mailbox, ruleset, known)


def test_a_complaint_opens_a_case_at_the_mailbox_body():
    decision = decide("p01-panel-pcc-public-meeting.eml", "democratic-services")
    assert decision.action is Action.NEW_CASE and decision.body == "cambs-panel"
    assert decision.complainant_email == "m.holloway@example.org"
    assert decision.rules == ["commissioner-at-the-panel"]
    assert "about-commissioner" in decision.why


@pytest.mark.parametrize("name", ["p17-pcc-out-of-office-reply.eml", "p18-panel-bounce.eml", "p19-pcc-newsletter.eml"])
def test_automatic_mail_is_ignored_with_the_evidence(name):
    decision = decide(name)
    assert decision.action is Action.IGNORE and decision.rules == ["automatic-mail"]
    assert decision.grounds[0].rule == "automatic" and decision.grounds[0].matched   # the evidence is named


def test_our_own_mail_is_ignored():
    decision = decide("p07-pcc-chief-constable-radio.eml", known=Known(own_mail="Message-ID <x> is signed by us"))
    assert decision.action is Action.IGNORE and decision.rules == ["own-mail"]
    assert "signed by us" in decision.why
