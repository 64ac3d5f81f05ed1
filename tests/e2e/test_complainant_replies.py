"""Complainants answer what they got (issue 7): replies stay on their case, details open it, loops never start.

Through Dovecot and aiosmtpd, at the Commissioner's office (staff Carol and
Omar): p07 is a named complaint, p08 an unsigned one that waits for a name
and address.
"""

from __future__ import annotations

import pytest

from tests.e2e.conversations import (
    CAROL, ELEANOR, OMAR, PCC, case_now, complaint, inbound_statuses, kinds_to, latest, open_case, outbox_size,
    pcc_installation, reply, run,
)

DEREK = "tx4471@example.net"        # p08's sender, who gives no name at first
NEW_TEXT = "I forgot to say: the interview was on BBC Radio Cambridgeshire at 8.10am on 5 November."


@pytest.fixture
def pcc(tmp_path, dovecot, smtp_server):
    return pcc_installation(tmp_path, dovecot, smtp_server)


def what_they_wrote(update) -> str:
    """The case-update's "What they wrote" section: the reply's own text, quoted."""
    return update.text.split("What they wrote\n---------------\n", 1)[1].split("\n\n", 1)[0].strip()


def staff_reply_relayed(pcc) -> None:
    """Carol answers her notification in plain text, and it is relayed to the complainant."""
    reply(pcc, latest(pcc, "staff-notification", CAROL), sender=CAROL, at="2026-11-26T11:20:00+00:00",
          body="Dear Mrs Pritchard,\n\nCould I telephone you tomorrow?\n\nCarol Evans")
    assert kinds_to(run(pcc, "2026-11-26T11:25:00+00:00")) == [("correspondence", ELEANOR)], pcc.smtp.describe()


# --- follow-ups ------------------------------------------------------------------------

def test_a_reply_to_the_acknowledgement_stays_on_its_case_and_staff_are_told(pcc):
    """GIVEN an acknowledged complaint WHEN the complainant answers the acknowledgement
    THEN no case opens and nothing is acknowledged again; each staff member gets a case-update with what they
    added, without the acknowledgement they quoted."""
    ref = open_case(pcc)["ref"]
    reply(pcc, latest(pcc, "acknowledgement", ELEANOR), sender=ELEANOR, body=NEW_TEXT, at="2026-11-26T12:00:00+00:00")

    sent = run(pcc, "2026-11-26T12:05:00+00:00")

    assert [case["ref"] for case in pcc.export()] == [ref]
    assert kinds_to(sent) == [("case-update", CAROL), ("case-update", OMAR)], pcc.smtp.describe()
    update = sent[0]
    assert ref in update.subject and not update.subject.startswith("REFUSED"), update.subject
    assert what_they_wrote(update) == f"> {NEW_TEXT}", update.text


def test_a_reply_to_a_relayed_staff_reply_stays_on_its_case_and_staff_are_told(pcc):
    """GIVEN Carol's reply relayed to the complainant WHEN the complainant answers it
    THEN staff get the news as a case-update on the case, not as a refused claim to be staff."""
    ref = open_case(pcc)["ref"]
    staff_reply_relayed(pcc)
    reply(pcc, latest(pcc, "correspondence", ELEANOR), sender=ELEANOR, body="Tomorrow at 10am suits me.",
          at="2026-11-26T13:00:00+00:00")

    sent = run(pcc, "2026-11-26T13:05:00+00:00")

    assert kinds_to(sent) == [("case-update", CAROL), ("case-update", OMAR)], pcc.smtp.describe()
    assert not [message.subject for message in sent if message.subject.startswith("REFUSED")], pcc.smtp.describe()
    assert what_they_wrote(sent[0]) == "> Tomorrow at 10am suits me.", sent[0].text
    assert [case["ref"] for case in pcc.export()] == [ref]


def test_a_second_complaint_from_the_same_person_is_a_case_of_its_own(pcc):
    """GIVEN an open case of Eleanor's WHEN she sends a new, unrelated complaint (no In-Reply-To, no tag)
    THEN it opens a second case and is acknowledged under its own reference."""
    first = open_case(pcc)["ref"]
    pcc.deliver(PCC, complaint(sender=ELEANOR, sender_name="Eleanor Pritchard", at="2026-12-21T09:59:35+00:00",
                               subject="Complaint: Chief Constable's remarks about cyclists",
                               message_id="<second-complaint.1@example.org>"), at="2026-12-21T10:00:00+00:00")

    sent = run(pcc, "2026-12-21T10:05:00+00:00")

    refs = [case["ref"] for case in pcc.export()]
    assert len(refs) == 2 and refs[0] == first, refs
    [ack] = [message for message in sent if message.kind == "acknowledgement"]
    assert ack.rcpt_tos == (ELEANOR,) and refs[1] in ack.subject and first not in ack.subject


def test_the_case_tag_in_a_stranger_s_subject_does_not_put_their_mail_on_the_case(pcc):
    """GIVEN Eleanor's case WHEN someone else writes a complaint whose subject carries her case's [REF]
    THEN it is a new case of its own: the tag is public, and only the complainant's own mail follows it."""
    ref = open_case(pcc)["ref"]
    pcc.deliver(PCC, complaint(sender="kerry.bell@example.net", sender_name="Kerry Bell",
                               at="2026-12-21T09:59:35+00:00", subject=f"Re: We have received your complaint [{ref}]",
                               message_id="<6a2f9d41c8e7b035@example.net>"), at="2026-12-21T10:00:00+00:00")

    sent = run(pcc, "2026-12-21T10:05:00+00:00")

    cases = pcc.export()
    assert len(cases) == 2, cases
    assert cases[1]["complainant"]["email"] == "kerry.bell@example.net"
    assert ("acknowledgement", "kerry.bell@example.net") in kinds_to(sent), pcc.smtp.describe()
    assert "case-update" not in [message.kind for message in sent], pcc.smtp.describe()


def test_the_case_tag_in_the_complainant_s_own_subject_puts_her_mail_on_the_case(pcc):
    """GIVEN Eleanor's case WHEN she writes afresh (no In-Reply-To) with [REF] in the subject
    THEN it is a follow-up on her case: staff are told, nothing is acknowledged."""
    ref = open_case(pcc)["ref"]
    pcc.deliver(PCC, complaint(sender=ELEANOR, at="2026-11-27T09:00:00+00:00", message_id="<tagged.1@example.org>",
                               subject=f"More about my complaint [{ref}]"), at="2026-11-27T09:00:05+00:00")

    sent = run(pcc, "2026-11-27T09:05:00+00:00")

    assert [case["ref"] for case in pcc.export()] == [ref]
    assert kinds_to(sent) == [("case-update", CAROL), ("case-update", OMAR)], pcc.smtp.describe()


# --- awaiting details --------------------------------------------------------------------

def test_an_anonymous_complaint_is_reminded_once_and_opens_when_the_name_comes(pcc):
    """GIVEN p08, unsigned, waiting for a name and address WHEN its sender answers twice without them and then
    with them THEN the first answer gets the one reminder, the second none, and the third opens the case and
    is acknowledged; staff hear of each."""
    pcc.deliver(PCC, "p08-pcc-cc-anonymous-no-name.eml", at="2026-11-30T19:50:30+00:00")
    sent = run(pcc, "2026-11-30T19:55:00+00:00")
    assert ("request-details", DEREK) in kinds_to(sent), pcc.smtp.describe()
    [case] = pcc.export()
    assert case["status"] == "awaiting-details"

    reply(pcc, latest(pcc, "request-details", DEREK), sender=DEREK, at="2026-12-01T08:00:00+00:00",
          body="I told you, I don't want any bother. Just look into it.")
    sent = run(pcc, "2026-12-01T08:05:00+00:00")
    assert kinds_to(sent) == [("case-update", CAROL), ("case-update", OMAR), ("request-details", DEREK)], \
        pcc.smtp.describe()

    reply(pcc, latest(pcc, "request-details", DEREK), sender=DEREK, at="2026-12-01T09:00:00+00:00",
          body="Why do you need my name? The complaint is about her, not me.")
    sent = run(pcc, "2026-12-01T09:05:00+00:00")
    assert kinds_to(sent) == [("case-update", CAROL), ("case-update", OMAR)], pcc.smtp.describe()
    assert case_now(pcc, case["ref"])["status"] == "awaiting-details"

    reply(pcc, latest(pcc, "request-details", DEREK), sender=DEREK, at="2026-12-01T10:00:00+00:00",
          body="Fair enough. My name is Derek Hollins, I live at 3 Station Road, March, PE15 8LE")
    sent = run(pcc, "2026-12-01T10:05:00+00:00")
    assert ("acknowledgement", DEREK) in kinds_to(sent), pcc.smtp.describe()
    assert "request-details" not in [message.kind for message in sent]
    opened = case_now(pcc, case["ref"])
    assert opened["status"] == "open" and opened["complainant"]["name"] == "Derek Hollins"
    assert [len(pcc.export()), len(pcc.smtp.by_kind("request-details"))] == [1, 2]


# --- loops never start -------------------------------------------------------------------

def test_an_automatic_reply_to_a_relayed_staff_reply_is_not_answered(pcc):
    """GIVEN Carol's reply relayed to the complainant WHEN the complainant's out-of-office answers it
    THEN nothing is sent and no case opens."""
    open_case(pcc)
    staff_reply_relayed(pcc)
    correspondence = latest(pcc, "correspondence", ELEANOR)
    queued = outbox_size(pcc)
    reply(pcc, correspondence, sender=ELEANOR, at="2026-11-26T11:25:30+00:00",
          body="I am away until Monday 7 December with no access to email.",
          headers={"Auto-Submitted": "auto-replied", "Subject": f"Automatic reply: {correspondence.subject}"})

    assert run(pcc, "2026-11-26T11:30:00+00:00") == [], pcc.smtp.describe()
    assert outbox_size(pcc) == queued
    assert len(pcc.export()) == 1
    assert inbound_statuses(pcc)[-1] == "ignored"


def test_our_own_relayed_reply_coming_back_into_the_mailbox_is_ignored(pcc):
    """GIVEN Carol's reply relayed to the complainant WHEN a copy of it lands in the shared mailbox (a Bcc,
    a rule, a journal) THEN it is ignored: nothing sent, no case."""
    open_case(pcc)
    staff_reply_relayed(pcc)
    queued = outbox_size(pcc)
    pcc.deliver(PCC, latest(pcc, "correspondence", ELEANOR).raw, at="2026-11-26T11:25:10+00:00")

    assert run(pcc, "2026-11-26T11:30:00+00:00") == [], pcc.smtp.describe()
    assert outbox_size(pcc) == queued
    assert len(pcc.export()) == 1
    assert inbound_statuses(pcc)[-1] == "ignored"


# --- replay ------------------------------------------------------------------------------

def test_a_pass_run_again_later_sends_nothing_new(pcc):
    """GIVEN a conversation taken in (a staff reply relayed, the complainant answering it, a #note)
    WHEN the pass runs again later the same day with nothing new THEN nothing more is queued or sent."""
    open_case(pcc)
    staff_reply_relayed(pcc)
    reply(pcc, latest(pcc, "acknowledgement", ELEANOR), sender=ELEANOR, body=NEW_TEXT, at="2026-11-26T12:00:00+00:00")
    reply(pcc, latest(pcc, "staff-notification", OMAR), sender=OMAR, body="#note\nI will take the call.",
          at="2026-11-26T12:01:00+00:00")
    run(pcc, "2026-11-26T12:05:00+00:00")
    cases, queued = pcc.export(), outbox_size(pcc)

    assert run(pcc, "2026-11-26T12:35:00+00:00") == [], pcc.smtp.describe()
    assert outbox_size(pcc) == queued
    assert pcc.export() == cases


def test_a_staff_reply_delivered_twice_is_relayed_once(pcc):
    """GIVEN Carol's reply relayed WHEN the very same message (same Message-ID) is delivered again
    THEN it is not relayed a second time."""
    open_case(pcc)
    staff_answer = reply(pcc, latest(pcc, "staff-notification", CAROL), sender=CAROL, body="Dear Mrs Pritchard, ...",
                         at="2026-11-26T11:20:00+00:00")
    run(pcc, "2026-11-26T11:25:00+00:00")
    pcc.deliver(PCC, staff_answer.as_bytes(), at="2026-11-26T11:40:00+00:00")

    assert run(pcc, "2026-11-26T11:45:00+00:00") == [], pcc.smtp.describe()
    assert len(pcc.smtp.by_kind("correspondence")) == 1
