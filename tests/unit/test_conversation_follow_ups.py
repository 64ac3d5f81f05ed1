"""Triage of the complainant's mail on a case, and of who may be answered at all.

A reply is recorded on its case and staff are told, never acknowledged
again; details that were asked for open the case; the cap, staff
addresses, the backlog and mailboxes without staff hold letters back.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from mailbot.kinds import Kind
from mailbot.triage import Action
from mailbot.triage.decision import Audience
from tests.unit.conversation_known import (
    ANNA, BEN, CAROL, CASE, CC_COMPLAINT, JANE, KNOWN, PANEL, PANEL_ADDRESS, PCC, PCC_ADDRESS, QUOTED, REF,
    decide, kinds, mail, staff_mail, valid)

# --- the complainant writes again -----------------------------------------------------------------------------------

def test_a_follow_up_is_recorded_and_staff_are_told_never_acknowledged():
    decision = decide(mail("I forgot to say: the meeting was recorded on video.\n"), replace(KNOWN, thread=CASE))
    assert decision.action is Action.FOLLOW_UP
    assert not decision.change.opens and decision.change.case_ref == REF and decision.change.status is None
    assert sorted((letter.kind, letter.audience, letter.to) for letter in decision.letters) == [
        (Kind.CASE_UPDATE.value, Audience.STAFF, ANNA), (Kind.CASE_UPDATE.value, Audience.STAFF, BEN)]


def test_a_follow_up_goes_to_the_single_point_of_contact_alone():
    decision = decide(mail("Any news?\n"), replace(KNOWN, thread=replace(CASE, assigned=BEN)))
    assert [(letter.kind, letter.to) for letter in decision.letters] == [(Kind.CASE_UPDATE.value, BEN)]


AWAITING = replace(CASE, status="awaiting-details", complainant_email="resident@example.net", complainant_name="",
                   anonymous=True, needs=("name-and-address",))


@pytest.mark.parametrize("text", [
    "Sorry. My name is Priya Shah and I live at 12 High Street, March PE15 8AB.\n",
    "Name: Priya Shah\nAddress: 12 High Street, March, PE15 8AB\n",
    "Here are my details.\n\nRegards,\nPriya Shah\n12 High Street\nMarch\nPE15 8AB\n",
])
def test_details_that_were_asked_for_open_the_case_and_it_is_acknowledged(text):
    decision = decide(mail(text, sender="resident@example.net"), replace(KNOWN, thread=AWAITING))
    assert decision.action is Action.FOLLOW_UP
    assert decision.change.status == "open" and decision.change.starts == ("first-contact",)
    assert decision.change.complainant_name == "Priya Shah"
    assert [(letter.kind, letter.to) for letter in decision.letters if letter.audience is Audience.COMPLAINANT] == [
        (Kind.ACKNOWLEDGEMENT.value, "resident@example.net")]
    assert decision.sends[0].kind == Kind.ACKNOWLEDGEMENT.value


def test_a_reply_without_the_details_gets_one_reminder():
    reply = mail("Why do you need my name? Just deal with it.\n", sender="resident@example.net")
    decision = decide(reply, replace(KNOWN, thread=AWAITING))
    assert decision.change.status is None and decision.needs == ("name-and-address",)
    reminders = [letter for letter in decision.sends if letter.kind == Kind.REQUEST_DETAILS.value]
    assert [(letter.to, letter.about) for letter in reminders] == [("resident@example.net", "again")]
    assert Kind.ACKNOWLEDGEMENT.value not in kinds(decision)
    again = decide(reply, replace(KNOWN, thread=replace(AWAITING, details_asked_again=True)))
    assert again.change.status is None
    assert Kind.REQUEST_DETAILS.value not in kinds(again) and Kind.ACKNOWLEDGEMENT.value not in kinds(again)


PERMISSION_NEEDED = replace(CASE, status="awaiting-details", third_party=True, needs=("written-permission",))


def with_attachment(text: str, filename: str = "permission.pdf") -> bytes:
    return (f"From: Jane Doe <{JANE}>\nTo: {PANEL_ADDRESS}\nSubject: Re: [{REF}] Your complaint\n"
            "Message-ID: <reply-2@example.org>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n\n"
            f"--XX\nContent-Type: text/plain\n\n{text}\n"
            f"--XX\nContent-Type: application/pdf\nContent-Disposition: attachment; filename={filename}\n"
            "Content-Transfer-Encoding: base64\n\nJVBERi0=\n--XX--\n").encode()


def test_written_permission_attached_opens_the_case():
    decision = decide(with_attachment("Please find my son's signed permission attached."),
                      replace(KNOWN, thread=PERMISSION_NEEDED))
    assert decision.change.status == "open" and decision.change.starts == ("first-contact",)
    assert Kind.ACKNOWLEDGEMENT.value in [letter.kind for letter in decision.sends]


@pytest.mark.parametrize("raw", [
    mail("I attach nothing yet: my son's signed permission is attached to my next email.\n"),    # no attachment
    with_attachment("I have attached the police letter, and his written permission will follow by post.",
                    "police-letter.pdf"),                                                         # it is to follow
])
def test_written_permission_not_given_is_still_needed(raw):
    decision = decide(raw, replace(KNOWN, thread=PERMISSION_NEEDED))
    assert decision.change.status is None and decision.needs == ("written-permission",)
    assert Kind.ACKNOWLEDGEMENT.value not in kinds(decision)


def test_automatic_mail_on_a_case_is_no_conversation():
    decision = decide(mail("I am out of the office until Monday.\n", extra="Auto-Submitted: auto-replied\n"),
                      replace(KNOWN, thread=CASE))
    assert decision.action is Action.IGNORE and decision.rule == "automatic-mail"
    assert decision.letters == () and not decision.change.opens


# --- what may not be answered ---------------------------------------------------------------------------------------

NEW_COMPLAINT = mail(CC_COMPLAINT + "Regards,\nPriya Shah\n12 High Street, March",
                     sender="Priya Shah <ps77@example.net>", to=PCC_ADDRESS, subject="Complaint")


def test_the_cap_holds_back_the_acknowledgement():
    decision = decide(NEW_COMPLAINT, replace(KNOWN, at_cap=frozenset({"ps77@example.net"})), mailbox="cambs-pcc")
    assert decision.action is Action.NEW_CASE and decision.change.opens
    acknowledgement = next(letter for letter in decision.letters if letter.kind == Kind.ACKNOWLEDGEMENT.value)
    assert acknowledgement.held_back and acknowledgement.capped_out
    assert [letter.to for letter in decision.sends] == [CAROL]


AT_CAP = frozenset({"resident@example.net", JANE})


@pytest.mark.parametrize("raw, known, kind", [
    (mail("My name is Priya Shah, 12 High Street, March PE15 8AB.\n", sender="resident@example.net"),
     replace(KNOWN, thread=AWAITING), Kind.ACKNOWLEDGEMENT),
    (mail("Why do you need my name?\n", sender="resident@example.net"), replace(KNOWN, thread=AWAITING),
     Kind.REQUEST_DETAILS),
    (staff_mail("#close\n" + QUOTED), valid(), Kind.CLOSURE_NOTICE),
    (staff_mail("#transfer psd\n" + QUOTED), valid(), Kind.REDIRECT_NOTICE),
], ids=["details-arrived", "reminder", "close", "transfer"])
def test_the_cap_holds_back_automatic_answers_on_a_case(raw, known, kind):
    decision = decide(raw, replace(known, at_cap=AT_CAP))
    [letter] = [letter for letter in decision.letters if letter.kind == kind.value]
    assert letter.held_back and letter.capped_out, letter


def test_the_cap_never_holds_back_what_staff_wrote():
    decision = decide(staff_mail("Dear Ms Doe, I will ring you.\n" + QUOTED), replace(valid(), at_cap=AT_CAP))
    assert [(letter.kind, letter.to) for letter in decision.sends] == [(Kind.CORRESPONDENCE.value, JANE)]


def test_a_staff_address_as_complainant_is_never_answered():
    decision = decide(mail(CC_COMPLAINT + "Regards,\nCarol Case", sender=f"Carol Case <{CAROL}>", to=PCC_ADDRESS,
                           subject="Complaint"), mailbox="cambs-pcc")
    acknowledgement = next(letter for letter in decision.letters if letter.audience is Audience.COMPLAINANT)
    assert acknowledgement.held_back and "staff address" in acknowledgement.held_back
    assert not acknowledgement.capped_out


def test_mail_older_than_the_connection_is_never_answered():
    decision = decide(NEW_COMPLAINT, replace(KNOWN, may_answer=False), mailbox="cambs-pcc")
    assert decision.change.opens
    assert all(letter.held_back for letter in decision.letters if letter.audience is Audience.COMPLAINANT)
    assert [letter.to for letter in decision.sends] == [CAROL]


def test_a_staff_reply_to_a_backlog_message_is_held_back():
    decision = decide(staff_mail("Dear Ms Doe, thank you.\n" + QUOTED), replace(valid(), may_answer=False))
    assert decision.action is Action.STAFF_REPLY and decision.sends == ()
    assert decision.change.meets == ()


def test_a_new_case_in_a_mailbox_without_staff_says_nobody_is_told():
    known = replace(KNOWN, mailboxes=(PANEL, replace(PCC, staff=(), staff_names=())))
    decision = decide(NEW_COMPLAINT, known, mailbox="cambs-pcc")
    staff = [letter for letter in decision.letters if letter.audience is Audience.STAFF]
    assert len(staff) == 1 and staff[0].kind == Kind.STAFF_NOTIFICATION.value
    assert "lists no staff" in staff[0].held_back


def test_an_internal_transfer_moves_the_case_and_sends_no_redirect():
    raw = mail(CC_COMPLAINT + "Regards,\nPriya Shah\n12 High Street, March", sender="Priya Shah <ps77@example.net>",
               subject="Complaint")
    decision = decide(raw)
    assert decision.mailbox == "cambs-pcc" and decision.body == "cambs-opcc"
    assert decision.action is Action.NEW_CASE and decision.change.opens
    assert Kind.REDIRECT.value not in kinds(decision) and Kind.REDIRECT_NOTICE.value not in kinds(decision)
    assert sorted((letter.kind, letter.to) for letter in decision.sends) == [
        (Kind.ACKNOWLEDGEMENT.value, "ps77@example.net"), (Kind.STAFF_NOTIFICATION.value, CAROL)]
    assert any(line.startswith("internal-transfer") for line in decision.trace)
