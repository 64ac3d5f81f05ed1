"""`mailbot check [--connect]`: config, rules and templates validated; with --connect, every server tried."""

from __future__ import annotations

import sys

import click

from mailbot.app import load_app, template_problems
from mailbot.commands.options import EXIT_CONFIG, EXIT_UNREACHABLE, config_option, reports_config_errors
from mailbot.errors import MailbotError


@click.command()
@config_option
@click.option("--connect", is_flag=True,
              help="Also log in to every mailbox, the SMTP server and the database, and report each.")
@reports_config_errors
def check(config_path, connect):
    """Validate the config file, the deployment's rules and its templates (file and line of each mistake).

    \b
    Checked, each mistake named by file, line and key:
    - every setting's type and range (ports 1-65535, timeouts, intervals, sizes);
    - the files and programs the config names: password_file, ca_file,
      token_command, the parent of smtp.directory, each maildir (never made
      here), and that each password_env variable is set;
    - the rules, and every template compiled and rendered with a sample case.
    Touches no mailbox and no database unless --connect is given.

    Exit status: 0 all good; 2 a mistake in config, rules or templates;
    1 (with --connect) a server or the database could not be reached or logged in to.
    """
    app = load_app(config_path, database=None, files=True, maildirs=True)
    problems = template_problems(app)
    available = set(app.templates.kinds_available())
    for problem in problems:
        click.echo(f"mailbot: {problem}", err=True)
    if problems:
        sys.exit(EXIT_CONFIG)
    settings = app.settings
    click.echo(f"config {settings.path}: deployment {settings.deployment}, {len(settings.mailboxes)} mailbox(es)")
    click.echo(f"rules {app.ruleset.path}: {len(app.ruleset.rules)} rule(s), {len(app.ruleset.bodies)} bodies")
    click.echo(f"templates {settings.templates_dir}: {', '.join(sorted(kind.value for kind in available))}")
    _report_quarantine(app)
    if connect and not _connect_all(app):
        sys.exit(EXIT_UNREACHABLE)


def _report_quarantine(app) -> None:
    """A line per mailbox: how many messages are set aside (quarantined). Never creates a database."""
    from sqlalchemy.exc import SQLAlchemyError

    from mailbot.cases.quarantined import quarantined_per_mailbox

    try:
        counts = quarantined_per_mailbox(app.settings.storage_url)
    except SQLAlchemyError as error:
        click.echo(f"quarantine: not counted, the database could not be read ({type(error).__name__})")
        return
    if counts is None:
        click.echo("quarantine: no database yet (nothing has been received)")
        return
    for mailbox in app.settings.mailboxes:
        count = counts.get(mailbox.name, 0)
        advice = ": see `mailbot quarantine list`" if count else ""
        click.echo(f"mailbox {mailbox.name}: {count} message(s) quarantined{advice}")


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
            with make_transport(smtp) as transport:
                transport.connect()
            click.echo(f"smtp {smtp.host}:{smtp.port}: ok" if smtp.transport == "smtp" else f"smtp directory {smtp.directory}: ok")
        except MailbotError as error:
            ok = False
            click.echo(f"smtp {smtp.host}:{smtp.port}: FAILED: {error}")
    return _connect_database(app) and ok


def _connect_database(app) -> bool:
    """Report whether the database is there, without making it (the first `mailbot run` pass does)."""
    from sqlalchemy.exc import OperationalError

    from mailbot.db.engine import NoDatabase, has_schema, open_engine, shown_url

    settings = app.settings
    shown = shown_url(settings.storage_url)
    try:
        engine = open_engine(settings.storage_url, password=settings.storage_password.read(), create=False)
        there = has_schema(engine)
        engine.dispose()
    except NoDatabase:
        there = False
    except OperationalError as error:
        click.echo(f"database {shown}: FAILED: {error.orig}")
        return False
    click.echo(f"database {shown}: " + ("ok" if there else "none yet (the first pass of `mailbot run` makes it)"))
    return True
