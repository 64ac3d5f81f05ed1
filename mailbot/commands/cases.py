"""`mailbot cases list | show REF | export --format json`."""

from __future__ import annotations

import json
import sys

import click

from mailbot.app import EXISTING, load_app
from mailbot.cases.export import all_cases, case_record, cases_due_before, find_case
from mailbot.clock import LONDON, Clock
from mailbot.commands.options import EXIT_UNREACHABLE, config_option, now_option, reports_config_errors


@click.group()
def cases():
    """The cases in the record.

    These commands only read: they never make a database, and exit with
    status 2 when there is none at the config's storage.url.
    """


def _first_due(case) -> str:
    open_deadlines = [deadline for deadline in case.deadlines if deadline.met_at is None]
    return min((deadline.due for deadline in open_deadlines), default=None).isoformat() if open_deadlines else "-"


@cases.command("list")
@config_option
@click.option("--overdue", is_flag=True, help="Only cases with a deadline that has passed unmet.")
@click.option("--due-before", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, metavar="DATE",
              help="Only cases with an unmet deadline ending before DATE (YYYY-MM-DD).")
@now_option
@reports_config_errors
def list_cases(config_path, overdue, due_before, now):
    """One line a case: reference, status, body, received (London), next unmet deadline, complainant."""
    app = load_app(config_path, clock=Clock(now), database=EXISTING)
    today = app.clock.now().astimezone(LONDON).date()
    with app.sessions() as session:
        if due_before is not None:
            rows = cases_due_before(session, due_before.date())
        elif overdue:
            rows = cases_due_before(session, today)   # due before today: the day itself has ended
        else:
            rows = all_cases(session)
        for case in rows:
            received = case.received_at.astimezone(LONDON).strftime("%Y-%m-%d %H:%M")
            who = case.complainant_email or "-"
            click.echo(f"{case.ref}\t{case.status}\t{case.body}\t{received}\t{_first_due(case)}\t{who}")


@cases.command()
@click.argument("ref")
@config_option
@reports_config_errors
def show(ref, config_path):
    """Everything about one case: its record, deadlines and the event log. Exit 1 if there is no such case."""
    app = load_app(config_path, database=EXISTING)
    with app.sessions() as session:
        case = find_case(session, ref)
        if case is None:
            click.echo(f"mailbot: no case {ref}", err=True)
            sys.exit(EXIT_UNREACHABLE)
        record = case_record(case)
        for key in ("ref", "status", "body", "mailbox", "redirected_to", "subject", "received_at",
                    "anonymous", "third_party", "review", "missing", "flags", "rules"):
            click.echo(f"{key + ':':15} {record[key]}")
        click.echo(f"{'complainant:':15} {case.complainant_name or '-'} <{case.complainant_email or '-'}>")
        for deadline in record["deadlines"]:
            click.echo(f"{'deadline:':15} {deadline['kind']} due {deadline['due']} met {deadline['met_at'] or 'no'}")
        click.echo("events:")
        for event in case.events:
            click.echo(f"  {event.at.isoformat()}  {event.actor}  {event.action}  {event.reason}")


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


