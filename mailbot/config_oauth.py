"""The OAuth2 keys of [imap], [smtp], [mailboxes.imap] and [mailboxes.smtp], read into `OAuthSettings` and
checked for what the chosen provider and flow need, each mistake named where it is written.

A table's keys are read from `layers`, the most specific table first (a
mailbox's own [mailboxes.imap], then [imap]): each key from the first layer
that has it, else from `base` (what [smtp] gave a [mailboxes.smtp]). The
client secret is one value: its keys come together from one layer.
"""

from __future__ import annotations

from dataclasses import replace

from mailbot.config_keys import KeyReader, credential_file
from mailbot.settings import OAUTH_FLOWS, OAUTH_PROVIDERS, OAuthSettings, Secret

OAUTH_KEYS = {"oauth_provider", "token_command", "oauth_flow", "tenant_id", "client_id", "client_secret_env",
              "client_secret_file", "client_secret_credential", "client_certificate_file", "service_account_file", "token_store",
              "oauth_authority"}
CLIENT_SECRET_KEYS = ("client_secret_env", "client_secret_file", "client_secret_credential")
TOKEN_COMMAND_EXAMPLE = 'a command as a list of strings, e.g. ["get-token", "imap"]'

Layers = list[tuple[dict, str]]     # (a table, where it is written), the most specific first


def _at(layers: Layers, key: str) -> tuple[dict, str]:
    """The first layer that gives `key`, else the last (whose absence means: the base value)."""
    return next(((data, where) for data, where in layers if key in data), layers[-1])


def read_oauth(reader: KeyReader, layers: Layers, base: OAuthSettings) -> OAuthSettings:
    """The OAuth settings these tables give, each key absent from all of them taken from `base`."""
    def text(key: str, default: str, **options) -> str:
        return reader.text(*_at(layers, key), key, default, **options)

    def path(key: str, default):
        return reader.path(*_at(layers, key), key) or default

    command_table, command_where = _at(layers, "token_command")
    token_command = (reader.strings(command_table, command_where, "token_command", expected=TOKEN_COMMAND_EXAMPLE)
                     if "token_command" in command_table else base.token_command)
    return replace(
        base,
        provider=text("oauth_provider", base.provider, choices=OAUTH_PROVIDERS),
        token_command=token_command,
        flow=text("oauth_flow", base.flow, choices=OAUTH_FLOWS),
        tenant_id=text("tenant_id", base.tenant_id, expected="the directory (tenant) id or domain"),
        client_id=text("client_id", base.client_id, expected="the application (client) id"),
        client_secret=_client_secret(reader, layers, base.client_secret),
        client_certificate_file=path("client_certificate_file", base.client_certificate_file),
        service_account_file=path("service_account_file", base.service_account_file),
        token_store=path("token_store", base.token_store),
        authority=text("oauth_authority", base.authority, expected="a URL, e.g. https://login.microsoftonline.us"),
    )


def _client_secret(reader: KeyReader, layers: Layers, base: Secret) -> Secret:
    layer = next(((data, where) for data, where in layers if any(key in data for key in CLIENT_SECRET_KEYS)), None)
    if layer is None:
        return base
    data, where = layer
    env = reader.text(data, where, "client_secret_env", "", expected="the name of an environment variable")
    file = reader.path(data, where, "client_secret_file")
    credential = reader.text(data, where, "client_secret_credential", "", expected="a file name")
    given = [key for key in CLIENT_SECRET_KEYS if key in data]
    if len(given) > 1:
        reader.problem(f"{where}.{given[-1]}", f"give one of {', '.join(CLIENT_SECRET_KEYS)}, not {' and '.join(given)}")
    if credential:   # as password_credential: systemd's credentials folder, else credentials/ beside the config
        if "/" in credential or credential.startswith("."):
            reader.expected(f"{where}.client_secret_credential", 'a plain file name such as "graph-secret"', credential)
        return Secret(file=credential_file(credential, reader.base), credential=credential)
    return Secret(env=env, file=file)


def check_oauth(reader: KeyReader, oauth: OAuthSettings, layers: Layers, *, missing_at: str) -> None:
    """Report what `oauth` needs for an `auth = "oauth2"` login and lacks; record the files it names.

    A key that is missing is named in `missing_at` (the table that would
    hold it); a key that is wrong, where it is written.
    """
    def written(key: str) -> str:
        return f"{_at(layers, key)[1]}.{key}"

    def lacks(key: str, text: str) -> None:
        reader.problem(f"{missing_at}.{key}", text)

    provider, flow = oauth.provider, oauth.flow
    named = f'oauth_provider = "{provider}"'
    if provider == "command":
        if not oauth.token_command:
            lacks("token_command", f'auth = "oauth2" needs a token_command, e.g. ["get-token", "imap"] '
                                   f'(its output is the access token), or oauth_provider = "microsoft" or "google"')
        else:
            reader.need(written("token_command"), oauth.token_command[0], "program")
        return
    if oauth.token_command:
        reader.problem(written("token_command"), f'is only used with oauth_provider = "command", not with {named}')
    if provider == "microsoft":
        if not oauth.tenant_id:
            lacks("tenant_id", f"{named} needs tenant_id: the directory (tenant) id or domain of the app registration")
        if not oauth.client_id:
            lacks("client_id", f"{named} needs client_id: the application (client) id of the app registration")
        if flow == "app" and not (oauth.client_secret.env or oauth.client_secret.file or oauth.client_certificate_file):
            lacks("client_secret_env", f'{named} with oauth_flow = "app" needs client_secret_env, client_secret_file, '
                                       f"client_secret_credential or client_certificate_file")
    elif provider == "google":
        if flow == "app" and oauth.service_account_file is None:
            lacks("service_account_file", f'{named} with oauth_flow = "app" needs service_account_file: the service '
                                          f"account's JSON key (with domain-wide delegation)")
        if flow == "delegated" and not oauth.client_id:
            lacks("client_id", f'{named} with oauth_flow = "delegated" needs client_id: the OAuth client id of the '
                               f"installed app")
    if flow == "delegated" and oauth.token_store is None:
        lacks("token_store", f'oauth_flow = "delegated" needs token_store: the file where mailbot keeps the refresh '
                             f"token (`mailbot auth login` writes it first)")
    if oauth.authority and not oauth.authority.startswith("https://"):
        reader.expected(written("oauth_authority"), "an https:// URL", oauth.authority)
    _record_needs(reader, oauth, written)


def _record_needs(reader: KeyReader, oauth: OAuthSettings, written) -> None:
    """The files and variables the keys name, checked by commands that connect (`KeyReader.check_needs`)."""
    if oauth.client_secret.file is not None:
        key = "client_secret_credential" if oauth.client_secret.credential else "client_secret_file"
        reader.need(written(key), oauth.client_secret.file, "secret-file")
    elif oauth.client_secret.env:
        reader.need(written("client_secret_env"), oauth.client_secret.env, "env")
    for key in ("client_certificate_file", "service_account_file"):
        if getattr(oauth, key) is not None:
            reader.need(written(key), getattr(oauth, key), "secret-file")
    if oauth.token_store is not None:
        reader.need(written("token_store"), oauth.token_store, "store-file")


def oauth_keys_given(layers: Layers) -> bool:
    """Whether any OAuth key is written in these tables (a hint when auth was left at "password")."""
    return any(key in data for data, _where in layers for key in OAUTH_KEYS)
