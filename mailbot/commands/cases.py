"""`mailbot cases list | show REF | export --format json`."""

from __future__ import annotations

import json
import sys

import click

from mailbot.app import EXISTING, load_app
from mailbot.cases.due import unmet_deadlines
from mailbot.cases.export import all_cases, case_record
from mailbot.cases.story import case_story, render_story, story_json
from mailbot.clock import LONDON, Clock
from mailbot.commands.options import config_option, now_option, reports_config_errors

EXIT_NO_SUCH_CASE = 1


@click.group()
def cases():
    """The cases in the record.

    These commands only read: they never make a database, and exit with
    status 2 when there is none at the config's storage.url.
    """


def _first_due(case) -> str:
    open_deadlines = [deadline for deadline in case.deadlines if deadline.met_at is None]
    return min((deadline.due for deadline in open_deadlines), default=None).isoformat() if open_deadlines else "-"


def _line(case, due: str) -> str:
    received = case.received_at.astimezone(LONDON).strftime("%Y-%m-%d %H:%M")
    return f"{case.ref}\t{case.status}\t{case.body}\t{received}\t{due}\t{case.complainant_email or '-'}"


@cases.command("list")
@config_option
@click.option("--overdue", is_flag=True,
              help="Only cases with a deadline that has passed unmet: its last day has ended (at midnight, "
                   "London time) by now, or by --now TIME.")
@click.option("--due-before", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, metavar="DATE",
              help="Only cases with an unmet deadline due on or before DATE (YYYY-MM-DD), overdue or not.")
@now_option
@reports_config_errors
def list_cases(config_path, overdue, due_before, now):
    """One line a case, tab-separated: reference, status, body, received (London), deadline, complainant.

    \b
    Without options: every case; the deadline column is its next unmet
      deadline's last day ("-" when none is unmet).
    --overdue, --due-before: only the cases with such a deadline; the
      deadline column names each of them, kind and last day
      ("first-contact 2026-11-23"), earliest first. Both together: the
      deadlines that are both.

    A deadline is met until midnight (London) after its last day. When no
    case is listed, one line says so ("no cases ..."), and the exit status
    is 0.
    """
    app = load_app(config_path, clock=Clock(now), database=EXISTING)
    due_by = due_before.date() if due_before else None
    passed_at = app.clock.now() if overdue else None
    with app.sessions() as session:
        if due_by is None and passed_at is None:
            rows = [_line(case, _first_due(case)) for case in all_cases(session)]
        else:
            rows = [_line(entry.case, ", ".join(f"{deadline.kind} {deadline.due.isoformat()}"
                                               for deadline in entry.deadlines))
                    for entry in unmet_deadlines(session, due_by=due_by, passed_at=passed_at)]
    for row in rows:
        click.echo(row)
    if not rows:
        click.echo(_none_listed(passed_at, due_by))


def _none_listed(passed_at, due_by) -> str:
    """The line that says no case is listed, and for which question."""
    which = []
    if due_by:
        which.append(f"due on or before {due_by.isoformat()}")
    if passed_at:
        which.append(f"passed by {passed_at.astimezone(LONDON).strftime('%Y-%m-%d %H:%M')} London time")
    return f"no cases with an unmet deadline {' and '.join(which)}" if which else "no cases"


@cases.command()
@click.argument("ref")
@config_option
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text for reading; json for programs: {\"case\": the `cases export` fields, \"timeline\": "
                   "[{at (UTC), actor, action, reason, detail}], \"mail_in\", \"mail_out\"}.")
@reports_config_errors
def show(ref, config_path, output_format):
    """One case's whole story from the record, REF in any letter case (e.g. OPCC-2026-00001).

    \b
    The case: status, body, mailbox, subject, complainant, when it was
      received, its deadlines (due, met) and the rules that decided it.
    Mail in: every message of the case, its Message-ID, receipt time, status.
    Mail out: every message sent or to send, to whom, and how it went.
    Timeline: everything in order, in London time, each line saying when,
      who (mailbot, a staff address, the operator), what was done and why:
      the decision and its rule, each letter queued and sent, every command,
      reply, note and change of status in the event log.

    Only reads. Exit 1 when there is no case REF (`mailbot cases list`
    shows them all).
    """
    app = load_app(config_path, database=EXISTING)
    with app.sessions() as session:
        story = case_story(session, ref)
    if story is None:
        click.echo(f"mailbot: there is no case {ref!r} (`mailbot cases list` shows every case)", err=True)
        sys.exit(EXIT_NO_SUCH_CASE)
    if output_format == "json":
        json.dump(story_json(story), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        click.echo(render_story(story), nl=False)


@cases.command()
@config_option
@click.option("--format", "output_format", type=click.Choice(["json"]), default="json", show_default=True)
@reports_config_errors
def export(config_path, output_format):
    """Print one JSON array of every case, whatever its status (fields: INTERFACE.md)."""
    app = load_app(config_path, database=EXISTING)
    with app.sessions() as session:
        json.dump([case_record(case) for case in all_cases(session)], sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


