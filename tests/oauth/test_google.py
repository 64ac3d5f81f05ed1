"""Google Workspace tokens against a loopback token endpoint: a service account acting as the user, saved consent."""

from __future__ import annotations

import pytest

from mailbot.oauth import access_token
from mailbot.oauth.errors import TokenError
from mailbot.oauth.token_store import Grant, read_grant, save_grant
from mailbot.settings import OAuthSettings
from tests.oauth.conftest import rsa_key, service_account_file

PLACE = "mailbox 'complaints' (imap.gmail.com:993)"
USER = "complaints@example.org.uk"


def token_for(oauth, idp, cache, user=USER):
    return access_token(oauth, user=user, place=PLACE, timeout=5, http=idp.session(), cache=cache)


def service_account(tmp_path) -> OAuthSettings:
    return OAuthSettings(provider="google", flow="app", service_account_file=service_account_file(tmp_path, rsa_key()))


def delegated(idp, store, secret_env) -> OAuthSettings:
    return OAuthSettings(provider="google", flow="delegated", client_id="1234-abc.apps.googleusercontent.com",
                         client_secret=secret_env, token_store=store)


def test_a_service_account_acts_as_the_mailbox_user_by_domain_wide_delegation(idp, cache, tmp_path):
    import jwt
    idp.delegated_users.add(USER)

    token = token_for(service_account(tmp_path), idp, cache)

    assert token == idp.issued_access_tokens[-1]
    claims = jwt.decode(idp.requests[-1]["assertion"], options={"verify_signature": False})
    assert claims["sub"] == USER and claims["scope"] == "https://mail.google.com/"


def test_each_user_of_a_service_account_has_a_token_of_its_own(idp, cache, tmp_path):
    idp.delegated_users.update({USER, "other@example.org.uk"})
    oauth = service_account(tmp_path)

    assert token_for(oauth, idp, cache) != token_for(oauth, idp, cache, user="other@example.org.uk")
    assert token_for(oauth, idp, cache) == idp.issued_access_tokens[0] and len(idp.requests) == 2


def test_delegation_not_granted_says_where_in_the_admin_console_to_grant_it(idp, cache, tmp_path):
    with pytest.raises(TokenError) as refused:
        token_for(service_account(tmp_path), idp, cache)

    assert refused.value.code == "unauthorized_client"
    assert "Domain-wide delegation" in refused.value.diagnosis
    assert "https://mail.google.com/" in refused.value.diagnosis


def test_a_service_account_file_that_is_not_a_key_is_named(idp, cache, tmp_path):
    bad = tmp_path / "key.json"
    bad.write_text("{}")
    with pytest.raises(TokenError) as refused:
        token_for(OAuthSettings(provider="google", flow="app", service_account_file=bad), idp, cache)
    assert "JSON key" in refused.value.diagnosis


def test_a_rotated_google_refresh_token_is_saved_before_the_access_token_is_returned(idp, cache, tmp_path,
                                                                                     secret_env):
    store = tmp_path / "gmail.json"
    save_grant(store, Grant("google", "1234-abc.apps.googleusercontent.com", idp.new_refresh_token()))

    token = token_for(delegated(idp, store, secret_env), idp, cache)

    assert token == idp.issued_access_tokens[-1]
    assert read_grant(store).refresh_token == idp.issued_refresh_tokens[-1] in idp.live_refresh_tokens
    assert idp.requests[-1]["client_secret"] == idp.client_secret


def test_a_refresh_token_google_does_not_rotate_leaves_the_store_alone(idp, cache, tmp_path, secret_env):
    idp.rotate = False
    store = tmp_path / "gmail.json"
    save_grant(store, Grant("google", "1234-abc.apps.googleusercontent.com", idp.new_refresh_token()))
    before = store.stat().st_mtime_ns

    token_for(delegated(idp, store, secret_env), idp, cache)

    assert store.stat().st_mtime_ns == before


def test_a_revoked_google_sign_in_asks_for_mailbot_auth_login(idp, cache, tmp_path, secret_env):
    store = tmp_path / "gmail.json"
    save_grant(store, Grant("google", "1234-abc.apps.googleusercontent.com", idp.new_refresh_token()))
    idp.refuse("invalid_grant", "Token has been expired or revoked.")

    with pytest.raises(TokenError) as refused:
        token_for(delegated(idp, store, secret_env), idp, cache)

    assert refused.value.code == "invalid_grant"
    assert "mailbot auth login" in refused.value.diagnosis and "Testing" in refused.value.diagnosis


def browser_consents(idp, *, state_from_page=True):
    """What the person's browser does with the consent URL: Google redirects it to the loopback with a code."""
    import threading
    from urllib.parse import parse_qs, urlsplit
    import requests

    def show(url: str) -> None:
        asked = {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
        assert asked["code_challenge_method"] == "S256" and asked["access_type"] == "offline"
        code = idp.grant_code(asked["code_challenge"])
        state = asked["state"] if state_from_page else "forged"
        threading.Thread(target=requests.get, args=(asked["redirect_uri"],),
                         kwargs={"params": {"code": code, "state": state}, "timeout": 5}, daemon=True).start()
    return show


def test_the_loopback_sign_in_redeems_the_code_with_pkce_and_saves_the_refresh_token(idp, tmp_path, secret_env):
    from mailbot.oauth.google_login import login
    oauth = delegated(idp, tmp_path / "gmail.json", secret_env)

    grant = login(oauth, user=USER, place=PLACE, http=idp.session(), show=browser_consents(idp), wait=10)

    assert read_grant(oauth.token_store) == grant and grant.refresh_token == idp.issued_refresh_tokens[-1]
    assert idp.requests[-1]["grant_type"] == "authorization_code"


def test_a_redirect_with_another_state_is_refused(idp, tmp_path, secret_env):
    from mailbot.oauth.google_login import login
    oauth = delegated(idp, tmp_path / "gmail.json", secret_env)

    with pytest.raises(TokenError) as refused:
        login(oauth, user=USER, place=PLACE, http=idp.session(), show=browser_consents(idp, state_from_page=False),
              wait=10)

    assert "state" in str(refused.value) and not oauth.token_store.exists()
