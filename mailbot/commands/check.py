"""`mailbot check [--connect]`: config, rules and templates validated; with --connect, every server tried."""

from __future__ import annotations

import sys

import click

from mailbot.app import load_app
from mailbot.commands.options import EXIT_CONFIG, EXIT_UNREACHABLE, config_option, reports_config_errors
from mailbot.errors import MailbotError
from mailbot.outbox.kinds import Kind
from mailbot.outbox.templates import sample_context

REQUIRED_KINDS = (Kind.ACKNOWLEDGEMENT, Kind.STAFF_NOTIFICATION)


@click.command()
@config_option
@click.option("--connect", is_flag=True, help="Also log in to every mailbox and the SMTP server, and report each.")
@reports_config_errors
def check(config_path, connect):
    """Validate the config file, the deployment's rules and its templates (file and line of each mistake).

    Exit status: 0 all good; 2 a mistake in config, rules or templates;
    1 (with --connect) a server could not be reached or logged in to.
    """
    app = load_app(config_path, database=False)
    problems = app.templates.check(_samples(app))
    available = set(app.templates.kinds_available())
    problems += [f"{app.settings.templates_dir / app.settings.deployment}: no template for {kind.value} "
                 f"({kind.value}.txt.j2 here or in common/)" for kind in REQUIRED_KINDS if kind not in available]
    for problem in problems:
        click.echo(f"mailbot: {problem}", err=True)
    if problems:
        sys.exit(EXIT_CONFIG)
    settings = app.settings
    click.echo(f"config {settings.path}: deployment {settings.deployment}, {len(settings.mailboxes)} mailbox(es)")
    click.echo(f"rules {app.ruleset.path}: {len(app.ruleset.rules)} rule(s), {len(app.ruleset.bodies)} bodies")
    click.echo(f"templates {settings.templates_dir}: {', '.join(sorted(kind.value for kind in available))}")
    if connect and not _connect_all(app):
        sys.exit(EXIT_UNREACHABLE)


def _samples(app) -> list[dict]:
    """A sample context for every body that owns a mailbox, from the rule set itself."""
    samples = []
    for mailbox_name, body_id in app.ruleset.mailboxes.items():
        body = app.ruleset.bodies[body_id]
        context = sample_context(app.settings.deployment)
        context["body"] = {"id": body.id, "name": body.name, "address": body.address, "grants_review": body.grants_review}
        context["mailbox"] = {"name": mailbox_name, "address": body.address}
        context["case"] = {**context["case"], "ref": f"{body.reference_prefix}-2026-00042",
                           "first_contact_working_days": body.first_contact_working_days}
        samples.append(context)
        samples.append({**context, "missing": [], "complainant": {"name": "", "email": "x@example.org", "anonymous": True}})
    return samples


def _connect_all(app) -> bool:
    from mailbot.daemon import make_source
    from mailbot.outbox.transport import make_transport

    ok = True
    for mailbox in app.settings.mailboxes:
        try:
            with make_source(mailbox) as source:
                state = source.sync_state()
            detail = f"UIDVALIDITY {state.uidvalidity}" if state else "Maildir"
            click.echo(f"mailbox {mailbox.name}: ok ({detail})")
        except MailbotError as error:
            ok = False
            click.echo(f"mailbox {mailbox.name}: FAILED: {error}")
    smtp_settings = {app.settings.smtp_for(mailbox) for mailbox in app.settings.mailboxes} or {app.settings.smtp}
    for smtp in smtp_settings:
        try:
            with make_transport(smtp):
                pass
            click.echo(f"smtp {smtp.host}:{smtp.port}: ok" if smtp.transport == "smtp" else f"smtp directory {smtp.directory}: ok")
        except MailbotError as error:
            ok = False
            click.echo(f"smtp {smtp.host}:{smtp.port}: FAILED: {error}")
    return ok
