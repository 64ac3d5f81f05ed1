"""`mailbot quarantine list | retry ID`: mail that could not be read, kept with its bytes, and its re-run."""

from __future__ import annotations

import sys

import click
from sqlalchemy import func, select

from mailbot.app import EXISTING, load_app, template_compile_problems
from mailbot.clock import Clock
from mailbot.commands.options import EXIT_UNREACHABLE, config_option, now_option, reports_config_errors
from mailbot.db.models import InboundMessage, RawMessage
from mailbot.errors import ConfigError
from mailbot.db import events


@click.group()
def quarantine():
    """Mail set aside because it could not be read or processed.

    Neither command makes a database: with none at the config's
    storage.url, they exit with status 2.
    """


@quarantine.command("list")
@config_option
@reports_config_errors
def list_quarantined(config_path):
    """One line a message: id, mailbox, receipt time (UTC), size, Message-ID, reason."""
    app = load_app(config_path, database=EXISTING)
    with app.sessions() as session:
        size = select(func.length(RawMessage.raw)).where(RawMessage.message_id == InboundMessage.id).scalar_subquery()
        for row, length in session.execute(select(InboundMessage, size).where(InboundMessage.status == "quarantined")
                                           .order_by(InboundMessage.id)):
            click.echo(f"{row.id}\t{row.mailbox}\t{row.received_at.isoformat()}\t{length or 0}\t"
                       f"{row.message_id or '-'}\t{row.error}")


@quarantine.command()
@click.argument("message_id", metavar="ID", type=int)
@config_option
@now_option
@reports_config_errors
def retry(message_id, config_path, now):
    """Run quarantined message ID through parse, triage and case again (after a fix of rules or code).

    Prints what became of it; exit 1 when there is no such quarantined
    message or it is quarantined again. Mail it causes is sent by the next
    `mailbot run` pass.
    """
    from mailbot.pipeline import process_one

    app = load_app(config_path, clock=Clock(now), database=EXISTING)
    problems = template_compile_problems(app)   # it would only be quarantined again
    if problems:
        raise ConfigError(problems)
    with app.sessions() as session:
        row = session.get(InboundMessage, message_id)
        if row is None or row.status != "quarantined":
            click.echo(f"mailbot: no quarantined message {message_id}", err=True)
            sys.exit(EXIT_UNREACHABLE)
        row.status = "received"
        events.record(session, at=app.clock.now(), action="quarantine-retry", actor="operator", message_id=row.id,
                     reason=f"re-run after: {row.error}")
        session.commit()
    outcome = process_one(app, message_id, now=app.clock.now())
    click.echo(f"{message_id}\t{outcome.action}\t{outcome.case_ref or '-'}\t{'; '.join(outcome.reasons)}")
    if outcome.action == "quarantine":
        sys.exit(EXIT_UNREACHABLE)
