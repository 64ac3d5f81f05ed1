"""`mailbot triage FILE.eml [--mailbox NAME] [--explain]`: a dry run that touches nothing."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mailbot.app import load_app, open_database
from mailbot.clock import Clock
from mailbot.commands.options import EXIT_CONFIG, config_option, now_option, reports_config_errors
from mailbot.errors import ConfigError, UnreadableMail
from mailbot.parse import parse_message
from mailbot.triage import evaluate



@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@config_option
@click.option("--mailbox", "mailbox_name", metavar="NAME",
              help="The mailbox it arrived in (default: the config's first mailbox).")
@click.option("--explain", is_flag=True,
              help="Also print every fact and signal that fired with the text it matched, every rule tried, and what parse read.")
@now_option
@reports_config_errors
def triage(file, config_path, mailbox_name, explain, now):
    """Print the decision for one message, the rules that decided it and what would be sent.

    Reads no mailbox, writes no database, sends nothing. When the config's
    database exists it is read, as `run --once` would read it: the case a
    reply answers, whether a staff token holds, who is at the cap on
    automatic answers. --now sets the day of receipt (for review windows)
    and the time the cap counts back from; default: now.
    """
    app = load_app(config_path, database=None, clock=Clock(now))
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
    decision = evaluate(message, mailbox_name, app.ruleset, _known(app, message))
    body = app.ruleset.bodies[decision.body]
    click.echo(f"decision: {decision.action.value}" + (f" -> {decision.redirected_to}" if decision.redirected_to else ""))
    click.echo(f"rule: {decision.rule}")
    click.echo(f"body: {body.id} ({body.name})")
    click.echo(f"complainant: {decision.complainant_name or '-'} <{decision.complainant_email or '-'}>"
               f"{'  anonymous' if decision.anonymous else ''}{'  third party' if decision.third_party else ''}")
    if decision.review is not None:
        click.echo(f"review: outcome letter {decision.review['outcome_date'] or 'date not found'}, "
                   f"in time: {decision.review['in_time']}")
    click.echo(f"missing: {', '.join(decision.missing) or 'nothing'}")
    if decision.flags:   # what the decision rests on that is a guess: staff are asked to confirm it
        click.echo(f"doubts: {', '.join(decision.flags)} (staff are asked to confirm)")
    click.echo("would send:")
    if decision.mailbox and decision.mailbox != mailbox_name:
        click.echo(f"case in: {decision.mailbox} (an internal transfer: no mail to {decision.body})")
    for line in _would_send(decision):
        click.echo(f"  {line}")
    if explain:
        _explain(message, decision)


def _known(app, message):
    """What `run --once` would be told: from the record when there is one (the case a reply answers, the
    cap), read only; without one, from the config alone."""
    now = app.clock.now()
    try:
        open_database(app, create=False)
    except ConfigError:
        return app.known_about(message, received=now)
    with app.sessions() as session:
        return app.known_about(message, received=now, session=session, now=now)


def _would_send(decision) -> list[str]:
    """The decision's letters, as `run --once` then queues them: the same values, not a copy of the logic."""
    lines = [str(letter) for letter in decision.letters]
    return lines or ["nothing"]


def _explain(message, decision) -> None:
    click.echo("facts and signals:")
    for hit in decision.hits:
        if hit.kind != "rule":
            click.echo(f"  [{hit.kind}] {hit}")
    click.echo("rules tried, in order:")
    for line in decision.trace:
        click.echo(f"  {line}")
    click.echo("parsed:")
    click.echo(f"  from: {message.display_name!r} <{message.sender}>  reply-to: {message.reply_to or '-'}")
    click.echo(f"  subject: {message.subject!r}  message-id: {message.message_id or '-'}")
    click.echo(f"  automatic signals: {'; '.join(message.automatic.reasons()) or 'none'}")
    click.echo(f"  attachments: {', '.join(a.filename for a in message.attachments) or 'none'}")
    click.echo(f"  forwarded: {message.forwarded.layout + ' from ' + message.forwarded.sender if message.forwarded else 'no'}")
    click.echo(f"  repaired: {'; '.join(message.defects) or 'nothing'}")
    click.echo(f"  text: {len(message.text)} characters")
