"""The OAuth2 keys: what each provider and flow needs, named by file, line and key before anything connects;
inherited key by key from [imap] and [smtp] like every other key."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailbot.config import load_settings
from tests.cli.conftest import mailbot

TABLE = "[mailboxes.imap]"


def on_imap(local: Path, keys: str, *, auth: str = 'auth = "oauth2"\n', smtp: str = "") -> Path:
    """The local config with its mailbox on IMAP: `[mailboxes.imap]` holding `auth` and `keys`."""
    config = local / "mailbot.toml"
    text = config.read_text().replace('maildir = "Maildir/cambs-pcc"\n', "")
    if smtp:
        text = text.replace('[smtp]\ntransport = "directory"\ndirectory = "sent"\n', smtp)
    config.write_text(text + f'{TABLE}\nhost = "127.0.0.1"\n{auth}{keys}')
    return config


def line(config: Path, text: str) -> int:
    return config.read_text().splitlines().index(text) + 1


def refused(local: Path) -> str:
    result = mailbot(local, "check")
    assert result.exit_code == 2, result.output
    return result.stderr


MICROSOFT = 'oauth_provider = "microsoft"\n'


@pytest.mark.parametrize("keys, key, expected", [
    (MICROSOFT, "tenant_id", 'oauth_provider = "microsoft" needs tenant_id: the directory (tenant) id or domain'),
    (MICROSOFT, "client_id", 'oauth_provider = "microsoft" needs client_id: the application (client) id'),
    (MICROSOFT, "client_secret_env", 'oauth_provider = "microsoft" with oauth_flow = "app" needs client_secret_env, '
                                     "client_secret_file, client_secret_credential or client_certificate_file"),
    (MICROSOFT + 'oauth_flow = "delegated"\ntenant_id = "t"\nclient_id = "c"\n', "token_store",
     'oauth_flow = "delegated" needs token_store: the file where mailbot keeps the refresh token'),
    ('oauth_provider = "google"\n', "service_account_file",
     'oauth_provider = "google" with oauth_flow = "app" needs service_account_file'),
    ('oauth_provider = "google"\noauth_flow = "delegated"\n', "client_id",
     'oauth_provider = "google" with oauth_flow = "delegated" needs client_id'),
    ("", "token_command", 'auth = "oauth2" needs a token_command, e.g. ["get-token", "imap"] (its output is the '
                          'access token), or oauth_provider = "microsoft" or "google"'),
])
def test_what_a_provider_needs_and_lacks_is_named_at_its_table(local, keys, key, expected):
    config = on_imap(local, keys)
    assert f"{config}:{line(config, TABLE)}: mailboxes[0].imap.{key}: {expected}" in refused(local)


@pytest.mark.parametrize("written, expected", [
    ('oauth_provider = "yahoo"', 'expected one of "microsoft" | "google" | "command", got "yahoo"'),
    ('oauth_flow = "device"', 'expected one of "app" | "delegated", got "device"'),
    ("tenant_id = 42", "expected the directory (tenant) id or domain, got 42"),
    ('oauth_authority = "http://login.example"', 'expected an https:// URL, got "http://login.example"'),
    ('token_command = ["get-token"]', 'is only used with oauth_provider = "command", not with '
                                      'oauth_provider = "microsoft"'),
    ('client_secret_file = "secrets/client"', "give one of client_secret_env, client_secret_file, "
                                              "client_secret_credential, not client_secret_env and client_secret_file"),
    ('client_secret_credential = "../secret"', 'expected a plain file name such as "graph-secret", got "../secret"'),
])
def test_a_wrong_value_is_named_on_its_own_line(local, written, expected):
    key = written.split(" ")[0]
    others = [text for text in (MICROSOFT.strip(), 'tenant_id = "t"', 'client_id = "c"',
                                'client_secret_env = "MAILBOT_SECRET"') if not text.startswith(key + " ")]
    config = on_imap(local, "".join(f"{text}\n" for text in [*others, written]))
    assert f"{config}:{line(config, written)}: mailboxes[0].imap.{key}: {expected}" in refused(local)


def test_the_files_and_variables_the_keys_name_must_be_there(local, monkeypatch):
    monkeypatch.delenv("MAILBOT_NO_SUCH_SECRET", raising=False)
    config = on_imap(local, MICROSOFT + 'tenant_id = "t"\nclient_id = "c"\nclient_secret_env = "MAILBOT_NO_SUCH_SECRET"\n'
                     'client_certificate_file = "certs/mailbot.pem"\n'
                     'token_store = "state/tokens/cambs-pcc.json"\n')
    stderr = refused(local)

    def at(key: str) -> str:
        number = next(index for index, text in enumerate(config.read_text().splitlines(), 1) if text.startswith(key))
        return f"{config}:{number}: mailboxes[0].imap.{key}"

    assert f"{at('client_secret_env')}: the environment variable MAILBOT_NO_SUCH_SECRET is not set" in stderr
    assert f"{at('client_certificate_file')}: {local / 'certs' / 'mailbot.pem'} does not exist" in stderr
    assert (f"{at('token_store')}: {local / 'state' / 'tokens'} (the folder that would hold cambs-pcc.json) "
            "does not exist") in stderr


def test_smtp_oauth2_needs_a_username_and_a_provider(local):
    smtp = '[smtp]\nhost = "127.0.0.1"\nport = 2525\nauth = "oauth2"\n'
    config = on_imap(local, 'token_command = ["true"]\n', smtp=smtp)
    stderr = refused(local)
    table = line(config, "[smtp]")
    assert f"{config}:{table}: smtp.username: auth = \"oauth2\" needs the username to log in as" in stderr
    assert f"{config}:{table}: smtp.token_command: auth = \"oauth2\" needs a token_command" in stderr


def test_oauth_keys_left_with_password_auth_are_pointed_out(local):
    config = on_imap(local, MICROSOFT, auth="")
    assert (f"{config}:{line(config, TABLE)}: mailboxes[0].imap.password_env: auth = \"password\" needs password_env, "
            "password_file or password_credential (the OAuth2 keys given here need auth = \"oauth2\")") in refused(local)


def test_each_key_comes_from_the_mailbox_table_else_imap_and_smtp(local):
    """[mailboxes.imap] over [imap] and [mailboxes.smtp] over [smtp], key by key; paths relative to the config."""
    config = local / "mailbot.toml"
    config.write_text(config.read_text().replace('maildir = "Maildir/cambs-pcc"\n', "").replace(
        '[smtp]\ntransport = "directory"\ndirectory = "sent"\n',
        '[smtp]\nhost = "smtp.office365.com"\nusername = "bot@cambs.pnn.police.uk"\nauth = "oauth2"\n'
        'oauth_provider = "microsoft"\ntenant_id = "cambs.example"\nclient_id = "smtp-app"\n'
        'client_secret_env = "MAILBOT_SMTP_SECRET"\n'
        '[imap]\nhost = "outlook.office365.com"\nauth = "oauth2"\noauth_provider = "microsoft"\n'
        'tenant_id = "cambs.example"\nclient_id = "imap-app"\nclient_secret_file = "secrets/imap-app"\n')
        + '[mailboxes.imap]\nclient_id = "own-app"\n'
          '[mailboxes.smtp]\nusername = "cambs-pcc@cambs.pnn.police.uk"\noauth_flow = "delegated"\n'
          'token_store = "tokens/cambs-pcc.json"\n')

    settings = load_settings(config)

    [mailbox] = settings.mailboxes
    imap, smtp = mailbox.imap.oauth, mailbox.smtp.oauth
    assert (mailbox.imap.auth, imap.provider, imap.tenant_id, imap.client_id) == \
        ("oauth2", "microsoft", "cambs.example", "own-app")
    assert imap.client_secret.file == local / "secrets" / "imap-app" and imap.flow == "app"
    assert (mailbox.smtp.auth, mailbox.smtp.username, smtp.client_id, smtp.flow) == \
        ("oauth2", "cambs-pcc@cambs.pnn.police.uk", "smtp-app", "delegated")
    assert smtp.client_secret.env == "MAILBOT_SMTP_SECRET" and smtp.token_store == local / "tokens" / "cambs-pcc.json"
    assert settings.smtp.oauth.client_secret.env == "MAILBOT_SMTP_SECRET"
    assert settings.smtp.oauth.flow == "app" and settings.smtp.oauth.token_store is None


def test_a_client_secret_credential_is_found_as_a_password_credential_is(local, monkeypatch):
    """`credentials/NAME` beside the config for an administrator; systemd's folder inside the service."""
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    config = on_imap(local, MICROSOFT + 'tenant_id = "t"\nclient_id = "c"\nclient_secret_credential = "graph-secret"\n')
    written = 'client_secret_credential = "graph-secret"'
    assert (f"{config}:{line(config, written)}: mailboxes[0].imap.client_secret_credential: "
            f"{local / 'credentials' / 'graph-secret'} does not exist") in refused(local)

    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(local / "handed"))
    secret = load_settings(config).mailboxes[0].imap.oauth.client_secret
    assert secret.file == local / "handed" / "mailbot_graph-secret" and secret.credential == "graph-secret"
