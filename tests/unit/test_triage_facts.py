"""Identity, acting for another, reviews and completeness, on small messages (no servers)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from mailbot.config import shipped_dir
from mailbot.errors import UnreadableMail
from mailbot.parse import parse_message
from mailbot.triage import Action, Known, evaluate, load_ruleset

CAMBS = load_ruleset(shipped_dir("rules"), "cambridgeshire")
CLEVELAND = load_ruleset(shipped_dir("rules"), "cleveland")
OWN = frozenset({"democratic.services@peterborough.gov.uk", "cambs-pcc@cambs.pnn.police.uk"})


def mail(body: str, *, sender: str = "Jane Doe <jane.doe@example.org>", subject: str = "Complaint",
         extra: str = "") -> bytes:
    return (f"From: {sender}\nTo: cambs-pcc@cambs.pnn.police.uk\nSubject: {subject}\nMessage-ID: <t@example.org>\n"
            f"{extra}Content-Type: text/plain; charset=utf-8\n\n{body}").encode()


def decide(raw: bytes, mailbox: str = "cambs-pcc", ruleset=CAMBS, received: date = date(2026, 12, 8)):
    return evaluate(parse_message(raw), mailbox, ruleset, Known(received=received, own_addresses=OWN))


CC_COMPLAINT = ("I want to complain about the Chief Constable. At the meeting on 3 December she told the room that "
                "residents of March \"should stop moaning\", in front of forty people.\n\n")


def test_a_name_only_in_the_sign_off_is_a_name():
    decision = decide(mail(CC_COMPLAINT + "Regards,\nPriya Shah\n12 High Street, March", sender="ps77@example.net"))
    assert not decision.anonymous and decision.complainant_name == "Priya Shah"
    assert decision.action is Action.NEW_CASE


@pytest.mark.parametrize("sign_off, sender", [
    ("A concerned resident", "resident@example.net"),
    ("", "Middlesbrough local <ml@example.net>"),
    ("I'm not putting my name to this.", "Jane Doe <jane.doe@example.org>"),
    ("I wish to remain anonymous.\n\nJane Doe", "Jane Doe <jane.doe@example.org>"),
])
def test_anonymous_complaints_about_the_chief_constable_get_a_request_for_details(sign_off, sender):
    decision = decide(mail(CC_COMPLAINT + sign_off, sender=sender))
    assert decision.anonymous
    assert decision.action is Action.REQUEST_DETAILS and decision.needs == ("name-and-address",)


def test_cleveland_logs_anonymous_dissatisfaction():
    raw = mail("Nobody from the neighbourhood team ever rang me back about the cars racing on our road. "
               "It has been weeks now and I am fed up of waiting for someone to do something about it.\n\nA resident",
               sender="x@example.net")
    decision = decide(raw, "cleveland-resolution", CLEVELAND)
    assert decision.anonymous and decision.action is Action.NEW_CASE


@pytest.mark.parametrize("body, enclosed", [
    ("We act for Mrs Ann Lee. We enclose her signed authority.", True),
    ("We act for Mrs Ann Lee. Her signed authority is to follow under separate cover.", False),
    ("I am writing on behalf of my son.", False),
])
def test_third_party_needs_written_permission_unless_enclosed(body, enclosed):
    attachment = ("MIME-Version: 1.0\n" if enclosed else "")
    raw = mail(CC_COMPLAINT + body + "\n\nJohn Smith\n1 Road, Ely")
    if enclosed:
        raw = (b"From: John Smith <js@example.org>\nTo: cambs-pcc@cambs.pnn.police.uk\nSubject: Complaint\n"
               b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n\n--XX\nContent-Type: text/plain\n\n"
               + (CC_COMPLAINT + body + "\n\nJohn Smith\n1 Road, Ely\n").encode()
               + b"--XX\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=authority.pdf\n"
                 b"Content-Transfer-Encoding: base64\n\nJVBERi0=\n--XX--\n")
    decision = decide(raw)
    assert decision.third_party and attachment == attachment
    assert (decision.action is Action.NEW_CASE) == enclosed
    if not enclosed:
        assert decision.needs == ("written-permission",)


def test_writing_for_yourself_is_not_third_party():
    decision = decide(mail(CC_COMPLAINT + "I am writing for myself and not on behalf of any group.\n\nJane Doe"))
    assert not decision.third_party


@pytest.mark.parametrize("letter, received, in_time", [
    ("dated 1 November 2026", date(2026, 11, 29), True),    # day 28 after the letter: the last day
    ("dated 1 November 2026", date(2026, 11, 30), False),
    ("dated 01/11/2026", date(2026, 11, 20), True),
])
def test_review_window_is_28_days_starting_the_day_after_the_letter(letter, received, in_time):
    raw = mail(f"I would like to request a review of the outcome of my complaint. The outcome letter is {letter}.\n\n"
               "Jane Doe", subject="Review")
    decision = decide(raw, received=received)
    assert decision.rule == "review-at-the-commissioner"
    assert decision.review["in_time"] is in_time


def test_completeness_lists_what_is_missing():
    decision = decide(mail("The Chief Constable is hopeless.\n\nJane Doe"))
    assert {"what", "when", "witnesses", "references"} <= set(decision.missing)
    full = decide(mail(CC_COMPLAINT + "My neighbour saw it. Nobody was hurt. My reference is CO/123/26.\n\nJane Doe"))
    assert "witnesses" not in full.missing and "references" not in full.missing and "when" not in full.missing


def test_an_outlook_block_above_a_long_reply_is_not_a_forward():
    reply = ("\n".join(f"Line {n} of my own long reply about the Chief Constable's remarks." for n in range(20))
             + "\n\nFrom: Someone <someone@example.com>\nSent: 1 December 2026 10:00\nTo: x@example.org\n"
             "Subject: hello\n\nold text\n")
    decision = decide(mail(reply))
    assert decision.complainant_email == "jane.doe@example.org"


def test_a_redirect_is_never_sent_back_to_the_body_that_forwarded_it():
    raw = (b"From: Standards and Ethics <standards.ethics@cleveland-police.example>\n"
           b"To: resolution.team@cleveland-opcc.example\nSubject: FW: injured\nMIME-Version: 1.0\n"
           b"Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nPlease see attached.\n"
           b"--B\nContent-Type: message/rfc822\n\nFrom: Ann Lee <ann@example.com>\nSubject: injured\n\n"
           b"An officer slammed my face into the van and I have a fractured cheekbone.\n\nAnn Lee\n1 Road, Redcar\n--B--\n")
    decision = decide(raw, "cleveland-resolution", CLEVELAND)
    assert decision.complainant_email == "ann@example.com"
    assert decision.action is Action.NEW_CASE and "not-back-to-forwarder" in decision.why


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subject=st.text(max_size=80), body=st.text(max_size=1500), name=st.text(max_size=40),
       header=st.sampled_from(["", "Auto-Submitted: auto-replied\n", "Precedence: bulk\n", "List-Id: <x.example>\n"]))
def test_triage_never_raises_on_arbitrary_text(subject, body, name, header):
    clean = lambda text: "".join(ch for ch in text if ch not in "\r\n\x00")  # noqa: E731
    raw = f"From: {clean(name)} <a@example.org>\nSubject: {clean(subject)}\n{header}\n{body}".encode("utf-8", "replace")
    try:
        message = parse_message(raw)
    except UnreadableMail:
        return
    for ruleset, mailbox in ((CAMBS, "cambs-pcc"), (CAMBS, "democratic-services"), (CLEVELAND, "cleveland-resolution")):
        decision = evaluate(message, mailbox, ruleset, Known(received=date(2026, 12, 1), own_addresses=OWN))
        assert decision.rule and decision.trace
