"""Staff run a case from their own inbox (issue 7): replies relayed, #commands obeyed, anyone else refused.

Through Dovecot and aiosmtpd: p07 (a named complaint about the Chief
Constable) opens a case at the Commissioner's office, whose staff are Carol
and Omar; each gets a notification carrying a reply token of their own.
"""

from __future__ import annotations

import re
from email.utils import parseaddr

import pytest

from tests.e2e.conversations import (
    CAROL, ELEANOR, ELEANOR_COMPLAINT_ID, NOTIFICATION_ONLY, OMAR, PANEL_OFFICER, PCC_ADDRESS, PSD_ADDRESS, altered,
    case_now, deadline, kinds_to, latest, open_case, outbox_size, pcc_installation, reply, run, story_entries,
)

STAFF_TEXT = ("Dear Mrs Pritchard,\n\nThank you for your email, which has been passed to me. I will look into your "
              "complaint\nabout the Chief Constable's radio interview on the Commissioner's behalf.\n\n"
              "Could you let me know a time tomorrow when I could telephone you?\n\nKind regards\n\nCarol Evans")


STAFF_KINDS = ("staff-notification", "case-update", "command-error")     # letters to staff: they carry tokens


@pytest.fixture
def pcc(tmp_path, dovecot, smtp_server):
    return pcc_installation(tmp_path, dovecot, smtp_server)


def refused(messages) -> list:
    return [message for message in messages if message.kind == "case-update" and message.subject.startswith("REFUSED")]


def tampered(notification) -> dict:
    """The headers of a reply to `notification` whose plus-address token and Message-ID token were both changed."""
    to = notification.header("Reply-To")
    token = re.fullmatch(r"[^+]+\+[^.]+\.([a-z2-7]+)@.+", to).group(1)
    own_id = notification.message_id
    nonce = own_id.split(".")[3]
    forged_id = own_id.replace(f".{nonce}.", f".{altered(nonce)}.")
    return {"To": to.replace(token, altered(token)), "In-Reply-To": forged_id,
            "References": f"{ELEANOR_COMPLAINT_ID} {forged_id}"}


def assert_refused(pcc, ref: str, sent: list, why: str, *, outsider: str = "") -> None:
    """Nothing relayed nor obeyed, no case opened, nobody answered; each staff member told REFUSED, and `why`."""
    assert [message.kind for message in sent if message.kind == "correspondence"] == [], pcc.smtp.describe()
    assert pcc.smtp.to(ELEANOR) == [latest(pcc, "acknowledgement", ELEANOR)], pcc.smtp.describe()
    assert [case["ref"] for case in pcc.export()] == [ref]
    assert deadline(case_now(pcc, ref), "first-contact")["met_at"] is None
    assert kinds_to(sent) == [("case-update", CAROL), ("case-update", OMAR)], pcc.smtp.describe()
    assert len(refused(sent)) == 2, [message.subject for message in sent]
    assert why in " ".join(sent[0].text.split()), sent[0].text
    if outsider:
        assert pcc.smtp.to(outsider) == [], pcc.smtp.describe()


# --- new to closed by email alone ----------------------------------------------------

def test_a_case_is_driven_from_new_to_closed_by_email_alone(pcc):
    """GIVEN a complaint at the Commissioner's office, acknowledged, and a notification to each of its staff
    WHEN Carol replies in plain text, then with #note, #assign Omar, and Omar with #outcome, #close and #reopen
    THEN her reply reaches the complainant from the shared mailbox, first contact is met, the note stays inside,
    later news goes to Omar alone, the review window opens, the case closes (the complainant is told) and
    reopens, and `cases show` tells it all, naming who did what."""
    case = open_case(pcc)
    ref = case["ref"]
    assert kinds_to(pcc.smtp.messages) == [("acknowledgement", ELEANOR), ("staff-notification", CAROL),
                                           ("staff-notification", OMAR)], pcc.smtp.describe()

    reply(pcc, latest(pcc, "staff-notification", CAROL), sender=CAROL, body=STAFF_TEXT, at="2026-11-26T11:20:00+00:00")
    [relayed] = run(pcc, "2026-11-26T11:25:00+00:00")
    assert (relayed.kind, relayed.rcpt_tos) == ("correspondence", (ELEANOR,)), pcc.smtp.describe()
    assert parseaddr(relayed.header("From"))[1] == PCC_ADDRESS and relayed.mail_from.lower() != CAROL
    shown = "".join(f"{name}: {value}\n" for name, value in relayed.message.items()) + relayed.text
    assert "ceo.office" not in shown.lower(), shown
    assert ref in relayed.subject
    text = " ".join(relayed.text.split())
    assert " ".join(STAFF_TEXT.split()) in text
    assert "Sent by Carol Evans" in text
    assert not [words for words in NOTIFICATION_ONLY if words in relayed.text], relayed.text
    assert deadline(case_now(pcc, ref), "first-contact")["met_at"] is not None

    reply(pcc, latest(pcc, "staff-notification", CAROL), sender=CAROL, at="2026-11-27T15:00:00+00:00",
          body="#note\nSpoke to Mrs Pritchard by phone. She wants a written apology.")
    sent_before = outbox_size(pcc)
    assert run(pcc, "2026-11-27T15:05:00+00:00") == [], pcc.smtp.describe()
    assert outbox_size(pcc) == sent_before

    reply(pcc, latest(pcc, "staff-notification", CAROL), sender=CAROL, body=f"#assign {OMAR}",
          at="2026-11-30T09:00:00+00:00")
    run(pcc, "2026-11-30T09:05:00+00:00")
    reply(pcc, latest(pcc, "acknowledgement", ELEANOR), sender=ELEANOR, at="2026-11-30T12:00:00+00:00",
          body="I forgot to say: the radio interview was on BBC Radio Cambridgeshire at 8.10am.")
    news = run(pcc, "2026-11-30T12:05:00+00:00")
    assert kinds_to(news) == [("case-update", OMAR)], pcc.smtp.describe()

    reply(pcc, latest(pcc, "case-update", OMAR), sender=OMAR, body="#outcome\nOutcome letter posted today.",
          at="2026-12-01T10:00:00+00:00")
    run(pcc, "2026-12-01T10:05:00+00:00")
    assert deadline(case_now(pcc, ref), "review-window") == {"kind": "review-window", "due": "2026-12-29",
                                                             "met_at": None}

    reply(pcc, latest(pcc, "case-update", OMAR), sender=OMAR, body="#close", at="2026-12-02T10:00:00+00:00")
    closing = run(pcc, "2026-12-02T10:05:00+00:00")
    assert case_now(pcc, ref)["status"] == "closed"
    assert kinds_to(closing) == [("closure-notice", ELEANOR)], pcc.smtp.describe()
    assert ref in closing[0].subject

    reply(pcc, latest(pcc, "case-update", OMAR), sender=OMAR, body="#reopen", at="2026-12-03T10:00:00+00:00")
    run(pcc, "2026-12-03T10:05:00+00:00")
    assert case_now(pcc, ref)["status"] == "open"

    story = pcc.cli("cases", "show", ref)
    assert story.exit_code == 0, story.stderr
    entries = story_entries(story.stdout)

    def done_by(actor: str, *words: str) -> bool:
        return any(actor in entry and all(word in entry for word in words) for entry in entries)

    assert done_by(CAROL, "staff-reply"), story.stdout
    for actor, command in ((CAROL, "#note"), (CAROL, "#assign"), (OMAR, "#outcome"), (OMAR, "#close"),
                           (OMAR, "#reopen")):
        assert done_by(actor, command), f"no entry of {actor} with {command}:\n{story.stdout}"
    assert done_by(OMAR, "status-changed", "open -> closed"), story.stdout
    assert done_by(OMAR, "status-changed", "closed -> open"), story.stdout


# --- nobody can pose as staff ------------------------------------------------------

def test_a_reply_whose_tokens_were_altered_is_refused(pcc):
    """GIVEN Carol's notification WHEN a reply from her address comes back with the plus-address token and the
    token in the answered Message-ID each changed by one character THEN it is neither relayed nor obeyed, opens
    no case, and staff get a REFUSED case-update."""
    ref = open_case(pcc)["ref"]
    reply(pcc, latest(pcc, "staff-notification", CAROL), sender=CAROL, body="#close\n" + STAFF_TEXT,
          at="2026-11-26T11:20:00+00:00", headers=tampered(latest(pcc, "staff-notification", CAROL)))

    sent = run(pcc, "2026-11-26T11:25:00+00:00")

    assert_refused(pcc, ref, sent, "that this mailbot did not issue to " + CAROL)
    assert case_now(pcc, ref)["status"] == "open"


def test_a_reply_from_another_staff_address_than_the_notified_one_is_refused(pcc):
    """GIVEN Carol's notification (her token) WHEN Omar, also listed staff, answers it from his own address
    THEN it is refused as if forged: the token was issued to Carol, not to him."""
    ref = open_case(pcc)["ref"]
    reply(pcc, latest(pcc, "staff-notification", CAROL), sender=OMAR, body=STAFF_TEXT, at="2026-11-26T11:20:00+00:00")

    sent = run(pcc, "2026-11-26T11:25:00+00:00")

    assert_refused(pcc, ref, sent, f"was issued to another staff address, not {OMAR}")


def test_a_reply_to_a_notification_from_someone_it_was_forwarded_to_is_refused(pcc):
    """GIVEN Carol forwarded her notification outside WHEN that person answers it (the token intact)
    THEN nothing is relayed nor answered: their address is no staff address."""
    outsider = "j.bloggs@example.com"
    ref = open_case(pcc)["ref"]
    reply(pcc, latest(pcc, "staff-notification", CAROL), sender=outsider, body="#close\nShe is not worth the bother.",
          at="2026-11-26T11:20:00+00:00")

    sent = run(pcc, "2026-11-26T11:25:00+00:00")

    assert_refused(pcc, ref, sent, f"{outsider} is not a listed staff address", outsider=outsider)
    assert case_now(pcc, ref)["status"] == "open"


@pytest.mark.parametrize("kept", ["In-Reply-To", "plus-address"])
def test_a_staff_reply_keeping_its_token_in_one_header_only_is_relayed(pcc, kept):
    """GIVEN Carol's notification WHEN her client keeps only one of the two tokens (In-Reply-To with the plain
    mailbox address in To, or the plus-address with no In-Reply-To nor References) THEN her reply still counts."""
    open_case(pcc)
    notification = latest(pcc, "staff-notification", CAROL)
    headers = {"To": PCC_ADDRESS, "References": None} if kept == "In-Reply-To" else \
        {"In-Reply-To": None, "References": None}
    reply(pcc, notification, sender=CAROL, body=STAFF_TEXT, at="2026-11-26T11:20:00+00:00", headers=headers)

    sent = run(pcc, "2026-11-26T11:25:00+00:00")

    assert kinds_to(sent) == [("correspondence", ELEANOR)], pcc.smtp.describe()
    assert "Could you let me know a time tomorrow" in sent[0].text


@pytest.mark.parametrize("body", [STAFF_TEXT, "#close", "#transfer cambs-psd"],
                         ids=["relayed-reply", "closure-notice", "redirect-and-notice"])
def test_no_letter_leaving_the_office_carries_a_staff_token(pcc, body):
    """GIVEN Carol's notification WHEN her reply makes mailbot write outside (to the complainant, to the PSD)
    THEN no such letter names a letter we sent to staff: those Message-IDs carry the staff reply tokens, and
    nobody outside may hold one (the next test shows what they could do with it)."""
    open_case(pcc)
    reply(pcc, latest(pcc, "staff-notification", CAROL), sender=CAROL, body=body, at="2026-11-26T11:20:00+00:00")

    sent = run(pcc, "2026-11-26T11:25:00+00:00")

    staff_ids = {message.message_id for message in pcc.smtp.messages if message.kind in STAFF_KINDS}
    outside = [message for message in sent if not {CAROL, OMAR} & set(message.rcpt_tos)]
    assert outside, pcc.smtp.describe()
    carried = {message.kind: [header for header in ("In-Reply-To", "References")
                              if set(message.header(header).split()) & staff_ids] for message in outside}
    assert {kind: headers for kind, headers in carried.items() if headers} == {}, pcc.smtp.describe()
    # Nor the staff member's own reply, whose Message-ID some clients make from the user's address:
    # what staff send outside answers the complaint itself.
    assert all(message.header("In-Reply-To") == ELEANOR_COMPLAINT_ID and message.header("References") ==
               ELEANOR_COMPLAINT_ID for message in outside), pcc.smtp.describe()


def test_the_complainant_cannot_pose_as_staff_with_what_they_were_sent(pcc):
    """GIVEN Carol's reply relayed to the complainant WHEN someone holding that email (the complainant, or
    anyone they forward it to) answers it with From: Carol's address and `#close`
    THEN it is refused: nothing the complainant was sent may count as a token issued to Carol."""
    ref = open_case(pcc)["ref"]
    reply(pcc, latest(pcc, "staff-notification", CAROL), sender=CAROL, body=STAFF_TEXT, at="2026-11-26T11:20:00+00:00")
    run(pcc, "2026-11-26T11:25:00+00:00")
    reply(pcc, latest(pcc, "correspondence", ELEANOR), sender=CAROL, body="#close", at="2026-11-26T12:00:00+00:00")

    sent = run(pcc, "2026-11-26T12:05:00+00:00")

    assert case_now(pcc, ref)["status"] == "open"
    assert "closure-notice" not in [message.kind for message in sent], pcc.smtp.describe()
    assert len(refused(sent)) == 2, pcc.smtp.describe()


# --- commands that cannot be done ----------------------------------------------------

@pytest.mark.parametrize("body, named", [("#closed\nAll done.", "#closed"),
                                         ("#transfer nowhere", '"nowhere"'),
                                         ("#close\n#transfer nowhere", '"nowhere"')],
                         ids=["unknown-command", "unknown-body", "good-and-bad-together"])
def test_a_command_that_cannot_be_done_changes_nothing_and_its_writer_is_told(pcc, body, named):
    """GIVEN an open case WHEN Carol replies with a command that cannot be done (alone, or after a good one)
    THEN only she gets a command-error naming it and listing the commands; nothing of the reply is done."""
    ref = open_case(pcc)["ref"]
    before = case_now(pcc, ref)
    reply(pcc, latest(pcc, "staff-notification", CAROL), sender=CAROL, body=body, at="2026-11-26T11:20:00+00:00")

    sent = run(pcc, "2026-11-26T11:25:00+00:00")

    assert kinds_to(sent) == [("command-error", CAROL)], pcc.smtp.describe()
    text = sent[0].text
    assert named in text, text
    assert all(command in text for command in ("#note", "#assign", "#contacted", "#outcome", "#close", "#reopen",
                                               "#transfer")), text
    assert case_now(pcc, ref) == before


# --- transfers -----------------------------------------------------------------------

def test_transfer_to_a_body_outside_sends_it_the_original_complaint(pcc):
    """GIVEN an open case at the Commissioner's office WHEN Carol replies `#transfer cambs-psd`
    THEN the PSD gets the complainant's own email attached (not Carol's reply), the complainant is told,
    and the case is redirected."""
    ref = open_case(pcc)["ref"]
    reply(pcc, latest(pcc, "staff-notification", CAROL), sender=CAROL, at="2026-11-26T11:20:00+00:00",
          body="#transfer cambs-psd\nThis is about operational policing, not the Chief Constable's conduct.")

    sent = run(pcc, "2026-11-26T11:25:00+00:00")

    assert kinds_to(sent) == [("redirect", PSD_ADDRESS), ("redirect-notice", ELEANOR)], pcc.smtp.describe()
    [redirect] = [message for message in sent if message.kind == "redirect"]
    attached = [part.get_content() for part in redirect.message.walk() if part.get_content_type() == "message/rfc822"]
    assert [message["Message-ID"] for message in attached] == [ELEANOR_COMPLAINT_ID]
    assert "operational policing" not in redirect.raw.decode("utf-8", "replace")
    case = case_now(pcc, ref)
    assert (case["status"], case["redirected_to"]) == ("redirected", "cambs-psd")
    assert deadline(case, "first-contact")["met_at"] is not None


def test_transfer_to_a_mailbox_watched_here_moves_the_case_to_its_staff(pcc):
    """GIVEN an open case at the Commissioner's office WHEN Carol replies `#transfer cambs-panel` (the Panel's
    mailbox is watched by this installation) THEN the case moves there, the Panel's officer is notified of the
    complaint itself (not of Carol's reply), and no redirect mail goes anywhere."""
    ref = open_case(pcc)["ref"]
    reply(pcc, latest(pcc, "staff-notification", CAROL), sender=CAROL, body="#transfer cambs-panel",
          at="2026-11-26T11:20:00+00:00")

    sent = run(pcc, "2026-11-26T11:25:00+00:00")

    assert ("staff-notification", PANEL_OFFICER) in kinds_to(sent), pcc.smtp.describe()
    assert not [message for message in sent if message.kind in ("redirect", "redirect-notice")], pcc.smtp.describe()
    case = case_now(pcc, ref)
    assert (case["mailbox"], case["body"], case["status"]) == ("democratic-services", "cambs-panel", "open")
    notification = latest(pcc, "staff-notification", PANEL_OFFICER)
    assert "Re:" not in notification.subject, notification.subject
    assert f"From:     Eleanor Pritchard <{ELEANOR}>" in notification.text, notification.text
    assert re.search(r"^> Ms Rachel Dunmore\.$", notification.text, re.MULTILINE), notification.text


def test_after_a_transfer_the_new_mailboxs_staff_can_answer_the_complainant(pcc):
    """GIVEN a case Carol moved to the Panel's mailbox WHEN the Panel's officer answers the notification they got
    THEN the answer is relayed to the complainant from the Panel's address."""
    open_case(pcc)
    reply(pcc, latest(pcc, "staff-notification", CAROL), sender=CAROL, body="#transfer cambs-panel",
          at="2026-11-26T11:20:00+00:00")
    run(pcc, "2026-11-26T11:25:00+00:00")
    reply(pcc, latest(pcc, "staff-notification", PANEL_OFFICER), sender=PANEL_OFFICER,
          body="Dear Mrs Pritchard,\n\nThe Panel will look into this.", at="2026-11-26T14:00:00+00:00")

    sent = run(pcc, "2026-11-26T14:05:00+00:00")

    assert kinds_to(sent) == [("correspondence", ELEANOR)], pcc.smtp.describe()
    assert "democratic.services@peterborough.gov.uk" in sent[0].header("From")
    assert "The Panel will look into this." in sent[0].text
