"""`mailbot auth login`: which login it signs in for, and the sign-in itself against the loopback provider."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailbot.cli import main
from mailbot.commands import auth
from mailbot.errors import ConfigError
from mailbot.oauth.token_store import read_grant
from mailbot.settings import ImapSettings, MailboxSettings, OAuthSettings, Settings, SmtpSettings
from tests.cli.conftest import local, mailbot  # noqa: F401  (the Maildir installation fixture)
from tests.oauth.conftest import microsoft_delegated


def settings_with(imap_oauth: OAuthSettings, smtp_oauth: OAuthSettings = OAuthSettings()) -> Settings:
    return Settings(path=Path("/etc/mailbot/mailbot.toml"), deployment="cambridgeshire", rules_dir=Path("rules"),
                    templates_dir=Path("templates"), storage_url="sqlite://",
                    smtp=SmtpSettings(host="smtp.office365.com", username="complaints@contoso.test", oauth=smtp_oauth),
                    mailboxes=(MailboxSettings(name="complaints", address="complaints@contoso.test",
                                               imap=ImapSettings(host="outlook.office365.com", auth="oauth2",
                                                                 oauth=imap_oauth)),))


def config(folder: Path) -> str:
    """A config file to name (its keys come from `settings_with`: the oauth keys are parsed elsewhere)."""
    (folder / "mailbot.toml").write_text("")
    return str(folder / "mailbot.toml")


def test_the_device_code_sign_in_from_the_command_line_saves_the_refresh_token(idp, tmp_path, monkeypatch):
    """GIVEN a mailbox with oauth_flow = "delegated" WHEN `mailbot auth login --mailbox` runs and the person
    enters the code THEN the code is shown, and the refresh token is saved in token_store."""
    oauth = microsoft_delegated(idp, tmp_path / "tokens" / "complaints.json")
    monkeypatch.setattr(auth, "load_settings", lambda path: settings_with(oauth))
    monkeypatch.setattr(auth, "session_for_login", lambda timeout: idp.session(timeout))
    idp.signs_in_after_polls = 2

    result = CliRunner().invoke(main, ["auth", "login", "--mailbox", "complaints", "--config", config(tmp_path)],
                                catch_exceptions=False)

    assert result.exit_code == 0, result.output
    assert "https://microsoft.com/devicelogin" in result.output and "signed in as alex@contoso.test" in result.output
    assert read_grant(oauth.token_store).refresh_token == idp.issued_refresh_tokens[-1]
    assert idp.issued_refresh_tokens[-1] not in result.output


def test_a_refused_sign_in_says_what_to_do_and_exits_1(idp, tmp_path, monkeypatch):
    oauth = microsoft_delegated(idp, tmp_path / "complaints.json")
    monkeypatch.setattr(auth, "load_settings", lambda path: settings_with(OAuthSettings(), smtp_oauth=oauth))
    monkeypatch.setattr(auth, "session_for_login", lambda timeout: idp.session(timeout))
    idp.refuse("invalid_client", "AADSTS7000218: The request body must contain the following parameter: "
                                 "'client_assertion' or 'client_secret'.")

    result = CliRunner().invoke(main, ["auth", "login", "--smtp", "--config", config(tmp_path)],
                                catch_exceptions=False)

    assert result.exit_code == 1
    assert "Allow public client flows" in result.stderr and not oauth.token_store.exists()


def test_the_smtp_sign_in_of_a_mailbox_is_its_own_smtp_s(idp, tmp_path):
    own = microsoft_delegated(idp, tmp_path / "own-smtp.json")
    settings = settings_with(OAuthSettings())
    box = dataclasses.replace(settings.mailboxes[0], smtp=SmtpSettings(host="smtp.own", username="me@own", oauth=own))
    settings = dataclasses.replace(settings, mailboxes=(box,))

    oauth, user, place = auth.chosen_login(settings, mailbox_name="complaints", smtp=True)

    assert (oauth, user, place) == (own, "me@own", "smtp (smtp.own:587)")


@pytest.mark.parametrize("args, words", [
    ([], "needs --mailbox NAME or --smtp"),
    (["--mailbox", "nobody"], "no mailbox named 'nobody'"),
    (["--mailbox", "cambs-pcc"], "is a Maildir"),
    (["--smtp"], "needs no sign-in"),
])
def test_a_login_that_needs_no_sign_in_is_a_config_mistake(local, args, words):  # noqa: F811
    result = mailbot(local, "auth", "login", *args)
    assert result.exit_code == 2 and words in result.stderr, result.stderr


def test_the_google_sign_in_shows_the_address_and_the_ssh_tunnel_for_its_port(idp, tmp_path, secret_env):
    from tests.oauth.test_google import browser_consents, delegated
    oauth = delegated(idp, tmp_path / "gmail.json", secret_env)
    consent = browser_consents(idp)
    shown: list[str] = []

    def echo(text: str) -> None:                 # the person reads the address and opens it
        shown.append(text)
        if text.startswith("Open this address"):
            consent(text.split()[-1])

    grant = auth.sign_in(oauth, user="complaints@example.org.uk", place="mailbox 'x'", http=idp.session(), port=0,
                         echo=echo)

    assert read_grant(oauth.token_store) == grant
    assert "ssh -L" in shown[-1] and "https://accounts.google.com/o/oauth2/v2/auth?" in shown[0]
