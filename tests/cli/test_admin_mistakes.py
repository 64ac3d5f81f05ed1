"""An administrator's mistakes stop a command before it touches mail or data, with exit 2 and file, line and key."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mailbot.db.engine import migrate, open_engine
from mailbot.db.models import Setting
from tests.cli.conftest import deliver, mailbot
from tests.installation import MAILBOT

NOW = "2026-11-16T10:05:00+00:00"
COMPLAINT = "p07-pcc-chief-constable-radio.eml"


def lines_of(path: Path) -> list[str]:
    return path.read_text().splitlines()


def untouched(local: Path) -> bool:
    """The delivered mail is still new in the Maildir and no database was made."""
    return len(list((local / "Maildir" / "cambs-pcc" / "new").iterdir())) == 1 and not (local / "mailbot.db").exists()


# -- templates: compiled on every start of a command that sends --------------------------------------------

def test_run_once_refuses_a_template_that_does_not_compile(local):
    """Before: the pass quarantined every message, marked it read and exited 0."""
    template = local / "templates" / "cambridgeshire" / "acknowledgement.txt.j2"
    template.write_text(template.read_text() + "\n{% if complainant.name %}\nno endif\n")
    deliver(local, COMPLAINT)

    result = mailbot(local, "run", "--once", "--now", NOW)

    assert result.exit_code == 2
    assert f"{template}:{len(lines_of(template))}: Unexpected end of template" in result.stderr, result.stderr
    assert untouched(local)


def test_run_once_refuses_a_rule_whose_template_does_not_exist(local):
    (local / "templates" / "cambridgeshire" / "signpost.txt.j2").unlink()
    deliver(local, COMPLAINT)

    result = mailbot(local, "run", "--once", "--now", NOW)

    rules = local / "rules" / "cambridgeshire.yaml"
    assert result.exit_code == 2
    assert f"{rules}:" in result.stderr and "template 'signpost' does not exist" in result.stderr, result.stderr
    assert untouched(local)


def test_run_once_refuses_a_template_that_includes_one_that_does_not_exist(local):
    template = local / "templates" / "cambridgeshire" / "acknowledgement.txt.j2"
    template.write_text(template.read_text() + '{% include "_no-such-piece.txt.j2" %}\n')
    deliver(local, COMPLAINT)
    result = mailbot(local, "run", "--once", "--now", NOW)
    assert result.exit_code == 2 and f"{template}:{len(lines_of(template))}: '_no-such-piece.txt.j2' does not exist" in result.stderr
    assert untouched(local)


def test_run_once_refuses_a_templates_folder_without_the_alert_that_tells_staff_of_mail_set_aside(local):
    """An administrator's own copy of the templates made before alerts existed: a quarantined complaint would
    sit unseen, so the pass does not start."""
    (local / "templates" / "common" / "alert.txt.j2").unlink()
    deliver(local, COMPLAINT)

    result = mailbot(local, "run", "--once", "--now", NOW)

    assert result.exit_code == 2 and "no template for alert (alert.txt.j2" in result.stderr, result.stderr
    assert untouched(local)


# -- settings: type and range, with the line ----------------------------------------------------------------

@pytest.mark.parametrize("value, shown", [("-5", "-5"), ('"sixty"', '"sixty"'), ("0", "0"), ("1.5", "1.5")])
def test_a_bad_poll_interval_is_refused_with_file_line_and_key(local, value, shown):
    """Before: -5 made the daemon spin at 50 % CPU and ignore SIGTERM; "sixty" was replaced by 60."""
    config = local / "mailbot.toml"
    config.write_text(config.read_text() + f"\n[daemon]\npoll_seconds = {value}\n")
    line = len(lines_of(config))

    expected = f"mailbot: {config}:{line}: daemon.poll_seconds: expected a whole number of seconds from 1 to 86400, got {shown}"

    for command in (["run", "--once"], ["check"], ["cases", "list"]):
        result = mailbot(local, *command)
        assert result.exit_code == 2, (command, result.stderr)
        assert result.stderr.strip() == expected
    daemon = subprocess.run([str(MAILBOT), "run", "--config", str(config)], capture_output=True, text=True, timeout=30)
    assert daemon.returncode == 2 and daemon.stderr.strip() == expected


@pytest.mark.parametrize("table, expected", [
    ('authserv_id = ""', 'staff_replies.authserv_id: expected one word: the authserv-id of your receiving mail server '
                         '(leave the key out to not require Authentication-Results), got ""'),
    ("authserv_id = true", "staff_replies.authserv_id: expected the authserv-id your receiving mail server writes in "
                           "Authentication-Results, got true"),
    ("require_dmarc = true", "staff_replies.require_dmarc: unknown key (known: authserv_id)"),
])
def test_a_mistake_in_staff_replies_is_named_with_its_line(local, table, expected):
    config = local / "mailbot.toml"
    config.write_text(config.read_text() + f"\n[staff_replies]\n{table}\n")
    deliver(local, COMPLAINT)

    result = mailbot(local, "run", "--once", "--now", NOW)

    assert result.exit_code == 2
    assert result.stderr.strip() == f"mailbot: {config}:{len(lines_of(config))}: {expected}"
    assert untouched(local)


# -- files the config names ---------------------------------------------------------------------------------

def smtp_with_password_file(local: Path, password_file: str) -> Path:
    config = local / "mailbot.toml"
    config.write_text(config.read_text().replace('transport = "directory"\ndirectory = "sent"',
                                                 'host = "127.0.0.1"\nport = 2525\nusername = "bot"\n'
                                                 f'password_file = "{password_file}"'))
    return config


def test_a_missing_password_file_is_a_configuration_error_not_a_traceback(local):
    config = smtp_with_password_file(local, "secrets/smtp-password")
    line = lines_of(config).index('password_file = "secrets/smtp-password"') + 1
    deliver(local, COMPLAINT)
    for command in (["run", "--once", "--now", NOW], ["check"]):
        result = mailbot(local, *command)
        assert result.exit_code == 2, result.stderr
        assert (f"{config}:{line}: smtp.password_file: {local / 'secrets' / 'smtp-password'} does not exist"
                in result.stderr), result.stderr
    assert untouched(local)
    assert mailbot(local, "triage", str(Path(__file__).parent.parent / "corpus" / "mail" / COMPLAINT)).exit_code == 0


def test_a_missing_ca_file_and_token_program_are_named(local):
    config = local / "mailbot.toml"
    config.write_text(config.read_text().replace('maildir = "Maildir/cambs-pcc"\n', "")
                      + '[mailboxes.imap]\nhost = "127.0.0.1"\nauth = "oauth2"\n'
                        'token_command = ["no-such-token-program", "imap"]\nca_file = "ca/private.pem"\n')
    result = mailbot(local, "check")
    assert result.exit_code == 2
    assert f"{config}:{len(lines_of(config)) - 1}: mailboxes[0].imap.token_command: 'no-such-token-program' is not a program on PATH" in result.stderr
    assert f"{config}:{len(lines_of(config))}: mailboxes[0].imap.ca_file: {local / 'ca' / 'private.pem'} does not exist" in result.stderr


def test_check_reports_a_missing_maildir_and_does_not_make_it(local):
    config = local / "mailbot.toml"
    config.write_text(config.read_text().replace("Maildir/cambs-pcc", "Maildir/cambs-ppc"))
    result = mailbot(local, "check")
    assert result.exit_code == 2
    assert "mailboxes[0].maildir:" in result.stderr and "Maildir/cambs-ppc does not exist" in result.stderr
    assert not (local / "Maildir" / "cambs-ppc").exists()
    assert not (local / "mailbot.db").exists()
    connect = mailbot(local, "check", "--connect")
    assert connect.exit_code == 2 and not (local / "Maildir" / "cambs-ppc").exists()


# -- commands that only read never make a database -------------------------------------------------------

@pytest.mark.parametrize("command", [["cases", "list"], ["cases", "show", "OPCC-2026-00001"], ["cases", "export"],
                                     ["quarantine", "list"], ["quarantine", "retry", "1"]])
def test_reading_commands_say_there_is_no_database_and_make_none(local, command):
    result = mailbot(local, *command)
    assert result.exit_code == 2
    assert f"there is no mailbot database at sqlite:///{local / 'mailbot.db'}" in result.stderr
    assert "mailbot run --once" in result.stderr
    assert not (local / "mailbot.db").exists()


def test_reading_commands_say_so_for_an_empty_database_of_either_kind(local, database_url):
    config = local / "mailbot.toml"
    config.write_text(config.read_text().replace('url = "sqlite:///mailbot.db"', f'url = "{database_url}"'))
    result = mailbot(local, "cases", "export")
    assert result.exit_code == 2 and "there is no mailbot database at" in result.stderr
    assert mailbot(local, "run", "--once", "--now", NOW).exit_code == 0
    assert mailbot(local, "cases", "export").stdout.strip() == "[]"


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_the_sqlite_database_and_its_folder_are_private_whatever_the_umask(local, umask):
    config = local / "mailbot.toml"
    config.write_text(config.read_text().replace("sqlite:///mailbot.db", "sqlite:///state/data/mailbot.db"))
    deliver(local, COMPLAINT)
    previous = os.umask(umask)
    try:
        assert mailbot(local, "run", "--once", "--now", NOW).exit_code == 0
    finally:
        os.umask(previous)
    data = local / "state" / "data"
    modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in (local / "state", data, *data.iterdir())}
    assert set(modes) >= {"state", "data", "mailbot.db", "mailbot.db-wal", "mailbot.db-shm"}, modes
    assert modes == {name: 0o700 if name in ("state", "data") else 0o600 for name in modes}


def test_a_database_left_readable_by_others_is_made_private(local):
    (local / "mailbot.db").touch(mode=0o644)
    os.chmod(local / "mailbot.db", 0o644)
    assert mailbot(local, "run", "--once", "--now", NOW).exit_code == 0
    assert stat.S_IMODE((local / "mailbot.db").stat().st_mode) == 0o600


# -- the database password ---------------------------------------------------------------------------------

def test_a_password_in_the_storage_url_is_refused_without_printing_it(local):
    config = local / "mailbot.toml"
    config.write_text(config.read_text().replace('url = "sqlite:///mailbot.db"',
                                                 'url = "postgresql+psycopg://mailbot:hunter2@127.0.0.1:1/mailbot"'))
    for command in (["run", "--once"], ["check"], ["cases", "list"]):
        result = mailbot(local, *command)
        assert result.exit_code == 2
        assert f"{config}:6: storage.url: has a password in it" in result.stderr and "password_env" in result.stderr
        assert "hunter2" not in result.stderr + result.stdout


def test_the_database_password_comes_from_the_environment_and_is_never_printed(local, monkeypatch):
    config = local / "mailbot.toml"
    config.write_text(config.read_text().replace(
        'url = "sqlite:///mailbot.db"',
        'url = "postgresql+psycopg://mailbot@127.0.0.1:1/mailbot"\npassword_env = "MAILBOT_TEST_DB_PASSWORD"'))
    monkeypatch.delenv("MAILBOT_TEST_DB_PASSWORD", raising=False)
    unset = mailbot(local, "run", "--once", "--now", NOW)
    assert unset.exit_code == 2
    assert f"{config}:7: storage.password_env: the environment variable MAILBOT_TEST_DB_PASSWORD is not set" in unset.stderr

    monkeypatch.setenv("MAILBOT_TEST_DB_PASSWORD", "hunter2")
    refused = mailbot(local, "run", "--once", "--now", NOW)      # nothing listens on port 1
    assert refused.exit_code == 2 and "cannot open the database postgresql+psycopg://mailbot@127.0.0.1:1/mailbot" in refused.stderr
    assert "hunter2" not in refused.stderr + refused.stdout


def test_reading_commands_never_make_the_daemons_secret(local):
    engine = open_engine(f"sqlite:///{local / 'mailbot.db'}")
    migrate(engine)                     # a database with mailbot's tables and nothing in them
    assert mailbot(local, "cases", "list").exit_code == 0
    assert mailbot(local, "quarantine", "list").exit_code == 0
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Setting)).scalar() == 0
