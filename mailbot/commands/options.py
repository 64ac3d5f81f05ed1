"""Options and error handling shared by every `mailbot` subcommand."""

from __future__ import annotations

import sys
from functools import wraps

import click

from mailbot.clock import parse_instant
from mailbot.errors import ConfigError

EXIT_OK, EXIT_UNREACHABLE, EXIT_CONFIG = 0, 1, 2


class Instant(click.ParamType):
    name = "TIME"

    def convert(self, value, param, ctx):
        if not isinstance(value, str):
            return value
        try:
            return parse_instant(value)
        except ValueError as error:
            self.fail(f"{value!r}: expected ISO 8601 with an offset, e.g. 2026-11-23T10:15:00+00:00 ({error})", param, ctx)


config_option = click.option(
    "--config", "config_path", metavar="FILE", envvar="MAILBOT_CONFIG",
    help="Config file (default: ./mailbot.toml, else /etc/mailbot/mailbot.toml; env MAILBOT_CONFIG).")
now_option = click.option(
    "--now", type=Instant(), default=None,
    help="Run as if it were this time (ISO 8601 with offset): deadlines, reminders, Date: headers, the log. "
         "Never changes receipt times.")


def reports_config_errors(command):
    """Turn a ConfigError into its lines on stderr and exit status 2."""
    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except ConfigError as error:
            for problem in error.problems:
                click.echo(f"mailbot: {problem}", err=True)
            sys.exit(EXIT_CONFIG)
    return wrapper


