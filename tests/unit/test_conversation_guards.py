"""Guards on mail about a case: a loop of header-less auto-replies ends, and commands that cannot be done are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailbot.parse import parse_message
from mailbot.triage import Action, evaluate, load_ruleset
from mailbot.triage.known import Known, Mailbox, StaffClaim, ThreadCase, Token

ROOT = Path(__file__).resolve().parents[2]
RULES = load_ruleset(ROOT / "rules", "cambridgeshire")
STAFF, OTHER = "officer.a@peterborough.gov.uk", "officer.b@peterborough.gov.uk"
PANEL = Mailbox(name="democratic-services", address="democratic.services@peterborough.gov.uk", staff=(STAFF,))
CASE = ThreadCase(ref="PCP-2026-00001", mailbox="democratic-services", body="cambs-panel", status="open",
                  complainant_email="jane.doe@example.org", how="answers our acknowledgement")


def _mail(sender: str, text: str) -> bytes:
    return (f"From: {sender}\nTo: democratic.services@peterborough.gov.uk\nSubject: Re: [PCP-2026-00001]\n"
            f"Message-ID: <m1@example.org>\n\n{text}\n").encode()


def _known(thread: ThreadCase, *, staff: bool = False) -> Known:
    claim = StaffClaim(STAFF, Token.VALID, case_ref=thread.ref, why="token") if staff else None
    return Known(mailboxes=(PANEL,), staff_addresses=frozenset({STAFF}), thread=thread, staff=claim)


def test_staff_are_told_of_replies_until_a_day_holds_ten_updates_then_replies_are_only_recorded():
    message = parse_message(_mail("jane.doe@example.org", "I am away until Monday."))
    told = evaluate(message, "democratic-services", RULES, _known(CASE))
    assert [letter.kind for letter in told.sends] == ["case-update"]

    busy = evaluate(message, "democratic-services", RULES, _known(ThreadCase(**{**CASE.__dict__, "updates_lately": 10})))
    assert busy.action is Action.FOLLOW_UP and busy.sends == ()
    [held] = busy.letters
    assert "recorded on the case only" in held.held_back


@pytest.mark.parametrize("command, status, error", [
    (f"#assign {OTHER}", "open", "is not a listed staff address"),
    ("#transfer cambs-panel", "open", "already with cambs-panel"),
    ("#close", "closed", "already closed"),
    ("#reopen", "open", "is not closed"),
])
def test_a_command_that_cannot_be_done_on_the_case_does_nothing_and_its_writer_is_told(command, status, error):
    thread = ThreadCase(**{**CASE.__dict__, "status": status})
    decision = evaluate(parse_message(_mail(STAFF, f"#note\n{command}\nsome words")), "democratic-services", RULES,
                        _known(thread, staff=True))
    assert decision.action is Action.STAFF_COMMAND
    assert [(letter.kind, letter.to) for letter in decision.sends] == [("command-error", STAFF)]
    assert any(error in line for line in decision.command_errors), decision.command_errors
    assert decision.change.status is None and decision.change.note == "" and decision.change.events[0][0] == \
        "command-refused"
