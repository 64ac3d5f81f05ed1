"""`mailbot triage FILE.eml [--mailbox NAME] [--explain]`: a dry run that touches nothing."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mailbot.app import load_app
from mailbot.commands.options import EXIT_CONFIG, config_option, reports_config_errors
from mailbot.errors import UnreadableMail
from mailbot.parse import parse_message
from mailbot.triage import Action, Known, evaluate


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@config_option
@click.option("--mailbox", "mailbox_name", metavar="NAME",
              help="The mailbox it arrived in (default: the config's first mailbox).")
@click.option("--explain", is_flag=True, help="Also print every signal and rule that fired, and what parse read.")
@reports_config_errors
def triage(file, config_path, mailbox_name, explain):
    """Print the decision for one message, the rules that decided it and what would be sent.

    Reads no mailbox, writes no database, sends nothing.
    """
    app = load_app(config_path, database=False)
    names = [mailbox.name for mailbox in app.settings.mailboxes] or list(app.ruleset.mailboxes)
    mailbox_name = mailbox_name or names[0]
    if mailbox_name not in app.ruleset.mailboxes:
        click.echo(f"mailbot: --mailbox: {mailbox_name!r} is not a mailbox of deployment "
                   f"{app.settings.deployment!r} (known: {', '.join(app.ruleset.mailboxes)})", err=True)
        sys.exit(EXIT_CONFIG)
    try:
        message = parse_message(file.read_bytes())
    except UnreadableMail as error:
        click.echo(f"decision: quarantine\nreason: unreadable: {error}")
        return
    own = f"sent from our own mailbox address {message.sender}" if message.sender in app.own_addresses else ""
    decision = evaluate(message, mailbox_name, app.ruleset, Known(own_mail=own))
    body = app.ruleset.bodies[decision.body]
    click.echo(f"decision: {decision.action.value}")
    click.echo(f"body: {body.id} ({body.name})")
    click.echo(f"complainant: {decision.complainant_name or '-'} <{decision.complainant_email or '-'}>")
    click.echo("rules:")
    for hit in decision.hits:
        click.echo(f"  {hit}")
    click.echo("would send:")
    for line in _would_send(app, mailbox_name, decision):
        click.echo(f"  {line}")
    if explain:
        click.echo("parsed:")
        click.echo(f"  from: {message.display_name!r} <{message.sender}>  reply-to: {message.reply_to or '-'}")
        click.echo(f"  subject: {message.subject!r}  message-id: {message.message_id or '-'}")
        click.echo(f"  automatic signals: {'; '.join(message.automatic.reasons()) or 'none'}")
        click.echo(f"  attachments: {', '.join(a.filename for a in message.attachments) or 'none'}")
        click.echo(f"  repaired: {'; '.join(message.defects) or 'nothing'}")
        click.echo(f"  text: {len(message.text)} characters")


def _would_send(app, mailbox_name: str, decision) -> list[str]:
    if decision.action is not Action.NEW_CASE:
        return ["nothing"]
    lines = [f"acknowledgement to {decision.complainant_email}"] if decision.complainant_email else []
    try:
        staff = app.settings.mailbox(mailbox_name).staff
    except KeyError:
        staff = ()
    lines.append(f"staff-notification to {', '.join(staff)}" if staff else "no staff-notification (no staff listed)")
    return lines
