"""`mailbot cases list --overdue | --due-before DATE`: the cases with a deadline still unmet, from a real run."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from mailbot.db.models import Case, Deadline
from tests.cli.conftest import deliver, mailbot

# Received Monday 16 November 2026, 10:00 (GMT): first contact due on the 5th working day, Monday 23 November.
ELEANOR = ("p07-pcc-chief-constable-radio.eml", "2026-11-16T10:00:00+00:00", "eleanor.pritchard@example.org")
# Received Tuesday 17 November: due Tuesday 24 November.
RYAN = ("p11-pcc-about-pcc-html.eml", "2026-11-17T10:00:00+00:00", "ryan.oconnell@example.net")


def listed(local, *options: str) -> list[str]:
    result = mailbot(local, "cases", "list", *options)
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def opened(local, *complaints, now: str) -> dict[str, str]:
    """Deliver the complaints, run one pass at `now`; each complainant's case reference."""
    for name, at, _ in complaints:
        deliver(local, name, at=at)
    assert mailbot(local, "run", "--once", "--now", now).exit_code == 0
    refs = {line.split("\t")[5]: line.split("\t")[0] for line in listed(local)}
    assert set(refs) == {who for _, _, who in complaints}
    return refs


def test_overdue_once_the_last_day_has_ended_in_london(local):
    refs = opened(local, ELEANOR, now="2026-11-16T10:05:00+00:00")
    assert listed(local, "--overdue", "--now", "2026-11-23T23:59:00+00:00") == [
        "no cases with an unmet deadline passed by 2026-11-23 23:59 London time"]
    assert listed(local, "--overdue", "--now", "2026-11-24T00:00:00+00:00") == [
        f"{refs[ELEANOR[2]]}\topen\tcambs-opcc\t2026-11-16 10:00\tfirst-contact 2026-11-23\t{ELEANOR[2]}"]


def test_overdue_in_summer_time_passes_at_23_00_utc(local):
    # Monday 29 June 2026, 16:30 BST: before the 17:00 close, so day 0; the 5th working day is Monday 6 July.
    refs = opened(local, (ELEANOR[0], "2026-06-29T15:30:00+00:00", ELEANOR[2]), now="2026-06-29T15:35:00+00:00")
    assert listed(local, "--overdue", "--now", "2026-07-06T22:59:00+00:00") == [
        "no cases with an unmet deadline passed by 2026-07-06 23:59 London time"]
    [line] = listed(local, "--overdue", "--now", "2026-07-06T23:00:00+00:00")
    assert line.startswith(f"{refs[ELEANOR[2]]}\t") and "\tfirst-contact 2026-07-06\t" in line


def test_due_before_includes_the_day_itself(local):
    refs = opened(local, ELEANOR, RYAN, now="2026-11-17T10:05:00+00:00")
    assert listed(local, "--due-before", "2026-11-22") == [
        "no cases with an unmet deadline due on or before 2026-11-22"]
    [only] = listed(local, "--due-before", "2026-11-23")
    assert only.startswith(refs[ELEANOR[2]] + "\t") and "\tfirst-contact 2026-11-23\t" in only
    both = listed(local, "--due-before", "2026-11-24")
    assert [line.split("\t")[0] for line in both] == [refs[ELEANOR[2]], refs[RYAN[2]]]   # earliest deadline first
    assert both[1].split("\t")[4] == "first-contact 2026-11-24"


def test_overdue_and_due_before_together_list_the_deadlines_that_are_both(local):
    refs = opened(local, ELEANOR, RYAN, now="2026-11-17T10:05:00+00:00")
    late = ("--overdue", "--now", "2026-11-25T09:00:00+00:00")
    assert [line.split("\t")[0] for line in listed(local, *late)] == [refs[ELEANOR[2]], refs[RYAN[2]]]
    assert [line.split("\t")[0] for line in listed(local, *late, "--due-before", "2026-11-23")] == [refs[ELEANOR[2]]]
    assert listed(local, "--overdue", "--now", "2026-11-20T09:00:00+00:00", "--due-before", "2026-11-30") == [
        "no cases with an unmet deadline due on or before 2026-11-30 and passed by 2026-11-20 09:00 London time"]


def test_a_met_deadline_is_neither_overdue_nor_due(local):
    refs = opened(local, ELEANOR, RYAN, now="2026-11-17T10:05:00+00:00")
    engine = create_engine(f"sqlite:///{local / 'mailbot.db'}")
    with Session(engine) as session, session.begin():
        deadline = session.scalar(select(Deadline).join(Case).where(Case.ref == refs[ELEANOR[2]]))
        deadline.met_at = datetime(2026, 11, 18, 14, 0, tzinfo=timezone.utc)
    engine.dispose()
    assert [line.split("\t")[0] for line in listed(local, "--overdue", "--now", "2026-11-30T09:00:00+00:00")] == [
        refs[RYAN[2]]]
    assert [line.split("\t")[0] for line in listed(local, "--due-before", "2026-11-30")] == [refs[RYAN[2]]]
    everything = {line.split("\t")[0]: line.split("\t")[4] for line in listed(local)}
    assert everything == {refs[ELEANOR[2]]: "-", refs[RYAN[2]]: "2026-11-24"}   # the plain list still has both


def test_no_cases_at_all(local):
    assert mailbot(local, "run", "--once", "--now", "2026-11-16T10:05:00+00:00").exit_code == 0
    assert listed(local) == ["no cases"]
    [line] = listed(local, "--overdue")   # at the time of the test: still none
    assert line.startswith("no cases with an unmet deadline passed by ")


def test_help_explains_both_options(local):
    shown = mailbot(local, "cases", "list", "--help").stdout
    assert "--overdue" in shown and "has passed unmet" in shown
    assert "--due-before DATE" in shown and "on or before DATE" in shown
    assert "no cases" in shown


def test_a_due_before_that_is_not_a_date_is_a_usage_error(local):
    mailbot(local, "run", "--once", "--now", "2026-11-16T10:05:00+00:00")
    result = mailbot(local, "cases", "list", "--due-before", "23/11/2026")
    assert result.exit_code == 2 and "--due-before" in result.stderr
