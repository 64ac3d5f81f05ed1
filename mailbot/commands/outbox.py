"""`mailbot outbox list [--status S]`: every message to send, its case, kind, recipients, attempts and last reason."""

from __future__ import annotations

import click
from sqlalchemy import select

from mailbot.app import EXISTING, load_app
from mailbot.commands.options import config_option, reports_config_errors
from mailbot.db.models import Case, OutboxMessage

STATUSES = ("queued", "sent", "deferred", "failed")


@click.group()
def outbox():
    """The mail mailbot has sent or will send."""


@outbox.command("list")
@click.option("--status", type=click.Choice(STATUSES), default=None, help="Only the messages with this status.")
@config_option
@reports_config_errors
def list_outbox(status, config_path):
    """One line a message, tab-separated: id, case reference (or -), kind, recipients, status, attempts, last reason.

    The last reason is why it was deferred or failed, or who it did not
    reach when it was sent; `-` when there is none.
    """
    app = load_app(config_path, database=EXISTING)
    query = (select(OutboxMessage, Case.ref).outerjoin(Case, OutboxMessage.case_id == Case.id)
             .order_by(OutboxMessage.id))
    if status:
        query = query.where(OutboxMessage.status == status)
    with app.sessions() as session:
        for row, case_ref in session.execute(query):
            fields = (row.id, case_ref or "-", row.kind, ",".join(map(str, row.recipients)), row.status,
                      row.attempts, row.last_error or "-")
            click.echo("\t".join(_one_line(field) for field in fields))


def _one_line(value: object) -> str:
    """A field that cannot break the line or the columns: tabs, line breaks and runs of spaces become one space."""
    return " ".join(str(value).split())
