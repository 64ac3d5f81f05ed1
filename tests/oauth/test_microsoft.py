"""Microsoft 365 tokens against a loopback Entra ID: client credentials, certificates, refresh tokens that rotate."""

from __future__ import annotations

import json
import os
import stat

import pytest

from mailbot.oauth import access_token
from mailbot.oauth import microsoft
from mailbot.oauth.certificate import thumbprint
from mailbot.oauth.errors import TokenError
from mailbot.oauth.token_store import Grant, read_grant, save_grant
from tests.oauth.conftest import certificate_pem, key_pem, microsoft_app, microsoft_delegated, rsa_key

PLACE = "mailbox 'complaints' (outlook.office365.com:993)"
USER = "complaints@contoso.test"


def token_for(oauth, idp, cache):
    return access_token(oauth, user=USER, place=PLACE, timeout=5, http=idp.session(), cache=cache)


def test_client_credentials_with_a_secret_give_an_exchange_online_token(idp, cache, secret_env):
    token = token_for(microsoft_app(idp, secret_env), idp, cache)

    assert token == idp.issued_access_tokens[-1]
    [asked] = idp.requests
    assert asked["grant_type"] == "client_credentials"
    assert asked["scope"].split() == ["https://outlook.office365.com/.default"]


def test_client_credentials_with_a_certificate_sign_an_assertion_the_tenant_verifies(idp, cache, tmp_path):
    key = rsa_key()
    idp.certificate_pem = certificate_pem(key)
    pem = tmp_path / "mailbot.pem"
    pem.write_bytes(key_pem(key) + idp.certificate_pem)

    token = token_for(microsoft_app(idp, secret_env_none(), client_certificate_file=pem), idp, cache)

    assert token == idp.issued_access_tokens[-1]
    assert "client_assertion" in idp.requests[-1] and "client_secret" not in idp.requests[-1]


def test_a_certificate_the_app_does_not_know_is_named_by_its_thumbprint(idp, cache, tmp_path):
    idp.certificate_pem = certificate_pem(rsa_key())            # the app knows another certificate
    key = rsa_key()
    pem = tmp_path / "mailbot.pem"
    pem.write_bytes(key_pem(key) + certificate_pem(key))

    with pytest.raises(TokenError) as refused:
        token_for(microsoft_app(idp, secret_env_none(), client_certificate_file=pem), idp, cache)

    assert refused.value.code == "AADSTS700027"
    assert thumbprint(pem) in refused.value.diagnosis and "Certificates & secrets" in refused.value.diagnosis


def test_a_token_is_reused_until_five_minutes_before_it_expires(idp, secret_env):
    from mailbot.oauth.cache import TokenCache
    seconds = [1000.0]
    cache = TokenCache(clock=lambda: seconds[0])
    oauth = microsoft_app(idp, secret_env)

    first = token_for(oauth, idp, cache)
    seconds[0] += 3600 - 301
    assert token_for(oauth, idp, cache) == first and len(idp.requests) == 1
    seconds[0] += 1
    renewed = token_for(oauth, idp, cache)

    assert renewed != first and len(idp.requests) == 2


def test_a_rotated_refresh_token_is_on_disk_when_the_access_token_is_returned(idp, cache, tmp_path):
    store = tmp_path / "tokens" / "complaints.json"
    save_grant(store, Grant("microsoft", idp.client_id, idp.new_refresh_token(), tenant_id=idp.tenant))

    token = token_for(microsoft_delegated(idp, store), idp, cache)

    assert token == idp.issued_access_tokens[-1]
    assert read_grant(store).refresh_token == idp.issued_refresh_tokens[-1] in idp.live_refresh_tokens
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    assert sorted(path.name for path in store.parent.iterdir()) == ["complaints.json", "complaints.json.lock"]
    assert set(idp.requests[-1]["scope"].split()) >= {"https://outlook.office365.com/IMAP.AccessAsUser.All",
                                                       "https://outlook.office365.com/SMTP.Send", "offline_access"}


def test_a_refresh_token_that_cannot_be_saved_gives_no_access_token(idp, cache, tmp_path, monkeypatch):
    """GIVEN the disk refuses the new refresh token (fsync fails) WHEN a token is asked for THEN none is handed out."""
    store = tmp_path / "complaints.json"
    save_grant(store, Grant("microsoft", idp.client_id, idp.new_refresh_token()))
    monkeypatch.setattr(os, "fsync", lambda handle: (_ for _ in ()).throw(OSError(5, "Input/output error")))

    with pytest.raises(TokenError) as refused:
        token_for(microsoft_delegated(idp, store), idp, cache)

    assert "cannot save the new refresh token" in str(refused.value)
    assert "writable" in refused.value.diagnosis


def test_a_retired_refresh_token_asks_for_mailbot_auth_login(idp, cache, tmp_path):
    store = tmp_path / "complaints.json"
    save_grant(store, Grant("microsoft", idp.client_id, "rt-retired-long-ago"))

    with pytest.raises(TokenError) as refused:
        token_for(microsoft_delegated(idp, store), idp, cache)

    assert refused.value.code == "AADSTS700082"
    assert "mailbot auth login" in refused.value.diagnosis


def test_no_saved_sign_in_asks_for_mailbot_auth_login(idp, cache, tmp_path):
    with pytest.raises(TokenError) as refused:
        token_for(microsoft_delegated(idp, tmp_path / "none.json"), idp, cache)
    assert "mailbot auth login" in refused.value.diagnosis


def test_the_device_code_sign_in_saves_the_refresh_token(idp, tmp_path):
    oauth = microsoft_delegated(idp, tmp_path / "complaints.json")

    flow = microsoft.start_device_login(oauth, place=PLACE, http=idp.session())
    assert flow["user_code"] in flow["message"]
    idp.approve_device_code(flow["user_code"])
    grant = microsoft.finish_device_login(oauth, flow, place=PLACE)

    assert read_grant(oauth.token_store) == grant
    assert grant.refresh_token == idp.issued_refresh_tokens[-1] and grant.account == "alex@contoso.test"


@pytest.mark.parametrize("error, description, words", [
    ("invalid_client", "AADSTS7000215: Invalid client secret provided.", "Value"),
    ("invalid_client", "AADSTS7000222: The provided client secret keys for app are expired.", "expired"),
    ("invalid_grant", "AADSTS65001: The user or administrator has not consented to use the application.",
     "admin consent"),
    ("unauthorized_client", "AADSTS700016: Application with identifier 'x' was not found in the directory 'y'.",
     "client_id"),
    ("invalid_request", "AADSTS900023: Specified tenant identifier 'nope' is neither a valid DNS name, nor a "
                        "valid external domain.", "Directory (tenant) ID"),
    ("invalid_grant", "AADSTS50173: The provided grant has expired due to it being revoked.", "mailbot auth login"),
    ("invalid_grant", "AADSTS700082: The refresh token has expired due to inactivity.", "mailbot auth login"),
])
def test_each_refusal_is_put_in_words_an_administrator_can_act_on(idp, cache, secret_env, error, description, words):
    idp.refuse(error, description)

    with pytest.raises(TokenError) as refused:
        token_for(microsoft_app(idp, secret_env), idp, cache)

    assert refused.value.code == description.split(":")[0]
    assert words in refused.value.diagnosis, refused.value.diagnosis


def test_a_tenant_that_does_not_exist_is_named_as_the_mistake(idp, cache, secret_env):
    with pytest.raises(TokenError) as refused:
        token_for(microsoft_app(idp, secret_env, tenant_id="contoso.invalid"), idp, cache)

    assert refused.value.code == "AADSTS90002"
    assert "tenant is wrong" in refused.value.diagnosis


def test_an_unreachable_login_host_says_so(cache, secret_env):
    from tests.servers.identity import LoopbackSession
    from mailbot.settings import OAuthSettings
    closed = LoopbackSession(port=1, timeout=2)
    oauth = OAuthSettings(provider="microsoft", flow="app", tenant_id="t", client_id="c", client_secret=secret_env)

    with pytest.raises(TokenError) as refused:
        access_token(oauth, user=USER, place=PLACE, timeout=2, http=closed, cache=cache)

    assert "could not be reached" in refused.value.diagnosis


def secret_env_none():
    from mailbot.settings import Secret
    return Secret()


def test_two_threads_refreshing_one_rotating_token_at_once_both_get_a_token(idp, tmp_path):
    """GIVEN one saved refresh token that every use retires WHEN the IMAP and the SMTP login ask at the same
    instant (no token cached) THEN the second refresh reads what the first saved, and neither is refused."""
    import threading
    from mailbot.oauth.cache import TokenCache
    store = tmp_path / "complaints.json"
    save_grant(store, Grant("microsoft", idp.client_id, idp.new_refresh_token()))
    oauth = microsoft_delegated(idp, store)
    start, got, refused = threading.Barrier(2), [], []

    def login() -> None:
        start.wait(timeout=5)
        try:
            got.append(token_for(oauth, idp, TokenCache()))
        except TokenError as error:
            refused.append(error)

    threads = [threading.Thread(target=login) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not refused and len(set(got)) == 2
    assert read_grant(store).refresh_token == idp.issued_refresh_tokens[-1] in idp.live_refresh_tokens


def test_a_store_made_for_another_app_is_not_used(idp, cache, tmp_path):
    store = tmp_path / "complaints.json"
    save_grant(store, Grant("microsoft", "another-client", idp.new_refresh_token()))

    with pytest.raises(TokenError) as refused:
        token_for(microsoft_delegated(idp, store), idp, cache)

    assert "another-client" in refused.value.diagnosis and idp.requests == []
