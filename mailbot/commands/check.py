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
              help="Also log in to every mailbox and SMTP server with the configured method (password or "
                   "OAuth2 token) and open the database, and say per target what worked and what did not.")
@reports_config_errors
def check(config_path, connect):
    """Validate the config file, the deployment's rules and its templates (file and line of each mistake).

    \b
    Checked, each mistake named by file, line and key:
    - every setting's type and range (ports 1-65535, timeouts, intervals, sizes);
    - the files and programs the config names: password_file, ca_file,
      token_command, the parent of smtp.directory, each maildir (never made
      here), and that each password_env variable is set;
    - for auth = "oauth2", what the oauth_provider and oauth_flow need
      (tenant_id, client_id, a client secret or certificate, token_store,
      service_account_file) and that its files and variables are there;
    - the rules, and every template compiled and rendered with a sample case.
    Also shows, from the database, mail set aside and every mailbox or SMTP
    server the daemon's last passes could not use. Touches no mailbox, server
    or database otherwise, unless --connect is given.

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
    _report_failing(app)
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


def _report_failing(app) -> None:
    """A line per mailbox or SMTP server that the last passes could not use (connection_health). Never creates."""
    from sqlalchemy.exc import SQLAlchemyError

    from mailbot.schedule.connection_alerts import failing_targets, mailbox_target, smtp_target

    try:
        failing = failing_targets(app.settings)
    except (SQLAlchemyError, MailbotError) as error:
        click.echo(f"connections: not known, the database could not be read ({type(error).__name__})")
        return
    names = {mailbox_target(mailbox).key: f"mailbox {mailbox.name}" for mailbox in app.settings.mailboxes}
    names.update({smtp_target(app.settings, smtp).key: f"smtp {smtp.host}:{smtp.port}" for smtp in _smtp_servers(app)})
    for row in failing or []:
        told = f"alerted {row.reported_to}" if row.reported_to else "nobody could be told by email"
        click.echo(f"{names.get(row.target, row.target)}: FAILING since {row.failing_since:%Y-%m-%d %H:%M} UTC, "
                   f"{row.failures} failed attempt(s) ({told}): {row.last_error}")


def _smtp_servers(app) -> list:
    """Every SMTP setting in use (the top-level one when no mailbox is configured), each once, in config order."""
    servers = [app.settings.smtp_for(mailbox) for mailbox in app.settings.mailboxes] or [app.settings.smtp]
    return list(dict.fromkeys(servers))


def _connect_all(app) -> bool:
    from mailbot.daemon import make_source
    from mailbot.outbox.transport import make_transport
    from mailbot.schedule.connection_alerts import in_plain_words

    ok = True
    for mailbox in app.settings.mailboxes:
        how = _how_imap(mailbox)
        try:
            with make_source(mailbox) as source:
                state = source.sync_state()
            done = f"logged in to {how}, UIDVALIDITY {state.uidvalidity}" if state else f"{how} can be read"
            click.echo(f"mailbox {mailbox.name}: ok: {done}")
        except MailbotError as error:
            ok = False
            click.echo(f"mailbox {mailbox.name}: FAILED: {how}: {in_plain_words(error)}")
    for smtp in _smtp_servers(app):
        shown = f"smtp {smtp.host}:{smtp.port}" if smtp.transport == "smtp" else f"smtp directory {smtp.directory}"
        try:
            with make_transport(smtp) as transport:
                transport.connect()
            click.echo(f"{shown}: ok" + (f": {_how_smtp(smtp, done=True)}" if smtp.transport == "smtp" else ""))
        except MailbotError as error:
            ok = False
            click.echo(f"{shown}: FAILED: {_how_smtp(smtp)}: {in_plain_words(error)}")
    return _connect_database(app) and ok


def _how_imap(mailbox) -> str:
    if mailbox.imap is None:
        return f"Maildir {mailbox.maildir}"
    imap = mailbox.imap
    return (f"IMAP {imap.host}:{imap.port} ({_TLS[imap.tls]}) as {imap.username} "
            f"with {_method(imap.auth, imap.oauth)}")


def _how_smtp(smtp, *, done: bool = False) -> str:
    if smtp.auth == "password" and not smtp.username:
        return f"connected ({_TLS[smtp.tls]}), no login configured" if done else f"{_TLS[smtp.tls]}, no login"
    login = "logged in" if done else "login"
    return f"{login} ({_TLS[smtp.tls]}) as {smtp.username} with {_method(smtp.auth, smtp.oauth)}"


_TLS = {"ssl": "TLS", "starttls": "STARTTLS", "none": "no TLS"}


def _method(auth: str, oauth) -> str:
    return "a password" if auth == "password" else f"an OAuth2 token ({oauth.provider} provider)"


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
