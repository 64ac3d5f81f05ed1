"""Triage of staff mail on a case: replies relayed, #commands obeyed, and anything posing as staff refused.

Triage is pure: each test builds a message from bytes and tells triage
what the record would know (`Known`) by hand.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from mailbot.kinds import Kind
from mailbot.triage import Action
from mailbot.triage.decision import Audience
from mailbot.triage.known import StaffClaim, Token
from tests.unit.conversation_known import (
    ANNA, BEN, CAROL, CASE, JANE, KNOWN, PCC_CASE, QUOTED, REF, decide, mail, staff_mail, valid)

# --- staff replies and #commands ------------------------------------------------------------------------------------

WRITTEN = "Dear Ms Doe,\n\nI will telephone you tomorrow morning.\n\nAnna"
OUTLOOK = ("\n\nSent from my iPhone\n\n-----Original Message-----\n"
           "From: Mailbot <democratic.services@peterborough.gov.uk>\nSent: 15 December 2026 11:20\n"
           "To: Anna Clerk <anna.clerk@peterborough.gov.uk>\nSubject: [PCP-2026-00042] New complaint\n\n"
           "A new complaint has been opened: PCP-2026-00042.\n")


@pytest.mark.parametrize("quoted", [QUOTED, OUTLOOK], ids=["gmail", "outlook-mobile"])
def test_a_valid_staff_reply_is_relayed_to_the_complainant_without_the_quote(quoted):
    decision = decide(staff_mail(WRITTEN + "\n" + quoted), valid())
    assert decision.action is Action.STAFF_REPLY
    assert [(letter.kind, letter.audience, letter.to, letter.goes) for letter in decision.letters] == [
        (Kind.CORRESPONDENCE.value, Audience.COMPLAINANT, JANE, True)]
    assert decision.relayed_text == WRITTEN
    assert decision.change.meets == ("first-contact",) and not decision.change.opens
    assert decision.change.case_ref == REF and decision.change.status is None
    assert decision.staff_member == ANNA


def test_note_is_internal_sends_nothing_and_does_not_meet_first_contact():
    decision = decide(staff_mail("#note\nRang her; she will send photographs of the letter.\n" + QUOTED), valid())
    assert decision.action is Action.STAFF_COMMAND
    assert decision.letters == ()
    assert "send photographs" in decision.change.note
    assert decision.change.meets == () and decision.change.status is None
    assert decision.relayed_text == ""


def test_close_closes_and_tells_the_complainant():
    decision = decide(staff_mail("#close\n\nResolved by phone.\n" + QUOTED), valid())
    assert decision.action is Action.STAFF_COMMAND
    assert decision.change.status == "closed" and "first-contact" in decision.change.meets
    assert [(letter.kind, letter.to) for letter in decision.sends] == [(Kind.CLOSURE_NOTICE.value, JANE)]


def test_transfer_by_alias_redirects_outside():
    decision = decide(staff_mail("#transfer psd\n" + QUOTED), valid())
    assert decision.action is Action.STAFF_COMMAND
    assert decision.change.status == "redirected" and decision.change.redirected_to == "cambs-psd"
    assert decision.redirected_to == "cambs-psd" and decision.change.moves_to is None
    assert "first-contact" in decision.change.meets
    assert sorted((letter.kind, letter.audience, letter.to) for letter in decision.sends) == [
        (Kind.REDIRECT.value, Audience.BODY, "psd@cambs.pnn.police.uk"),
        (Kind.REDIRECT_NOTICE.value, Audience.COMPLAINANT, JANE)]


def test_transfer_to_a_watched_mailbox_moves_the_case_and_tells_its_staff():
    decision = decide(staff_mail("#transfer cambs-panel\n" + QUOTED, sender=CAROL), valid(CAROL, PCC_CASE),
                      mailbox="cambs-pcc")
    assert decision.action is Action.STAFF_COMMAND
    assert decision.change.moves_to == "democratic-services"
    assert decision.change.status is None and decision.change.redirected_to is None
    assert sorted((letter.kind, letter.audience, letter.to) for letter in decision.sends) == [
        (Kind.STAFF_NOTIFICATION.value, Audience.STAFF, ANNA), (Kind.STAFF_NOTIFICATION.value, Audience.STAFF, BEN)]


@pytest.mark.parametrize("commands, change", [
    ("#contacted", {"meets": ("first-contact",)}),
    ("#outcome", {"starts": ("review-window",)}),
    (f"#assign Ben Officer <{BEN}>", {"assign": BEN}),
    ("#note Rang her.\n#contacted\nShe will write.",
     {"meets": ("first-contact",), "note": "Rang her.\nShe will write."}),
])
def test_the_other_commands_change_the_case_and_send_nothing(commands, change):
    decision = decide(staff_mail(commands + "\n" + QUOTED), valid())
    assert decision.action is Action.STAFF_COMMAND and decision.letters == ()
    expected = {"meets": (), "starts": (), "assign": None, "status": None, "note": ""} | change
    assert {name: getattr(decision.change, name) for name in expected} == expected


def test_reopen_opens_a_closed_case_and_sends_nothing():
    decision = decide(staff_mail("#reopen\n" + QUOTED), valid(case=replace(CASE, status="closed")))
    assert decision.action is Action.STAFF_COMMAND and decision.letters == ()
    assert decision.change.status == "open"


def test_a_reply_that_is_all_quote_relays_nothing():
    decision = decide(staff_mail(QUOTED.lstrip("\n")), valid())
    assert decision.action is Action.STAFF_REPLY and decision.letters == () and decision.relayed_text == ""
    assert decision.change.meets == ()


def test_a_staff_reply_is_never_relayed_to_a_staff_address():
    decision = decide(staff_mail("Dear Carol, noted.\n" + QUOTED), valid(case=replace(CASE, complainant_email=CAROL)))
    [letter] = decision.letters
    assert letter.kind == Kind.CORRESPONDENCE.value and "staff address" in letter.held_back
    assert decision.change.meets == ()


def test_a_staff_auto_reply_carrying_a_valid_token_is_ignored():
    raw = staff_mail("I am out of the office until 4 January.\n").replace(
        b"Content-Type:", b"Auto-Submitted: auto-replied\nContent-Type:")
    decision = decide(raw, valid())
    assert decision.action is Action.IGNORE and decision.letters == () and decision.relayed_text == ""


def test_our_own_mail_on_a_case_is_ignored():
    decision = decide(mail("Your complaint has been received.\n"),
                      replace(KNOWN, thread=CASE, own_mail="Message-ID <mb1...> is signed by this mailbot"))
    assert decision.action is Action.IGNORE and decision.letters == ()


@pytest.mark.parametrize("commands", ["#closed", "#close now", "#transfer nowhere", "#close\n#reopen",
                                      "#assign not an address", "#close\n#frobnicate"])
def test_a_command_error_tells_its_writer_and_changes_nothing(commands):
    decision = decide(staff_mail(commands + "\n\nThanks\n" + QUOTED), valid())
    assert decision.action is Action.STAFF_COMMAND
    assert [(letter.kind, letter.audience, letter.to) for letter in decision.letters] == [
        (Kind.COMMAND_ERROR.value, Audience.SENDER, ANNA)]
    assert decision.command_errors
    change = decision.change
    assert change.status is None and change.meets == () and change.starts == () and change.assign is None
    assert change.moves_to is None and change.redirected_to is None and not change.opens


# --- forged staff mail ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("token", [Token.ABSENT, Token.ALTERED, Token.OTHER_ADDRESS, Token.NOT_STAFF])
@pytest.mark.parametrize("thread", [CASE, None], ids=["on-the-case", "no-case-found"])
def test_staff_mail_without_a_valid_token_is_refused(token, thread):
    sender = "mallory@example.net" if token == Token.NOT_STAFF else ANNA
    known = replace(KNOWN, thread=thread, staff=StaffClaim(sender, token, why="forged"))
    decision = decide(staff_mail("#close\n\nDear Ms Doe, your complaint is closed.\n" + QUOTED, sender=sender), known)
    assert decision.action is Action.REFUSED
    assert not decision.change.opens and decision.change.status is None
    assert decision.relayed_text == "" and decision.change.note == ""
    assert decision.letters and all(
        (letter.kind, letter.audience, letter.about) == (Kind.CASE_UPDATE.value, Audience.STAFF, "refused")
        for letter in decision.letters)
    assert sorted(letter.to for letter in decision.sends) == [ANNA, BEN]


def test_a_valid_token_for_another_case_is_refused():
    known = replace(valid(), staff=StaffClaim(ANNA, Token.VALID, case_ref="PCP-2026-00001"))
    decision = decide(staff_mail("Dear Ms Doe, all done.\n" + QUOTED), known)
    assert decision.action is Action.REFUSED and not any(letter.audience is Audience.COMPLAINANT
                                                          for letter in decision.letters)
