"""The `mailbot` command line: the daemon, the demo, checks, dry-run triage, cases and quarantine."""

from __future__ import annotations

import logging
import sys

import click

from mailbot.app import load_app, template_problems
from mailbot.clock import Clock
from mailbot.process_memory import return_large_buffers_to_the_system
from mailbot.commands import auth, cases, check, demo, outbox, quarantine, triage
from mailbot.errors import ConfigError
from mailbot.commands.options import config_option, now_option, reports_config_errors

def setup_logging(level: str) -> None:
    logging.basicConfig(stream=sys.stderr, level=getattr(logging, level.upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("apscheduler", "imapclient", "alembic", "sqlalchemy"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # mail-parser logs broken header text at ERROR: that is personal data, and parse records the defect anyway.
    logging.getLogger("mailparser").setLevel(logging.CRITICAL)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["debug", "info", "warning", "error"], case_sensitive=False),
              help="How much to log (to stderr; stdout is only for output meant for scripts).")
@click.version_option(package_name="mailbot")
def main(log_level: str) -> None:
    """mailbot: email intake and triage for police complaints bodies in England and Wales.

    It watches shared mailboxes, opens a case for each complaint, acknowledges
    it with a reference and the date by which a person will be in touch, and
    notifies staff. Exit status: 0 done, 1 a mailbox or SMTP server could not
    be reached (all else done), 2 a configuration error.
    """
    setup_logging(log_level)
    return_large_buffers_to_the_system()


@main.command()
@config_option
@click.option("--once", is_flag=True, help="One pass (fetch and process all pending mail, timers, outbox), then exit.")
@now_option
@reports_config_errors
def run(config_path, once, now):
    """Run the daemon (or one pass with --once).

    Each pass records every new message of every mailbox (committed before
    anything changes on the server), processes it (parse, triage, case,
    outbox), queues the reminders that fell due and delivers the due outbox.
    The daemon watches each IMAP folder with IDLE where the server offers it
    (new mail is read and answered within seconds), polls every mailbox
    every [daemon] poll_seconds (default 60) as well, delivers every
    outbox_seconds (default 30) and runs the timers when the next one falls
    due; both settings are whole seconds from 1 to 86400. With --now the
    daemon's clock stays at that time (tests and drills).

    It refuses to start (exit 2, with file and line) on a mistake in the
    config, the rules or the templates (every template is compiled, and the
    daemon also renders each with a sample case, as `mailbot check` does), or
    when a file, program or variable the config names is missing. The first
    pass makes the database; a SQLite file is readable by this user only.

    SIGTERM or SIGINT ends the daemon within 10 s: between two messages, or
    after 5 s if a server holds it (what was cut short is redone on the next
    start). Under systemd (Type=notify) it says when it is ready and, with
    WatchdogSec=, feeds the watchdog only while its passes make progress, so
    that systemd restarts a daemon whose pass hangs.

    Exit status with --once: 0 the pass completed (also when mail was
    quarantined or sends deferred), 1 a mailbox or the SMTP server could not
    be reached (all else done), 2 a configuration error.
    """
    from mailbot.daemon import run_forever, run_once

    app = load_app(config_path, clock=Clock(now), sends=True)   # every template compiles, every file is there
    if once:
        sys.exit(run_once(app))
    problems = template_problems(app)   # rendered with samples too: slower, worth it once per daemon start
    if problems:
        raise ConfigError(problems)   # never start a daemon that would quarantine every complaint
    run_forever(app)


main.add_command(check.check)
main.add_command(triage.triage)
main.add_command(cases.cases)
main.add_command(quarantine.quarantine)
main.add_command(outbox.outbox)
main.add_command(demo.demo)
main.add_command(auth.auth)
