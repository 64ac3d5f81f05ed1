"""The scenario runner itself: a wrong expectation fails readably, replies are written as a mail client would."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from email import policy
from email.parser import BytesParser

import pytest

from tests.installation import make_installation
from tests.scenarios.runner import (Scenario, ScenarioError, StepFailed, bare_address, check_cases, check_sent,
                                    compose_reply, play)
from tests.servers.smtp import Captured

P01 = "p01-panel-pcc-public-meeting"


def installation_for(scenario, tmp_path, dovecot, smtp_server):
    return make_installation(tmp_path, dovecot, smtp_server, f"sqlite:///{tmp_path / 'mailbot.db'}",
                             scenario.deployment, staff=scenario.staff)


def with_steps(scenario: Scenario, *steps: tuple[str, dict]) -> Scenario:
    return replace(scenario, steps=tuple(steps))


def captured(raw: bytes, *rcpt_tos: str) -> Captured:
    return Captured(mail_from="democratic.services@peterborough.gov.uk", rcpt_tos=rcpt_tos, raw=raw,
                    message=BytesParser(policy=policy.default).parsebytes(raw))


ACKNOWLEDGEMENT = (b"From: Police and Crime Panel <democratic.services@peterborough.gov.uk>\r\n"
                   b"To: m.holloway@example.org\r\n"
                   b"Reply-To: Democratic Services <democratic.services+k7q2@peterborough.gov.uk>\r\n"
                   b"Subject: We have received your complaint [PCP-2026-00001]\r\n"
                   b"Message-ID: <mb1.ack@peterborough.gov.uk>\r\n"
                   b"References: <20261116101149.7f3a2c91@example.org>\r\n"
                   b"X-Mailbot-Kind: acknowledgement\r\nX-Mailbot-Case: PCP-2026-00001\r\n"
                   b"Auto-Submitted: auto-replied\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                   b"Dear Ms Holloway,\r\n\r\nYour reference is PCP-2026-00001.\r\n")


# --- with the real servers -----------------------------------------------------

@pytest.mark.dovecot
def test_a_wrong_expectation_fails_with_the_whole_conversation(tmp_path, dovecot, smtp_server):
    """GIVEN p01 with its expectation changed to a redirect notice and a case that is not there
    WHEN it is played
    THEN step 3 fails, naming what was expected and missing, what was sent instead, and the cases."""
    scenario = Scenario.named(P01)
    deliver, run, _ = scenario.steps
    wrong = with_steps(scenario, deliver, run, ("expect", {
        "cases": [{"mailbox": "democratic-services", "status": "redirected", "redirected_to": "cambs-psd"}],
        "sent": [{"kind": "redirect-notice", "to": "m.holloway@example.org"},
                 {"kind": "staff-notification", "to": "officer.a@peterborough.gov.uk"}]}))

    with pytest.raises(StepFailed) as failed:
        play(wrong, installation_for(wrong, tmp_path, dovecot, smtp_server), smtp_server)

    failure = failed.value
    assert (failure.number, failure.kind) == (3, "expect")
    assert failure.summary.startswith("step 3 (expect): cases: no case matches {mailbox: democratic-services, "
                                      "status: redirected, redirected_to: cambs-psd}; the closest, PCP-2026-00001: "
                                      "status is open, expected redirected; redirected_to is null, expected cambs-psd")
    text = str(failure)
    assert "Scenario p01-panel-pcc-public-meeting (cambridgeshire)" in text
    assert "step  1  deliver mail/p01-panel-pcc-public-meeting.eml to democratic-services" in text
    assert "step  2  run --once --now 2026-11-16T10:15:00+00:00: exit 0, 2 message(s) sent" in text
    assert "step  3  expect cases, sent: FAILED" in text
    assert "- sent: not sent: redirect-notice to m.holloway@example.org" in text
    assert "- sent: sent but not expected: acknowledgement to m.holloway@example.org" in text
    assert smtp_server.describe() in text                    # what was sent, message by message
    assert "PCP-2026-00001  democratic-services (cambs-panel)  open  complainant m.holloway@example.org" in text
    assert "Mail taken in:\n  1. democratic-services <20261116101149.7f3a2c91@example.org>: processed" in text


@pytest.mark.dovecot
def test_a_reply_reaches_the_watched_mailbox_at_its_time_written_as_outlook_would(tmp_path, dovecot, smtp_server):
    """GIVEN p01 played to its acknowledgement
    WHEN the complainant replies to it
    THEN the Panel's mailbox holds the reply, received at the step's time, threaded to the acknowledgement."""
    scenario = Scenario.named(P01)
    deliver, run, expect = scenario.steps
    at = "2026-11-17T08:02:00+00:00"
    replying = with_steps(scenario, deliver, run, expect, ("reply", {
        "to_kind": "acknowledgement", "from": "m.holloway@example.org", "body": "I have a photograph too.\n",
        "at": at}))
    installation = installation_for(replying, tmp_path, dovecot, smtp_server)

    play(replying, installation, smtp_server)

    user = installation.users["democratic-services"]
    [first, second] = sorted(dovecot.messages(user).items())
    assert dovecot.internal_dates(user)[second[0]] == datetime(2026, 11, 17, 8, 2, tzinfo=timezone.utc)
    reply = BytesParser(policy=policy.default).parsebytes(second[1])
    [ack] = smtp_server.by_kind("acknowledgement")
    assert reply["From"] == "m.holloway@example.org"
    assert reply["To"] == ack.header("Reply-To")
    assert reply["Subject"] == f"Re: {ack.subject}"
    assert reply["In-Reply-To"] == ack.message_id
    assert reply["References"].split()[-1] == ack.message_id


# --- without servers ---------------------------------------------------------------

def test_a_reply_answers_the_reply_to_keeps_its_tag_and_quotes_the_text():
    raw = compose_reply(captured(ACKNOWLEDGEMENT, "m.holloway@example.org"), sender="m.holloway@example.org",
                        body="Thank you. I have a photograph of the meeting too.\n",
                        at=datetime(2026, 11, 17, 8, 2, tzinfo=timezone.utc), message_id="<reply-4.p01@example.org>")
    reply = BytesParser(policy=policy.default).parsebytes(raw)

    assert reply["From"] == "m.holloway@example.org"
    assert reply["To"] == "Democratic Services <democratic.services+k7q2@peterborough.gov.uk>"
    assert reply["Subject"] == "Re: We have received your complaint [PCP-2026-00001]"
    assert reply["In-Reply-To"] == "<mb1.ack@peterborough.gov.uk>"
    assert reply["References"] == "<20261116101149.7f3a2c91@example.org> <mb1.ack@peterborough.gov.uk>"
    assert reply["Date"] == "Tue, 17 Nov 2026 08:02:00 +0000"
    assert not [name for name in reply.keys() if name.lower().startswith("x-") or name == "Auto-Submitted"]
    assert "Authentication-Results" not in reply
    assert reply.get_content().replace("\r\n", "\n") == ("Thank you. I have a photograph of the meeting too.\n\n"
                                   "> Dear Ms Holloway,\n>\n> Your reference is PCP-2026-00001.\n")
    assert bare_address(reply["To"]) == "democratic.services@peterborough.gov.uk"


def test_cases_are_matched_one_to_one():
    """Two expected cases that both fit one real case: the second finds none."""
    case = {"ref": "OPCC-2026-00001", "mailbox": "cambs-pcc", "body": "cambs-opcc", "status": "open",
            "complainant": {"name": "Kerry Bell", "email": "Kerry.Bell@example.net"}}
    want = {"mailbox": "cambs-pcc", "complainant": "kerry.bell@example.net"}

    assert check_cases([want], [case]) == []
    assert check_cases([want, want], [case])[0].startswith("no case matches {mailbox: cambs-pcc, complainant: "
                                                           "kerry.bell@example.net}; the closest, OPCC-2026-00001: "
                                                           "it matches, but another expected case took it")
    assert check_cases([], [case])[0].startswith("a case the scenario does not expect: OPCC-2026-00001")


def test_sent_compares_kind_and_every_recipient_of_one_message():
    message = captured(ACKNOWLEDGEMENT, "officer.a@peterborough.gov.uk", "Manager@peterborough.gov.uk")
    message = replace(message, message=BytesParser(policy=policy.default).parsebytes(
        ACKNOWLEDGEMENT.replace(b"X-Mailbot-Kind: acknowledgement", b"X-Mailbot-Kind: escalation")))
    both = ["officer.a@peterborough.gov.uk", "manager@peterborough.gov.uk"]

    assert check_sent([{"kind": "escalation", "to": both}], [message], exact=True) == []
    assert check_sent([{"kind": "escalation", "to": "officer.a@peterborough.gov.uk"}], [message], exact=False)[0] \
        == "not sent: escalation to officer.a@peterborough.gov.uk"
    assert check_sent([], [message], exact=False) == []
    assert check_sent([], [message], exact=True)[0] == ("sent but not expected: escalation to "
                                                        "manager@peterborough.gov.uk, officer.a@peterborough.gov.uk")


def test_a_scenario_with_an_unknown_step_is_refused_naming_file_and_step(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: broken\ndeployment: cleveland\nsteps:\n  - run: {now: '2026-11-17T12:35:00+00:00'}\n"
                    "  - expect: {sent: [], sent_to: []}\n")
    with pytest.raises(ScenarioError, match=r"broken.yaml: step 2 \(expect\): unknown \['sent_to'\]"):
        Scenario.load(path)
