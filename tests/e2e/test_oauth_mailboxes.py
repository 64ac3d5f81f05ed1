"""Mailboxes reached with OAuth2 (XOAUTH2) on IMAP and SMTP, and a broken token made loud once, through `run --once`.

Dovecot checks bearer tokens against its loopback introspection endpoint
(add_token / revoke_token); the SMTP test server demands XOAUTH2 with one
token (require_oauth). mailbot's token_command prints what the test writes
in a token file, as a real helper would print a refreshed token.
"""

from __future__ import annotations

import json
import logging
import socket
import sys
from pathlib import Path

import pytest

from tests.installation import Installation, make_installation

SMTP_USER = "mailbot@cambs.pnn.police.uk"
MANAGER = "pcc.manager@cambs.pnn.police.uk"
COMPLAINT = "p07-pcc-chief-constable-radio.eml"


def token_command(file: Path) -> str:
    """A token_command (TOML) that prints the token in `file`: what `get-token` helpers do."""
    return json.dumps([sys.executable, "-c", f"print(open({str(file)!r}).read())"])


class Tokens:
    """The token file of each mailbox and of SMTP; `issue` gives one a fresh token the server accepts."""

    def __init__(self, installation: Installation):
        self.installation = installation
        self.smtp_token = "smtp-token-1"

    def file(self, name: str) -> Path:
        return self.installation.root / f"token-{name}"

    def issue(self, mailbox: str) -> str:
        token = self.installation.dovecot.add_token(self.installation.users[mailbox])
        self.file(mailbox).write_text(token)
        return token


@pytest.fixture
def oauth(installation) -> Tokens:
    return use_oauth(installation)


def use_oauth(installation: Installation) -> Tokens:
    """The installation with every mailbox on IMAP XOAUTH2 and SMTP on XOAUTH2 as SMTP_USER; cambs-pcc has a manager."""
    tokens = Tokens(installation)
    config = installation.config.read_text()
    for name, user in installation.users.items():
        tokens.issue(name)
        config = config.replace(f'password_file = "{user.password_file}"',
                                f'auth = "oauth2"\ntoken_command = {token_command(tokens.file(name))}')
    config = config.replace('staff = ["ceo.office@cambs.pnn.police.uk"]',
                            f'staff = ["ceo.office@cambs.pnn.police.uk"]\nmanagers = ["{MANAGER}"]')
    config = config.replace("[smtp]\n", f'[smtp]\nusername = "{SMTP_USER}"\nauth = "oauth2"\n'
                                         f'token_command = {token_command(tokens.file("smtp"))}\n', 1)
    installation.config.write_text(config)
    tokens.file("smtp").write_text(tokens.smtp_token)
    installation.smtp.require_oauth(SMTP_USER, tokens.smtp_token)
    return tokens


def test_an_oauth2_mailbox_is_read_and_answered_end_to_end(installation, oauth):
    """GIVEN both mailboxes and SMTP on XOAUTH2 WHEN a complaint arrives and one pass runs
    THEN it is acknowledged and staff notified, sent as the SMTP user, and nobody is alerted."""
    uid = installation.deliver("cambs-pcc", COMPLAINT, at="2026-11-16T10:00:00+00:00")

    result = installation.run("2026-11-16T10:05:00+00:00")

    assert result.exit_code == 0, result.stderr
    sent = installation.smtp.wait_for(2)
    assert sorted(message.kind for message in sent) == ["acknowledgement", "staff-notification"], \
        installation.smtp.describe()
    assert {message.login for message in sent} == {SMTP_USER}
    assert "\\Seen" in installation.flags("cambs-pcc")[uid]
    assert len(installation.export()) == 1


def test_a_revoked_token_is_alerted_once_and_its_recovery_once(tmp_path, dovecot, smtp_server, database_url, caplog):
    """GIVEN cambs-pcc's token revoked WHEN passes run THEN its manager gets one alert saying the server
    refused the token; later passes send none; once a valid token is printed again, one recovery alert.
    On SQLite and PostgreSQL: the state that makes it once is in the database."""
    installation = make_installation(tmp_path, dovecot, smtp_server, database_url)
    oauth = use_oauth(installation)
    token = oauth.file("cambs-pcc").read_text()
    installation.dovecot.revoke_token(token)
    caplog.set_level(logging.INFO)

    assert installation.run("2026-11-16T10:05:00+00:00").exit_code == 1
    [alert] = installation.smtp.wait_for(1)
    assert alert.kind == "alert" and alert.rcpt_tos == (MANAGER,), installation.smtp.describe()
    assert "cannot use the cambs-pcc mailbox" in alert.subject
    assert "the server refused the token" in alert.text and "Monday 16 November 2026 at 10:05" in alert.text
    assert token not in alert.text + caplog.text

    for now in ("2026-11-16T10:10:00+00:00", "2026-11-16T11:10:00+00:00"):
        assert installation.run(now).exit_code == 1
    assert len(installation.smtp.messages) == 1, installation.smtp.describe()
    assert caplog.text.count("ALERT: mailbot cannot use the cambs-pcc mailbox") == 1

    check = installation.cli("check")
    assert "mailbox cambs-pcc: FAILING since 2026-11-16 10:05 UTC, 3 failed attempt(s) (alerted " + MANAGER in \
        check.stdout, check.stdout

    oauth.issue("cambs-pcc")
    assert installation.run("2026-11-16T11:15:00+00:00").exit_code == 0
    assert installation.run("2026-11-16T11:20:00+00:00").exit_code == 0
    recovered = installation.smtp.by_kind("alert")[1:]
    assert [message.subject for message in recovered] == [
        "mailbot can use the cambs-pcc mailbox (IMAP 127.0.0.1:%d, user %s) again"
        % (installation.dovecot.port, installation.users["cambs-pcc"].name)], installation.smtp.describe()
    assert "It could not from Monday 16 November 2026 at 10:05" in recovered[0].text
    assert "FAILING" not in installation.cli("check").stdout


def test_a_refused_smtp_token_is_logged_once_shown_by_check_and_alerted_through_another_path(installation, oauth,
                                                                                            caplog):
    """GIVEN the SMTP server refuses mailbot's token, and democratic-services writes its mail to a folder
    WHEN passes run THEN nothing goes out through SMTP, one alert about the server reaches cambs-pcc's manager
    through democratic-services' path, the log says ALERT once, and `check` shows the server failing."""
    config = installation.config.read_text()     # democratic-services is the first [[mailboxes]]
    installation.config.write_text(config.replace('[[mailboxes]]\nname = "cambs-pcc"', '[mailboxes.smtp]\n'
                                                  'transport = "directory"\ndirectory = "sent"\n\n'
                                                  '[[mailboxes]]\nname = "cambs-pcc"', 1))
    (installation.root / "sent").mkdir()
    installation.smtp.require_oauth(SMTP_USER, "a-token-mailbot-does-not-have")
    installation.deliver("cambs-pcc", COMPLAINT, at="2026-11-16T10:00:00+00:00")
    caplog.set_level(logging.INFO)

    for now in ("2026-11-16T10:05:00+00:00", "2026-11-16T10:10:00+00:00", "2026-11-16T10:20:00+00:00"):
        assert installation.run(now).exit_code == 1

    assert installation.smtp.messages == []
    written = sorted((installation.root / "sent").glob("*.eml"))
    assert len(written) == 1, written
    text = written[0].read_text()
    assert "X-Mailbot-Kind: alert" in text and MANAGER in text and "democratic.services@peterborough.gov.uk" in text
    assert "the server refused the OAuth2 token for " + SMTP_USER in text.replace("=\n", "")
    assert caplog.text.count(f"ALERT: mailbot cannot use the SMTP server 127.0.0.1:{installation.smtp.port}") == 1
    check = installation.cli("check")
    assert f"smtp 127.0.0.1:{installation.smtp.port}: FAILING since 2026-11-16 10:05 UTC" in check.stdout, check.stdout

    installation.smtp.require_oauth(SMTP_USER, oauth.smtp_token)      # the server takes mailbot's token again
    assert installation.run("2026-11-16T10:40:00+00:00").exit_code == 0
    assert installation.run("2026-11-16T10:45:00+00:00").exit_code == 0
    sent = sorted(message.kind for message in installation.smtp.messages)
    assert sent == ["acknowledgement", "alert", "staff-notification"], installation.smtp.describe()
    [recovered] = installation.smtp.by_kind("alert")
    assert recovered.rcpt_tos == (MANAGER,) and "can use the SMTP server" in recovered.subject
    assert len(list((installation.root / "sent").glob("*.eml"))) == 1


def test_a_refused_smtp_token_with_no_other_path_is_logged_and_shown_by_check(installation, oauth, caplog):
    installation.smtp.require_oauth(SMTP_USER, "a-token-mailbot-does-not-have")
    installation.deliver("cambs-pcc", COMPLAINT, at="2026-11-16T10:00:00+00:00")
    caplog.set_level(logging.INFO)

    for now in ("2026-11-16T10:05:00+00:00", "2026-11-16T10:10:00+00:00"):
        assert installation.run(now).exit_code == 1

    assert installation.smtp.messages == []
    assert caplog.text.count("nobody could be told by email: see `mailbot check`") == 1
    check = installation.cli("check")
    assert "(nobody could be told by email): SMTP 127.0.0.1:%d: the server refused the OAuth2 token for %s (535 5.7.3" \
        % (installation.smtp.port, SMTP_USER) in check.stdout, check.stdout


def test_check_connect_says_per_target_what_worked_and_what_did_not(installation, oauth):
    """A good mailbox, a refused token, an SMTP port nothing listens on: each said in words, exit status 1."""
    installation.dovecot.revoke_token(oauth.file("democratic-services").read_text())
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    installation.config.write_text(installation.config.read_text().replace(
        f"port = {installation.smtp.port}", f"port = {closed}", 1))

    result = installation.cli("check", "--connect")

    assert result.exit_code == 1
    lines = {line.split(":", 1)[0]: line for line in result.stdout.splitlines()}
    pcc, panel = installation.users["cambs-pcc"].name, installation.users["democratic-services"].name
    port = installation.dovecot.port
    assert lines["mailbox cambs-pcc"].startswith(
        f"mailbox cambs-pcc: ok: logged in to IMAP 127.0.0.1:{port} (no TLS) as {pcc} with an OAuth2 token "
        "(command provider), UIDVALIDITY "), result.stdout
    assert lines["mailbox democratic-services"].startswith(
        f"mailbox democratic-services: FAILED: IMAP 127.0.0.1:{port} (no TLS) as {panel} with an OAuth2 token "
        f"(command provider): mailbox 'democratic-services' (127.0.0.1:{port}): the server refused the token for "
        f"user '{panel}': [AUTHENTICATIONFAILED] Authentication failed."), result.stdout
    assert lines[f"smtp 127.0.0.1"].startswith(
        f"smtp 127.0.0.1:{closed}: FAILED: login (no TLS) as {SMTP_USER} with an OAuth2 token (command provider): "
        f"SMTP 127.0.0.1:{closed}: cannot connect: ConnectionRefusedError"), result.stdout
    assert "nothing accepts connections there: check host and port" in lines["smtp 127.0.0.1"]




def test_a_token_that_cannot_be_had_is_alerted_with_the_providers_words(installation, oauth):
    """The token helper fails (here: its file is gone): the alert says so in its words, to staff (no managers)."""
    oauth.file("democratic-services").unlink()

    assert installation.run("2026-11-16T10:05:00+00:00").exit_code == 1

    [alert] = installation.smtp.wait_for(1)
    assert alert.rcpt_tos == ("officer.a@peterborough.gov.uk",), installation.smtp.describe()
    assert "cannot use the democratic-services mailbox" in alert.subject
    assert "failed with status 1: FileNotFoundError" in " ".join(alert.text.split())
