"""The daily digest (`queue_digests`), on SQLite and PostgreSQL: when it goes, to whom, once, and what it says.

GIVEN a Panel mailbox with two staff and cases in every state (due today,
due by the end of the next working day, overdue, met, closed, awaiting
details) and answers held back, WHEN the timers call `queue_digests` at a
given London time, THEN the outbox holds what staff would read.
"""

from __future__ import annotations

import email
import re
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import select

from mailbot.app import load_app
from mailbot.db import events
from mailbot.db.models import Case, Deadline, OutboxMessage
from mailbot.kinds import Kind
from mailbot.outbox.templates import TemplateSet
from mailbot.outbox.template_samples import sample_context, sample_variants
from mailbot.schedule.digest import next_digest_at, queue_digests
from mailbot.schedule.digest_report import one_line

ROOT = Path(__file__).resolve().parents[2]
SECRET = b"the installation's secret, for tests"
PANEL, PCC = "democratic-services", "cambs-pcc"
ANNA, BEN, CEO = "anna.clerk@peterborough.gov.uk", "ben.officer@peterborough.gov.uk", "ceo.office@cambs.pnn.police.uk"
MONDAY = date(2027, 1, 4)        # after Friday 1 January 2027, a bank holiday; London is on GMT
OPENED = datetime(2026, 12, 21, 10, 0, tzinfo=timezone.utc)


def at(text: str) -> datetime:
    """An instant written with its offset: `2027-01-04T09:00+00:00`."""
    return datetime.fromisoformat(text).astimezone(timezone.utc)


@pytest.fixture
def app(tmp_path, sessions):
    """The cambridgeshire installation (shipped rules and templates) on the test database; Panel staff: Anna, Ben."""
    config = tmp_path / "mailbot.toml"
    config.write_text(f'''
deployment = "cambridgeshire"
rules_dir = "{ROOT / 'rules'}"
templates_dir = "{ROOT / 'templates'}"
[storage]
url = "sqlite:///unused.db"
[smtp]
transport = "directory"
directory = "sent"
[[mailboxes]]
name = "{PANEL}"
address = "democratic.services@peterborough.gov.uk"
maildir = "Maildir/panel"
staff = ["Anna Clerk <{ANNA}>", "{BEN}"]
managers = ["head.of.service@peterborough.gov.uk"]
[[mailboxes]]
name = "{PCC}"
address = "cambs-pcc@cambs.pnn.police.uk"
maildir = "Maildir/pcc"
staff = ["{CEO}"]
''', encoding="utf-8")
    loaded = load_app(config, database=None)
    loaded.sessions, loaded.secret = sessions, SECRET
    return loaded


def add_case(session, ref: str, *, mailbox: str = PANEL, status: str = "open", opened: datetime = OPENED,
             subject: str = "Complaint about the meeting", assigned: str = "", deadlines=()) -> Case:
    """A case with its deadlines: (kind, due) unmet, or (kind, due, met_at)."""
    case = Case(ref=ref, mailbox=mailbox, body="cambs-panel" if mailbox == PANEL else "cambs-opcc", status=status,
                complainant_email=f"{ref.lower()}@example.org", subject=subject, assigned=assigned,
                received_at=opened - timedelta(minutes=5), opened_at=opened)
    session.add(case)
    session.flush()
    for kind, due, *met in deadlines:
        session.add(Deadline(case_id=case.id, kind=kind, due=due, met_at=met[0] if met else None))
    return case


@pytest.fixture
def record(app):
    """The Panel's cases on Monday 4 January 2027, and the answers the cap held back before it."""
    with app.sessions() as session:
        today = add_case(session, "PCP-2026-00101", assigned=ANNA, deadlines=[("first-contact", MONDAY)])
        add_case(session, "PCP-2026-00102", deadlines=[("first-contact", date(2027, 1, 5))])
        add_case(session, "PCP-2026-00103", assigned=BEN, deadlines=[("first-contact", date(2026, 12, 31))])
        add_case(session, "PCP-2026-00104", status="awaiting-details")
        closed = add_case(session, "PCP-2026-00105", status="closed", deadlines=[("first-contact", date(2026, 12, 30))])
        add_case(session, "PCP-2026-00106", deadlines=[("first-contact", date(2026, 12, 29), OPENED),
                                                       ("review-window", MONDAY)])
        add_case(session, "PCP-2026-00107", deadlines=[("first-contact", date(2027, 1, 11))])
        for when, case, action, reason in (
                (at("2026-12-31T10:00+00:00"), today, "held-back", "no acknowledgement is sent to a@example.org: "
                                                                   "it had 3 automatic answers in 24 hours"),
                (at("2026-12-31T11:00+00:00"), closed, "held-back", "no closure-notice is sent to b@example.org"),
                (at("2026-12-30T16:00+00:00"), today, "held-back", "the day before the last working day"),
                (at("2026-12-31T12:00+00:00"), today, "not-answered", "an automatic reply is never answered")):
            events.record(session, at=when, action=action, case_id=case.id, reason=reason)
        session.commit()
    return app


def digests(app) -> list[OutboxMessage]:
    with app.sessions() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == Kind.DIGEST.value)
                                    .order_by(OutboxMessage.id)))


def run(app, now: str) -> int:
    """One pass of the timers' digest step at `now`, committed as the timers commit it."""
    with app.sessions() as session:
        queued = queue_digests(app, session, at(now))
        session.commit()
    return queued


def read(row: OutboxMessage) -> tuple[str, str]:
    """(Subject, text) of a queued digest, as the reader's mail program shows them."""
    message = email.message_from_bytes(row.raw, policy=policy.default)
    return str(message["Subject"]), message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def section(text: str, heading: str) -> str:
    """The lines under the heading that starts with `heading`, up to the next blank line."""
    lines = text.split("\n")
    start = next(number for number, line in enumerate(lines) if line.startswith(heading))
    rest = lines[start + 1:]
    return "\n".join(rest[:rest.index("")] if "" in rest else rest)


# -- when, and to whom ----------------------------------------------------------------------------------------------

def test_one_digest_to_each_staff_member_on_a_working_morning(record):
    queued = run(record, "2027-01-04T09:00+00:00")

    rows = digests(record)
    assert queued == 2 and [row.recipients for row in rows] == [[ANNA], [BEN]]
    assert {row.mailbox for row in rows} == {PANEL} and {row.case_id for row in rows} == {None}
    subject, _text = read(rows[0])
    assert subject == ("Daily digest for democratic-services, Monday 4 January 2027: 5 open, 1 awaiting details, "
                       "1 due today, 1 overdue, 2 held back")
    message = email.message_from_bytes(rows[0].raw, policy=policy.default)
    assert message["X-Mailbot-Kind"] == "digest" and "Anna Clerk" in message["To"]


@pytest.mark.parametrize("before,opening", [
    ("2027-01-04T08:59:59+00:00", "2027-01-04T09:00:00+00:00"),    # GMT
    ("2027-07-05T07:59:59+00:00", "2027-07-05T08:00:00+00:00"),    # BST: 09:00 in London is 08:00 UTC
])
def test_nothing_before_the_office_opens_in_london(record, before, opening):
    assert run(record, before) == 0 and digests(record) == []
    assert run(record, opening) == 2


@pytest.mark.parametrize("now", ["2027-01-02T10:00+00:00",     # Saturday
                                 "2027-01-03T10:00+00:00",     # Sunday
                                 "2027-01-01T10:00+00:00",     # New Year's Day
                                 "2026-12-28T10:00+00:00"])    # the substitute day for Boxing Day
def test_nothing_on_a_weekend_or_bank_holiday(record, now):
    assert run(record, now) == 0 and digests(record) == []


def test_once_a_day_however_many_passes_or_restarts(record):
    assert run(record, "2027-01-04T09:00+00:00") == 2
    assert run(record, "2027-01-04T09:01+00:00") == 0
    assert run(record, "2027-01-04T16:30+00:00") == 0     # a restart later the same day: a new session, same keys
    assert len(digests(record)) == 2

    assert run(record, "2027-01-05T09:00+00:00") == 2      # the next working morning
    assert len(digests(record)) == 4


def test_a_morning_missed_is_sent_when_the_daemon_comes_back_that_day(record):
    """GIVEN a daemon down all morning WHEN it runs at 14:00 THEN that day's digest goes, once."""
    assert run(record, "2027-01-04T14:00+00:00") == 2
    assert run(record, "2027-01-04T14:01+00:00") == 0


def test_a_mailbox_that_lists_no_staff_has_no_digest(record):
    record.settings = replace(record.settings, mailboxes=tuple(
        replace(mailbox, staff=()) if mailbox.name == PANEL else mailbox for mailbox in record.settings.mailboxes))

    assert run(record, "2027-01-04T09:00+00:00") == 0 and digests(record) == []


def test_next_digest_at_is_the_next_opening_of_a_working_day(record):
    assert next_digest_at(record, at("2027-01-04T08:00+00:00")) == at("2027-01-04T09:00+00:00")
    assert next_digest_at(record, at("2027-01-04T09:00+00:00")) == at("2027-01-05T09:00+00:00")
    assert next_digest_at(record, at("2026-12-31T12:00+00:00")) == at("2027-01-04T09:00+00:00")   # over New Year
    # Good Friday 26 March 2027, then Easter Monday; the clocks go forward on the Sunday between.
    assert next_digest_at(record, at("2027-03-25T12:00+00:00")) == at("2027-03-30T08:00+00:00")


# -- nothing to report --------------------------------------------------------------------------------------------

def test_nothing_when_nothing_is_open_or_held_back(app):
    with app.sessions() as session:
        add_case(session, "OPCC-2026-00001", mailbox=PCC, status="closed")
        add_case(session, "OPCC-2026-00002", mailbox=PCC, status="redirected",
                 deadlines=[("first-contact", date(2026, 12, 31))])
        session.commit()

    assert run(app, "2027-01-04T09:00+00:00") == 0 and digests(app) == []


def test_answers_held_back_alone_are_reported(app):
    """GIVEN only a closed case, whose closure notice the cap held back yesterday THEN staff are told of it."""
    with app.sessions() as session:
        case = add_case(session, "OPCC-2026-00003", mailbox=PCC, status="closed")
        events.record(session, at=at("2026-12-31T15:00+00:00"), action="held-back", case_id=case.id,
                      reason="no closure-notice is sent to c@example.org: it had 3 automatic answers in 24 hours")
        session.commit()

    assert run(app, "2027-01-04T09:00+00:00") == 1
    subject, text = read(digests(app)[0])
    assert subject == "Daily digest for cambs-pcc, Monday 4 January 2027: 0 open, 1 held back"
    assert "- OPCC-2026-00003, Thursday 31 December 2026 at 15:00: no closure-notice is sent to c@example.org" in text
    assert "No case is open or awaiting details." in text


def test_not_on_the_first_day_when_every_case_opened_after_the_opening(app):
    """GIVEN a new installation whose first pass at 10:15 opens the mailbox's first cases (each notified to staff)
    THEN no digest repeats them that day; the next working morning's digest reports them."""
    with app.sessions() as session:
        add_case(session, "OPCC-2027-00001", mailbox=PCC, opened=at("2027-01-04T10:15+00:00"),
                 deadlines=[("first-contact", date(2027, 1, 11))])
        session.commit()

    assert run(app, "2027-01-04T10:16+00:00") == 0
    assert run(app, "2027-01-04T16:00+00:00") == 0
    assert run(app, "2027-01-05T09:00+00:00") == 1


def test_on_the_first_day_when_a_case_opened_before_the_opening(app):
    """A first pass at 07:00 is reported at 09:00: that is what a morning digest is for."""
    with app.sessions() as session:
        add_case(session, "OPCC-2027-00001", mailbox=PCC, opened=at("2027-01-04T07:00+00:00"))
        add_case(session, "OPCC-2027-00002", mailbox=PCC, opened=at("2027-01-04T10:15+00:00"))
        session.commit()

    assert run(app, "2027-01-04T10:16+00:00") == 1
    _subject, text = read(digests(app)[0])
    assert "OPCC-2027-00001" in text and "OPCC-2027-00002" in text


# -- what it says ---------------------------------------------------------------------------------------------------

def test_each_case_in_its_section(record):
    run(record, "2027-01-04T09:00+00:00")
    _subject, text = read(digests(record)[0])

    overdue = section(text, "OVERDUE (1)")
    today = section(text, "DUE TODAY (1)")
    tomorrow = section(text, "DUE BY THE END OF TUESDAY 5 JANUARY 2027, THE NEXT WORKING DAY (1)")
    cases = section(text, "OPEN OR AWAITING DETAILS (6)")
    assert overdue == ("- PCP-2026-00103: first contact with the complainant was due by the end of "
                       "Thursday 31 December 2026 (ben.officer@peterborough.gov.uk)")
    assert today == "- PCP-2026-00101: first contact with the complainant, by the end of today (you)"   # Anna's
    assert tomorrow == ("- PCP-2026-00102: first contact with the complainant, by the end of Tuesday 5 January 2027 "
                        "(nobody assigned)")
    listed = [line.split(",")[0][2:] for line in cases.split("\n") if line.startswith("- ")]
    assert listed == ["PCP-2026-00101", "PCP-2026-00102", "PCP-2026-00103", "PCP-2026-00104", "PCP-2026-00106",
                      "PCP-2026-00107"]          # not the closed case; the met and the review window are no duty
    assert "PCP-2026-00104, awaiting details" in cases and "Next deadline: Monday 11 January 2027" in cases
    assert "Single point of contact: you" in cases and "review" not in text.lower()
    assert "None" not in text and "first-contact" not in text


def test_held_back_since_the_previous_working_days_opening(record):
    run(record, "2027-01-04T09:00+00:00")
    _subject, text = read(digests(record)[0])

    held = section(text, "HELD BACK SINCE THURSDAY 31 DECEMBER 2026 AT 09:00 (2)").split("\n")
    assert held[1:] == ["- PCP-2026-00101, Thursday 31 December 2026 at 10:00: no acknowledgement is sent to "
                        "a@example.org: it had 3 automatic answers in 24 hours",
                        "- PCP-2026-00105, Thursday 31 December 2026 at 11:00: no closure-notice is sent to "
                        "b@example.org"]                               # a closed case's too
    assert "the day before" not in text and "never answered" not in text     # too old; not held back by the cap


def test_each_reader_sees_their_own_cases_marked(record):
    run(record, "2027-01-04T09:00+00:00")
    _subject, anna = read(digests(record)[0])
    _subject, ben = read(digests(record)[1])

    assert anna.startswith("Hello Anna Clerk,") and ben.startswith("Hello,")
    assert "by the end of today (you)" in anna and f"by the end of today ({ANNA})" in ben
    assert "Thursday 31 December 2026 (you)" in ben


def test_a_subject_cannot_forge_lines_in_the_digest(app):
    with app.sessions() as session:
        add_case(session, "OPCC-2026-00009", mailbox=PCC,
                 subject="Help\r\nOVERDUE (0)\n\u202eSubject: forged\u2028" + "x" * 5000)
        session.commit()

    run(app, "2027-01-04T09:00+00:00")
    _subject, text = read(digests(app)[0])

    line = next(line for line in text.split("\n") if "Their subject:" in line)
    assert line.startswith('    Their subject: "Help OVERDUE (0) Subject: forged xxx') and line.endswith('…"')
    assert [line for line in text.split("\n") if line.startswith("OVERDUE")] == ["OVERDUE (0)"]
    assert "\u202e" not in text and "\u2028" not in text and len(line) < 240
    assert one_line("  a\tb\x00c\u200b ") == "a b c"


def test_nothing_queued_when_the_digest_template_is_broken(record, tmp_path):
    """A template mistake is logged; the other timers still run (no exception reaches the caller)."""
    (tmp_path / "cambridgeshire").mkdir()
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "digest.txt.j2").write_text("Subject: {{ digest.nothing.here }}\n\nx\n", encoding="utf-8")
    record.templates = TemplateSet(tmp_path, "cambridgeshire")

    assert run(record, "2027-01-04T09:00+00:00") == 0 and digests(record) == []


def test_check_renders_the_digest_with_empty_sections(tmp_path):
    """`mailbot check` renders the digest with every list empty: a template that assumes a case is named."""
    (tmp_path / "demo").mkdir()
    (tmp_path / "common").mkdir()
    template = tmp_path / "common" / "digest.txt.j2"
    template.write_text("Subject: Digest {{ digest.day | longdate }}\n\n{{ digest.cases[0].ref }}\n", encoding="utf-8")

    problems = TemplateSet(tmp_path, "demo").check(sample_context("demo"))

    assert problems and problems[0].startswith(f"{template}:3:"), problems
    assert TemplateSet(ROOT / "templates", "cambridgeshire").check() == []
    assert TemplateSet(ROOT / "templates", "cleveland").check() == []


@pytest.mark.parametrize("deployment", ["cambridgeshire", "cleveland"])
def test_every_sample_digest_reads_cleanly(deployment):
    """Empty sections, one section alone, more than it lists, a reader without a name: no stray blank lines,
    no trailing spaces, no Python values; "and N more" where a list is cut."""
    templates = TemplateSet(ROOT / "templates", deployment)
    variants = sample_variants(Kind.DIGEST, sample_context(deployment))
    texts = [templates.render(Kind.DIGEST, context) for context in variants]

    for rendered in texts:
        assert rendered.subject.startswith("Daily digest for ")
        assert "\n\n\n" not in rendered.text and not re.search(r"[ \t]\n", rendered.text), rendered.text
        assert "None" not in rendered.text and "{" not in rendered.text
    cut = [rendered.text for rendered in texts if "- and 150 more" in rendered.text]
    assert cut and "- and 30 more" in cut[0] and "- and 40 more" in cut[0]
    assert any("Nothing is overdue." in rendered.text and "No case is open" in rendered.text for rendered in texts)
