"""What falls due with time, decided without a database: reminders, escalations, and waits that end."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from mailbot.schedule.due import CaseClock, DeadlineState, first_moment, plan
from mailbot.triage import Action, load_ruleset
from mailbot.triage.known import Known, Mailbox

ROOT = Path(__file__).resolve().parents[2]
CAMBS = load_ruleset(ROOT / "rules", "cambridgeshire")
PANEL = CAMBS.bodies["cambs-panel"]
STAFF, MANAGER, SPOC = "officer.a@peterborough.gov.uk", "head.of.service@peterborough.gov.uk", "officer.b@peterborough.gov.uk"
KNOWN = Known(mailboxes=(Mailbox(name="democratic-services", address="democratic.services@peterborough.gov.uk",
                                 staff=(STAFF,), managers=(MANAGER,)),))
OPENED = datetime(2026, 12, 23, 11, 5, tzinfo=timezone.utc)
# p27: received Wed 23 Dec 2026, 5 working days: due Mon 4 Jan 2027 (25, 28 Dec and 1 Jan are bank holidays).
CASE = CaseClock(ref="PCP-2026-00001", status="open", mailbox="democratic-services", body="cambs-panel",
                 complainant_email="sophie.wren@example.org", assigned="",
                 deadlines=(DeadlineState(1, "first-contact", date(2027, 1, 4), met=False),),
                 opened_at=OPENED, quiet_since=OPENED, details_asked_at=None, done=frozenset())


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def sent(decision) -> list[tuple[str, str]]:
    return sorted((letter.kind, letter.to) for letter in decision.sends) if decision else []


@pytest.mark.parametrize("moment", ["2026-12-24T10:00:00+00:00", "2026-12-29T10:00:00+00:00",
                                    "2026-12-30T16:00:00+00:00", "2026-12-31T08:59:00+00:00",
                                    "2027-01-01T10:00:00+00:00", "2027-01-02T10:00:00+00:00"])
def test_nothing_is_due_before_the_working_day_before_the_deadline(moment):
    assert plan(CASE, PANEL, KNOWN, at(moment)) is None


def test_the_staff_reminder_goes_on_the_working_day_before_from_opening_time():
    decision = plan(CASE, PANEL, KNOWN, at("2026-12-31T09:00:00+00:00"))
    assert decision.action is Action.TIMER and sent(decision) == [("staff-reminder", STAFF)]
    [letter] = decision.sends
    assert letter.about == "deadline-1-reminder"
    assert "Monday 4 January 2027" in decision.why


def test_a_reminder_missed_the_day_before_still_goes_on_the_deadline_day_and_only_once():
    assert sent(plan(CASE, PANEL, KNOWN, at("2027-01-04T10:00:00+00:00"))) == [("staff-reminder", STAFF)]
    done = replace(CASE, done=frozenset({"deadline-1-reminder"}))
    assert plan(done, PANEL, KNOWN, at("2027-01-04T15:00:00+00:00")) is None


def test_the_escalation_goes_to_staff_and_managers_the_working_day_after_and_overtakes_the_reminder():
    decision = plan(CASE, PANEL, KNOWN, at("2027-01-05T10:00:00+00:00"))
    assert sent(decision) == [("escalation", MANAGER), ("escalation", STAFF)]   # no late reminder as well


def test_no_escalation_on_a_weekend_even_long_after_the_deadline():
    weekend = replace(CASE, deadlines=(DeadlineState(1, "first-contact", date(2027, 1, 8), met=False),))
    assert plan(weekend, PANEL, KNOWN, at("2027-01-09T10:00:00+00:00")) is None        # Saturday
    assert sent(plan(weekend, PANEL, KNOWN, at("2027-01-11T10:00:00+00:00")))[0][0] == "escalation"


def test_a_met_deadline_is_neither_reminded_nor_escalated():
    met = replace(CASE, deadlines=(DeadlineState(1, "first-contact", date(2027, 1, 4), met=True),))
    assert plan(met, PANEL, KNOWN, at("2027-01-05T10:00:00+00:00")) is None


def test_the_single_point_of_contact_gets_the_reminder_and_the_escalation_still_goes_to_all():
    assigned = replace(CASE, assigned=SPOC)
    assert sent(plan(assigned, PANEL, KNOWN, at("2026-12-31T10:00:00+00:00"))) == [("staff-reminder", SPOC)]
    assert sent(plan(assigned, PANEL, KNOWN, at("2027-01-05T10:00:00+00:00"))) == [("escalation", MANAGER),
                                                                                   ("escalation", STAFF)]


def test_the_complainants_review_window_is_not_a_staff_deadline():
    review = replace(CASE, deadlines=(DeadlineState(2, "review-window", date(2027, 1, 4), met=False),))
    assert plan(review, PANEL, KNOWN, at("2027-01-05T10:00:00+00:00")) is None


def test_nothing_is_due_on_the_day_a_backlog_case_opens_and_the_escalation_comes_the_next_working_day():
    late = replace(CASE, opened_at=at("2027-01-06T10:00:00+00:00"), quiet_since=at("2027-01-06T10:00:00+00:00"))
    assert plan(late, PANEL, KNOWN, at("2027-01-06T10:05:00+00:00")) is None
    assert sent(plan(late, PANEL, KNOWN, at("2027-01-07T09:00:00+00:00")))[0][0] == "escalation"


def test_an_open_case_without_correspondence_for_ten_working_days_reminds_its_staff_once_per_quiet_spell():
    met = replace(CASE, deadlines=(DeadlineState(1, "first-contact", date(2027, 1, 4), met=True),))
    assert plan(met, PANEL, KNOWN, at("2027-01-08T10:00:00+00:00")) is None          # 9 working days
    decision = plan(met, PANEL, KNOWN, at("2027-01-11T10:00:00+00:00"))               # the 10th
    assert sent(decision) == [("progress-reminder", STAFF)]
    assert decision.sends[0].about == "progress-2026-12-23"
    later = replace(met, quiet_since=at("2027-01-11T12:00:00+00:00"))                 # a reply since
    assert plan(later, PANEL, KNOWN, at("2027-01-12T10:00:00+00:00")) is None


def test_details_that_never_come_get_one_reminder_then_the_case_closes_as_not_pursued():
    waiting = replace(CASE, status="awaiting-details", deadlines=(), details_asked_at=OPENED)
    assert plan(waiting, PANEL, KNOWN, at("2026-12-31T10:00:00+00:00")) is None      # 4 working days
    reminder = plan(waiting, PANEL, KNOWN, at("2027-01-04T10:00:00+00:00"))           # the 5th
    assert sent(reminder) == [("complainant-reminder", "sophie.wren@example.org")]
    assert reminder.change.status is None
    reminded = replace(waiting, done=frozenset({"details-reminder-2026-12-23"}))
    closing = plan(reminded, PANEL, KNOWN, at("2027-01-11T10:00:00+00:00"))           # the 10th
    assert sent(closing) == [("case-update", STAFF), ("closure-notice", "sophie.wren@example.org")]
    assert closing.change.status == "closed" and closing.change.events[0][0] == "closed-not-pursued"


def test_the_complainant_reminder_respects_the_cap():
    waiting = replace(CASE, status="awaiting-details", deadlines=(), details_asked_at=OPENED)
    capped = replace(KNOWN, at_cap=frozenset({"sophie.wren@example.org"}))
    [letter] = plan(waiting, PANEL, capped, at("2027-01-04T10:00:00+00:00")).letters
    assert letter.capped_out and not letter.goes


def test_the_daemon_is_woken_for_the_next_step_at_opening_time():
    assert first_moment([(CASE, PANEL)], at("2026-12-23T12:00:00+00:00")) == at("2026-12-31T09:00:00+00:00")
    assert first_moment([(CASE, PANEL)], at("2026-12-31T09:30:00+00:00")) == at("2027-01-05T09:00:00+00:00")
    done = replace(CASE, status="closed")
    assert first_moment([(done, PANEL)], at("2026-12-23T12:00:00+00:00")) is None


def test_cleveland_counts_from_its_own_opening_hours():
    cleveland = load_ruleset(ROOT / "rules", "cleveland").bodies["cleveland-opcc"]
    case = replace(CASE, mailbox="cleveland-resolution", body="cleveland-opcc",
                   deadlines=(DeadlineState(1, "first-contact", date(2027, 1, 5), met=False),))
    assert first_moment([(case, cleveland)], at("2026-12-23T12:00:00+00:00")) == at("2027-01-04T08:30:00+00:00")
