"""The config file: every mistake named with the file, the key and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailbot.config import load_settings, shipped_dir
from mailbot.errors import ConfigError

GOOD = '''
deployment = "cambridgeshire"
[storage]
url = "sqlite:///storage/mailbot.db"
[imap]
host = "mail.example.gov.uk"
password_env = "MAILBOT_IMAP_PASSWORD"
[smtp]
host = "mail.example.gov.uk"
port = 587
username = "democratic.services@peterborough.gov.uk"
password_env = "MAILBOT_SMTP_PASSWORD"
[[mailboxes]]
name = "democratic-services"
address = "democratic.services@peterborough.gov.uk"
staff = ["Senior Democratic Services Officer <officer.a@peterborough.gov.uk>"]
'''


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mailbot.toml"
    path.write_text(text)
    return path


def problems_of(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text))
    return caught.value.problems


def test_the_interface_example_loads_with_defaults(tmp_path):
    settings = load_settings(write(tmp_path, GOOD))
    [mailbox] = settings.mailboxes
    assert mailbox.imap.host == "mail.example.gov.uk" and mailbox.imap.port == 993 and mailbox.imap.tls == "ssl"
    assert mailbox.imap.username == "democratic.services@peterborough.gov.uk"   # the address unless set
    assert mailbox.folder == "INBOX" and mailbox.managers == ()
    assert settings.storage_url == f"sqlite:///{(tmp_path / 'storage' / 'mailbot.db').resolve()}"
    assert settings.rules_dir == shipped_dir("rules") and (settings.rules_dir / "cambridgeshire.yaml").is_file()


def test_secrets_are_never_in_the_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("MAILBOT_IMAP_PASSWORD", "hunter2")
    settings = load_settings(write(tmp_path, GOOD))
    assert "hunter2" not in repr(settings)
    assert settings.mailboxes[0].imap.password.read() == "hunter2"


def test_a_missing_secret_names_its_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("MAILBOT_IMAP_PASSWORD", raising=False)
    settings = load_settings(write(tmp_path, GOOD))
    with pytest.raises(ConfigError, match="MAILBOT_IMAP_PASSWORD"):
        settings.mailboxes[0].imap.password.read()


@pytest.mark.parametrize("change, line, expected", [
    (('tls = "starttls"', 'tls = "tls"'), 11, 'smtp.tls: expected one of "ssl" | "starttls" | "none", got "tls"'),
    (("port = 587", 'port = "587"'), 10, 'smtp.port: expected a port number from 1 to 65535, got "587"'),
    (('name = "democratic-services"', 'nmae = "democratic-services"'), 15, "mailboxes[0].nmae: unknown key"),
    (('address = "democratic.services@peterborough.gov.uk"\nstaff', 'address = "nobody"\nstaff'), 16,
     'mailboxes[0].address: expected an email address, got "nobody"'),
    (('deployment = "cambridgeshire"', ""), None, "deployment: expected a deployment name"),
    # an absent key is placed at the line of the nearest table that is written: here its [[mailboxes]]
    (('[imap]\nhost = "mail.example.gov.uk"', "[imap]"), 13, "mailboxes[0].imap.host: expected an IMAP host"),
])
def test_each_mistake_names_file_line_key_and_expectation(tmp_path, change, line, expected):
    text = GOOD.replace('tls = "starttls"', "")  # smtp tls defaults; put it in to break it
    text = text.replace("port = 587", 'port = 587\ntls = "starttls"')
    old, new = change
    assert old in text
    place = f"{tmp_path / 'mailbot.toml'}:{line}" if line else f"{tmp_path / 'mailbot.toml'}"
    problems = problems_of(tmp_path, text.replace(old, new, 1))
    assert any(problem.startswith(f"{place}: {expected}") for problem in problems), problems


def test_every_mistake_is_reported_at_once(tmp_path):
    text = GOOD.replace("port = 587", 'port = "x"\ntls = "weird"').replace('name = "democratic-services"', "")
    assert len(problems_of(tmp_path, text)) >= 3


def test_not_toml_at_all_names_the_line(tmp_path):
    [problem] = problems_of(tmp_path, 'deployment = "cambridgeshire"\n[smtp]\nport = \n')
    assert problem.startswith(f"{tmp_path / 'mailbot.toml'}:3: not valid TOML")
