"""No log line, error message or diagnosis carries a client secret, an access token or a refresh token."""

from __future__ import annotations

import logging

import pytest

from mailbot.oauth import access_token
from mailbot.oauth.errors import TokenError
from mailbot.oauth.token_store import Grant, save_grant
from mailbot.settings import OAuthSettings
from tests.oauth.conftest import microsoft_app, microsoft_delegated, rsa_key, service_account_file

USER = "complaints@contoso.test"


def test_a_day_of_token_traffic_logs_no_secret_and_no_token(idp, cache, secret_env, tmp_path, caplog):
    """GIVEN every library's logger at DEBUG
    WHEN tokens are issued, rotated and refused in every way this suite knows
    THEN no secret or token is in the log, in an error's message or in its diagnosis."""
    caplog.set_level(logging.DEBUG)
    said: list[str] = []

    def attempt(oauth: OAuthSettings) -> None:
        try:
            access_token(oauth, user=USER, place="somewhere", timeout=5, http=idp.session(), cache=cache)
        except TokenError as error:
            said.extend([str(error), error.diagnosis, repr(error)])
        cache._tokens.clear()

    store = tmp_path / "delegated.json"
    save_grant(store, Grant("microsoft", idp.client_id, idp.new_refresh_token()))
    attempt(microsoft_app(idp, secret_env))
    attempt(microsoft_delegated(idp, store))                       # rotates
    idp.refuse("invalid_client", "AADSTS7000215: Invalid client secret provided.")
    attempt(microsoft_app(idp, secret_env))
    idp.refuse("invalid_grant", "AADSTS700082: The refresh token has expired due to inactivity.")
    attempt(microsoft_delegated(idp, store))
    attempt(OAuthSettings(provider="google", flow="app", service_account_file=service_account_file(tmp_path, rsa_key())))
    gmail = tmp_path / "gmail.json"
    save_grant(gmail, Grant("google", "g", idp.new_refresh_token()))
    attempt(OAuthSettings(provider="google", flow="delegated", client_id="g", client_secret=secret_env,
                          token_store=gmail))
    said.extend(repr(value) for value in (microsoft_app(idp, secret_env), Grant("google", "g", "rt-in-a-repr"), cache))

    secrets = [idp.client_secret, *idp.issued_access_tokens, *idp.issued_refresh_tokens, "rt-in-a-repr"]
    assert len(idp.issued_access_tokens) >= 3 and len(idp.issued_refresh_tokens) >= 2
    for secret in secrets:
        assert secret not in caplog.text, f"a secret or token is in the log:\n{caplog.text}"
        for text in said:
            assert secret not in text, text
    assert "the refresh token rotated" in caplog.text          # the log does say what happened
