"""Every setting is checked for its type and its range, and a mistake is named by file, line and key.

Before: `poll_seconds = -5` was taken as it was (the daemon spun) and
`poll_seconds = "sixty"` was silently replaced by the default.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mailbot.config import load_settings
from mailbot.db.engine import open_engine, shown_url
from mailbot.errors import ConfigError
from mailbot.toml_lines import key_lines, line_of

BASE = '''deployment = "cambridgeshire"

[storage]
url = "sqlite:///mailbot.db"

[daemon]
poll_seconds = 60
outbox_seconds = 30

[imap]
host = "imap.example.org"
port = 993
timeout = 30
batch_size = 100
password_env = "MAILBOT_IMAP_PASSWORD"

[smtp]
host = "smtp.example.org"
port = 587
timeout = 30

[[mailboxes]]
name = "democratic-services"
address = "democratic.services@peterborough.gov.uk"
answer_backlog_days = 2

[[mailboxes]]
name = "cambs-pcc"
address = "cambs-pcc@cambs.pnn.police.uk"
max_message_mb = 25
[mailboxes.imap]
port = 993
timeout = 30
[mailboxes.smtp]
port = 25
'''

SECONDS = "a whole number of seconds from 1 to 86400"
PORT = "a port number from 1 to 65535"
TIMEOUT = "a number of seconds > 0 and <= 300"

# key as the error names it, its line in BASE, what is expected, bad values (as written in TOML), good ones
CASES = [
    ("daemon.poll_seconds", 7, SECONDS, ["-5", '"sixty"', "0", "1.5", "86401", "true"], ["1", "86400"]),
    ("daemon.outbox_seconds", 8, SECONDS, ["0", '"30"', "-1"], ["1"]),
    ("imap.port", 12, PORT, ["0", "65536", '"993"', "993.0"], ["1", "65535"]),
    ("imap.timeout", 13, TIMEOUT, ["0", "-1", "301", '"30"', "false"], ["0.5", "300"]),
    ("imap.batch_size", 14, "a whole number of messages from 1 to 10000", ["0", "10001", '"100"'], ["1"]),
    ("smtp.port", 19, PORT, ["-25", "70000", '"587"'], ["25"]),
    ("smtp.timeout", 20, TIMEOUT, ["0", "3600", "[]"], ["10"]),
    ("mailboxes[0].answer_backlog_days", 25, "a whole number of days >= 0", ["-1", '"2"', "2.5"], ["0", "3650"]),
    ("mailboxes[1].max_message_mb", 30, "a whole number of megabytes from 1 to 1024", ["0", "1025", '"25"'], ["1"]),
    ("mailboxes[1].imap.port", 32, PORT, ["70000"], ["143"]),
    ("mailboxes[1].imap.timeout", 33, TIMEOUT, ["0"], ["5"]),
    ("mailboxes[1].smtp.port", 35, PORT, ["0"], ["465"]),
]


def with_line(number: int, value: str) -> str:
    lines = BASE.splitlines()
    key = lines[number - 1].split("=")[0].rstrip()
    lines[number - 1] = f"{key} = {value}"
    return "\n".join(lines) + "\n"


def load(tmp_path: Path, text: str, **checks):
    path = tmp_path / "mailbot.toml"
    path.write_text(text)
    return load_settings(path, **checks)


def problems_of(tmp_path: Path, text: str, **checks) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text, **checks)
    return caught.value.problems


def test_the_base_config_loads(tmp_path):
    settings = load(tmp_path, BASE)
    assert [mailbox.imap.port for mailbox in settings.mailboxes] == [993, 993]
    assert settings.mailboxes[1].smtp.port == 25 and settings.mailboxes[1].smtp.host == "smtp.example.org"


@pytest.mark.parametrize("key, line, expected, value", [
    (key, line, expected, value) for key, line, expected, bad, _ in CASES for value in bad])
def test_a_value_of_the_wrong_type_or_out_of_range_is_refused_at_its_line(tmp_path, key, line, expected, value):
    assert problems_of(tmp_path, with_line(line, value)) == [
        f"{tmp_path / 'mailbot.toml'}:{line}: {key}: expected {expected}, got {value}"]


@pytest.mark.parametrize("key, line, value", [
    (key, line, value) for key, line, _, _, good in CASES for value in good])
def test_values_at_the_ends_of_each_range_are_taken(tmp_path, key, line, value):
    load(tmp_path, with_line(line, value))


def test_a_mistake_in_imap_defaults_is_reported_once_for_all_the_mailboxes_using_it(tmp_path):
    problems = problems_of(tmp_path, with_line(13, '"thirty"'))
    assert len(problems) == 1 and ":13: imap.timeout:" in problems[0]


def test_the_daemon_intervals_are_kept(tmp_path):
    settings = load(tmp_path, with_line(7, "5"))
    assert settings.poll_seconds == 5 and settings.outbox_seconds == 30


@pytest.mark.parametrize("text, expected", [
    ('tls = "TLS"', 'expected one of "ssl" | "starttls" | "none", got "TLS"'),
    ("tls = 1", 'expected "ssl" | "starttls" | "none", got 1'),
    ('auth = "kerberos"', 'expected one of "password" | "oauth2", got "kerberos"'),
    ('token_command = "get-token imap"', 'expected a command as a list of strings'),
    ('username = ["a"]', 'expected a string, got ["a"]'),
    ('ca_file = ""', "expected a path, not an empty string"),
])
def test_each_kind_of_value_is_checked(tmp_path, text, expected):
    config = BASE.replace("batch_size = 100\n", f"batch_size = 100\n{text}\n")
    problems = problems_of(tmp_path, config)
    assert any(f":15: imap.{text.split(' ')[0]}: {expected}" in problem for problem in problems), problems


def test_oauth2_needs_a_token_command_and_password_auth_a_secret(tmp_path):
    problems = problems_of(tmp_path, BASE.replace('password_env = "MAILBOT_IMAP_PASSWORD"\n', 'auth = "oauth2"\n'))
    assert any('imap.token_command: auth = "oauth2" needs a token_command' in problem for problem in problems)
    problems = problems_of(tmp_path, BASE.replace('password_env = "MAILBOT_IMAP_PASSWORD"\n', ""))
    assert any('imap.password_env: auth = "password" needs password_env, password_file or password_credential' in p
               for p in problems)


def test_a_credential_is_found_where_systemd_puts_it_else_beside_the_config(tmp_path, monkeypatch):
    """GIVEN `password_credential = "imap-password"` WHEN run by systemd THEN $CREDENTIALS_DIRECTORY/mailbot_NAME,
    else (an administrator's shell) credentials/NAME beside the config; a missing one is a problem with its key."""
    text = BASE.replace('password_env = "MAILBOT_IMAP_PASSWORD"\n', 'password_credential = "imap-password"\n')
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    config = tmp_path / "mailbot.toml"
    config.write_text(text)
    assert load_settings(config).mailboxes[0].imap.password.file == tmp_path / "credentials" / "imap-password"
    handed = tmp_path / "run"
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(handed))
    assert load_settings(config).mailboxes[0].imap.password.file == handed / "mailbot_imap-password"
    both = text.replace('password_credential = "imap-password"\n',
                        'password_credential = "imap-password"\npassword_env = "X"\n')
    assert any("give one of password_env, password_file, password_credential" in p
               for p in problems_of(tmp_path, both))
    assert any("imap.password_credential: expected a plain file name" in p
               for p in problems_of(tmp_path, text.replace('"imap-password"', '"../etc/shadow"')))


# -- where each key is written ---------------------------------------------------------------------------

TRICKY = '''# a comment = not a key
title = "x"   # a comment with = in it
notes = """
fake = 1
[not_a_table]
"""
list = [
  "a = b",
  [1, 2],
]
[imap]
host = "h#not a comment"
"quoted.key" = 1
[[mailboxes]]
name = "a"
inline = { port = 5, x = [1,
  2] }
[ mailboxes.imap ]   # spaces and a comment
port = 1
[[mailboxes]]
name = 'b'
[mailboxes.smtp]
port = 2
site.owner.name = "x"
after = 3
'''


def test_key_lines_follow_tables_arrays_of_tables_and_long_values():
    lines = key_lines(TRICKY)
    assert lines["title"] == 2 and lines["notes"] == 3 and lines["list"] == 7
    assert "fake" not in lines and "not_a_table" not in lines and "a" not in lines
    assert lines["imap"] == 11 and lines["imap.host"] == 12 and lines["imap.quoted.key"] == 13
    assert lines["mailboxes[0]"] == 14 and lines["mailboxes[0].name"] == 15 and lines["mailboxes[0].inline"] == 16
    assert lines["mailboxes[0].imap.port"] == 19
    assert lines["mailboxes[1].name"] == 21 and lines["mailboxes[1].smtp.port"] == 23
    assert lines["mailboxes[1].smtp.site.owner.name"] == 24 and lines["mailboxes[1].smtp.after"] == 25


def test_line_of_falls_back_to_the_nearest_written_key_or_table():
    lines = key_lines(TRICKY)
    assert line_of(lines, "mailboxes[0].inline.port") == 16     # inside an inline table
    assert line_of(lines, "mailboxes[1].imap.host") == 20       # no [mailboxes.imap] for it: its [[mailboxes]]
    assert line_of(lines, "storage.url") is None


# -- files the config names: checked only for commands that connect or send --------------------------------

def test_files_named_by_the_config_are_checked_only_when_asked(tmp_path, monkeypatch):
    monkeypatch.delenv("MAILBOT_IMAP_PASSWORD", raising=False)
    text = (BASE.replace('password_env = "MAILBOT_IMAP_PASSWORD"', 'password_file = "secrets/imap"\nca_file = "ca.pem"')
            .replace('[smtp]\n', '[smtp]\ntransport = "directory"\ndirectory = "out/sent"\n'))
    load(tmp_path, text)                                        # `cases list` needs none of them
    problems = problems_of(tmp_path, text, check_files=True)
    config = tmp_path / "mailbot.toml"
    assert sorted(problems) == [    # each once, though both mailboxes use [imap]
        f"{config}:15: imap.password_file: {tmp_path / 'secrets' / 'imap'} does not exist",
        f"{config}:16: imap.ca_file: {tmp_path / 'ca.pem'} does not exist",
        f"{config}:20: smtp.directory: {tmp_path / 'out'} (the folder that would hold sent) does not exist",
    ]
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "imap").write_text("hunter2\n")
    (tmp_path / "ca.pem").write_text("not a certificate")
    (tmp_path / "out").mkdir()
    [problem] = problems_of(tmp_path, text, check_files=True)
    assert problem.startswith(f"{config}:16: imap.ca_file: {tmp_path / 'ca.pem'} is not a CA certificate file")


def test_a_password_variable_that_is_not_set_is_named(tmp_path, monkeypatch):
    monkeypatch.delenv("MAILBOT_IMAP_PASSWORD", raising=False)
    [problem] = problems_of(tmp_path, BASE, check_files=True)
    assert problem == (f"{tmp_path / 'mailbot.toml'}:15: imap.password_env: "
                       "the environment variable MAILBOT_IMAP_PASSWORD is not set")
    monkeypatch.setenv("MAILBOT_IMAP_PASSWORD", "hunter2")
    load(tmp_path, BASE, check_files=True)


def test_one_secret_source_only(tmp_path):
    text = BASE.replace('password_env = "MAILBOT_IMAP_PASSWORD"', 'password_env = "X"\npassword_file = "y"')
    [problem] = problems_of(tmp_path, text)
    assert ":16: imap.password_file: give one of password_env, password_file, password_credential, not password_env and password_file" in problem


# -- the database URL and its password -------------------------------------------------------------------

@pytest.mark.parametrize("url", ["postgresql+psycopg://mailbot:hunter2@db.example/mailbot",
                                 "postgresql+psycopg://mailbot@db.example/mailbot?password=hunter2"])
def test_a_password_in_the_storage_url_is_refused_and_never_printed(tmp_path, url):
    [problem] = problems_of(tmp_path, BASE.replace("sqlite:///mailbot.db", url))
    assert problem.startswith(f"{tmp_path / 'mailbot.toml'}:4: storage.url: has a password in it")
    assert "hunter2" not in problem


def test_an_unreadable_storage_url_is_not_printed(tmp_path):
    [problem] = problems_of(tmp_path, BASE.replace("sqlite:///mailbot.db", "mailbot:hunter2"))
    assert ":4: storage.url: expected a database URL" in problem and "hunter2" not in problem


def test_the_database_password_is_given_to_the_engine_and_hidden_when_shown(tmp_path, monkeypatch):
    monkeypatch.setenv("MAILBOT_DB_PASSWORD", "hunter2")
    text = BASE.replace('url = "sqlite:///mailbot.db"',
                        'url = "postgresql+psycopg://mailbot@db.example/mailbot"\npassword_env = "MAILBOT_DB_PASSWORD"')
    settings = load(tmp_path, text)
    assert "hunter2" not in repr(settings)
    engine = open_engine(settings.storage_url, password=settings.storage_password.read())
    assert engine.url.password == "hunter2"
    assert "hunter2" not in shown_url(engine.url) and "hunter2" not in repr(engine)
