"""A case's story gathered from hand-made rows on either database, and how it reads on a terminal."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from mailbot.cases.story import case_story, render_story, story_json
from mailbot.db.models import Case, Deadline, Event, InboundMessage, OutboxMessage

RECEIVED = datetime(2026, 6, 30, 23, 30, tzinfo=timezone.utc)     # 00:30 BST on 1 July in London
STAFF = "officer.a@peterborough.gov.uk"


def _at(minutes: int) -> datetime:
    return RECEIVED + timedelta(minutes=minutes)


def _outbox(case: Case, number: int, kind: str, to: str, **state) -> OutboxMessage:
    return OutboxMessage(dedup_key=f"k{number}", message_id=f"<out{number}@mailbot>", kind=kind, case_id=case.id,
                         mailbox="democratic-services",
                         envelope_from="democratic.services@peterborough.gov.uk", recipients=[to], raw=b"x",
                         sha256="0" * 64, next_attempt_at=_at(5), **state)


@pytest.fixture
def story_rows(sessions):
    """A case with two messages in, two out, events of every kind (some not known today), and a neighbour."""
    with sessions() as session:
        case = Case(ref="PCP-2026-00042", mailbox="democratic-services", body="cambs-panel", status="closed",
                    complainant_name="Jane Doe", complainant_email="jane@example.org", third_party=True,
                    subject="About \x1b[2Jmy complaint", missing=[], flags=[], rules=["panel-complaint"],
                    received_at=RECEIVED, opened_at=_at(5))
        other = Case(ref="PCP-2026-00043", mailbox="democratic-services", body="cambs-panel", status="open",
                     received_at=RECEIVED, opened_at=_at(5))
        session.add_all([case, other])
        session.flush()
        session.add(Deadline(case_id=case.id, kind="first-contact", due=date(2026, 7, 8)))
        first = InboundMessage(mailbox="democratic-services", dedup_key="mid:<in1@x>", message_id="<in1@x>",
                               sha256="0" * 64, received_at=RECEIVED, recorded_at=_at(1), status="processed",
                               case_id=case.id, raw=b"")
        reply = InboundMessage(mailbox="democratic-services", dedup_key="mid:<in2@x>", message_id="<in2@x>",
                               sha256="1" * 64, received_at=_at(60), recorded_at=_at(61), status="processed",
                               case_id=case.id, raw=b"")
        session.add_all([first, reply])
        session.flush()
        session.add_all([
            _outbox(case, 1, "acknowledgement", "jane@example.org", status="deferred", attempts=2,
                    last_error="451 try later", created_at=_at(5)),
            _outbox(case, 2, "staff-notification", STAFF, status="sent", attempts=1, created_at=_at(5), sent_at=_at(6)),
        ])
        # Written out of time order on purpose: the story orders by time, then by id.
        session.add_all([
            Event(at=_at(120), case_id=case.id, actor=STAFF, action="status-changed", reason="closed by command",
                  detail={"from": "open", "to": "closed"}),
            Event(at=_at(5), case_id=case.id, message_id=first.id, action="case-opened", actor="mailbot",
                  reason="panel-complaint: a complaint about the Commissioner",
                  detail={"decision": "new-case", "rules": ["panel-complaint"], "status": "open",
                          "message_id": "<in1@x>", "trace": ["a long trace"] * 50}),
            Event(at=_at(5), case_id=case.id, action="mail-queued", actor="mailbot",
                  reason="acknowledgement to jane@example.org", detail={"message_id": "<out1@mailbot>"}),
            Event(at=_at(2), message_id=first.id, action="quarantined", actor="mailbot",
                  reason="unreadable: \u202etxt.exe"),
            Event(at=_at(3), message_id=first.id, action="quarantine-retry", actor="operator", reason="re-run"),
            Event(at=_at(120), case_id=case.id, actor=STAFF, action="command", reason="",
                  detail={"command": "close", "line": "#close"}),
            Event(at=_at(90), case_id=case.id, actor=STAFF, action="note", reason="Rang her.\nShe will write."),
            Event(at=_at(100), case_id=case.id, message_id=reply.id, actor=STAFF, action="frobnicated",
                  reason="something new", detail={"colour": "blue", "how": {"very": 1}, "empty": ""}),
            Event(at=_at(5), case_id=other.id, action="case-opened", actor="mailbot", reason="the neighbour"),
        ])
        session.commit()
    return sessions


def test_the_story_gathers_and_orders_every_line_of_the_case(story_rows):
    with story_rows() as session:
        story = case_story(session, "pcp-2026-00042")
        assert case_story(session, "PCP-2026-99999") is None
    lines = [(line.at - RECEIVED, line.actor, line.what, line.source) for line in story.timeline]
    minutes = timedelta(minutes=1)
    assert lines == [
        (0 * minutes, "democratic-services", "message-received", "inbound"),
        (2 * minutes, "mailbot", "quarantined", "event"),             # about its message, before it had a case
        (3 * minutes, "operator", "quarantine-retry", "event"),
        (5 * minutes, "mailbot", "case-opened", "event"),
        (5 * minutes, "mailbot", "mail-queued", "event"),
        (5 * minutes, "mailbot", "mail-queued", "outbox"),            # the staff notice: in the outbox, not the log
        (6 * minutes, "mailbot", "mail-sent", "outbox"),
        (60 * minutes, "democratic-services", "message-received", "inbound"),
        (90 * minutes, STAFF, "note", "event"),
        (100 * minutes, STAFF, "frobnicated", "event"),
        (120 * minutes, STAFF, "status-changed", "event"),
        (120 * minutes, STAFF, "command", "event"),
    ]
    assert [(row.kind, row.status, row.last_error) for row in story.mail_out] == [
        ("acknowledgement", "deferred", "451 try later"), ("staff-notification", "sent", "")]
    assert [message.message_id for message in story.mail_in] == ["<in1@x>", "<in2@x>"]

    data = story_json(story)
    assert data["case"]["ref"] == "PCP-2026-00042" and data["case"]["third_party"] is True
    assert data["timeline"][0]["at"] == "2026-06-30T23:30:00+00:00"
    assert data["timeline"][3]["detail"]["trace"] == ["a long trace"] * 50     # JSON keeps the detail whole
    assert data["timeline"][10]["detail"] == {"from": "open", "to": "closed"}


def test_render_story_reads_in_london_time_and_prints_any_event(story_rows):
    with story_rows() as session:
        text = render_story(case_story(session, "PCP-2026-00042"))
    assert text.startswith("Case PCP-2026-00042\n  status        closed\n")
    assert "  complainant   Jane Doe <jane@example.org> (third party)\n" in text
    assert "  received      2026-07-01 00:30 BST\n" in text
    assert "  deadline      first-contact due 2026-07-08, not met\n" in text
    assert "  #1  acknowledgement to jane@example.org: deferred\n" in text
    assert "      last error: 451 try later\n" in text
    assert "  #2  staff-notification to officer.a@peterborough.gov.uk: sent\n" in text

    assert ("  2026-07-01 00:35 BST  mailbot                        case-opened: new-case by rule panel-complaint, "
            "status open\n      why: panel-complaint: a complaint about the Commissioner\n"
            "      message_id: mail in #1\n") in text
    assert "a long trace" not in text                                        # long detail only in JSON
    assert "mail-queued: acknowledgement to jane@example.org\n      message_id: mail out #1\n" in text
    assert ("mail-sent: staff-notification to officer.a@peterborough.gov.uk\n"
            "      message_id: mail out #2; (from the outbox: the event log has no line for it)\n") in text
    assert "operator                       quarantine-retry\n      why: re-run\n      about mail in #1\n" in text
    assert f"{STAFF}  note: Rang her.\n      She will write.\n" in text
    assert f"{STAFF}  frobnicated\n      why: something new\n" \
           '      about mail in #2; colour: blue; how: {"very": 1}\n' in text
    assert f"2026-07-01 02:30 BST  {STAFF}  status-changed: open -> closed\n      why: closed by command\n" in text
    assert "command: close\n      line: #close\n" in text
    assert "the neighbour" not in text


def test_text_a_sender_wrote_cannot_drive_the_terminal(story_rows):
    with story_rows() as session:
        text = render_story(case_story(session, "PCP-2026-00042"))
    assert "\x1b" not in text and "\u202e" not in text
    assert "  subject       About \\x1b[2Jmy complaint\n" in text
    assert "why: unreadable: \\u202etxt.exe\n" in text
