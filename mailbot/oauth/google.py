"""Google Workspace access tokens for Gmail through google-auth: a service account, or a user's saved consent."""

from __future__ import annotations

import time
from datetime import timezone
from pathlib import Path

import requests
from google.auth import exceptions as google_errors
from google.auth.transport.requests import Request
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from mailbot.errors import ConfigError
from mailbot.oauth import scopes
from mailbot.oauth.cache import Issued
from mailbot.oauth.diagnosis import diagnose, first_line
from mailbot.oauth.errors import TokenError
from mailbot.oauth.token_store import keep_rotated, locked, read_grant
from mailbot.settings import OAuthSettings

SCOPE = scopes.GOOGLE
TOKEN_URI = "https://oauth2.googleapis.com/token"


def app_token(oauth: OAuthSettings, *, user: str, place: str, http: requests.Session) -> Issued:
    """A token for `user` from the service account's key, by domain-wide delegation (the account acts as `user`)."""
    path = oauth.service_account_file
    if path is None:
        raise TokenError(f"{place}: oauth_provider google with oauth_flow app needs service_account_file")
    try:
        account = service_account.Credentials.from_service_account_file(str(path), scopes=[SCOPE], subject=user)
    except OSError as error:
        raise TokenError(f"{place}: service_account_file {path}: cannot read it: {error.strerror}",
                         diagnosis=f"make {path} readable by the user mailbot runs as (and by no one else)") from None
    except (ValueError, KeyError):
        raise TokenError(f"{place}: service_account_file {path} is not a service account key",
                         diagnosis=f"{path} must be the JSON key downloaded for the service account "
                                   "(Google Cloud console > IAM > Service accounts > Keys)") from None
    return _refreshed(account, oauth, place=place, http=http)


def delegated_token(oauth: OAuthSettings, *, place: str, http: requests.Session) -> Issued:
    """A token from the saved refresh token; a rotated refresh token is saved before the access token is returned."""
    store = oauth.token_store
    if store is None:
        raise TokenError(f"{place}: oauth_flow delegated needs token_store (where the sign-in is kept)")
    with locked(store):
        grant = read_grant(store, client_id=oauth.client_id)
        consent = user_credentials.Credentials(
            token=None, refresh_token=grant.refresh_token, token_uri=TOKEN_URI, client_id=oauth.client_id,
            client_secret=client_secret(oauth, place), scopes=[SCOPE])
        issued = _refreshed(consent, oauth, place=place, http=http)
        keep_rotated(store, grant, consent.refresh_token, place=place)
    return issued


def client_secret(oauth: OAuthSettings, place: str) -> str:
    """The installed-app client's secret (Google requires one even for a desktop client)."""
    try:
        secret = oauth.client_secret.read()
    except ConfigError as error:
        raise TokenError(f"{place}: {error}") from None
    if not oauth.client_id or not secret:
        raise TokenError(f"{place}: oauth_provider google with oauth_flow delegated needs client_id and "
                         "client_secret_env or client_secret_file (the Desktop app client's)")
    return secret


def _refreshed(credentials, oauth: OAuthSettings, *, place: str, http: requests.Session) -> Issued:
    """Ask the token endpoint for a new access token; a refusal becomes a TokenError in plain words."""
    try:
        credentials.refresh(Request(session=http))
    except google_errors.RefreshError as error:
        details = error.args[1] if len(error.args) > 1 and isinstance(error.args[1], dict) else {}
        code = str(details.get("error", "")) or str(error.args[0] if error.args else "").split(":")[0]
        said = first_line(str(details.get("error_description", "")) or str(error.args[0] if error.args else ""))
        raise TokenError(f"{place}: Google refused the token request: {code}: {said}",
                         diagnosis=diagnose("google", oauth.flow, error=code)
                         or f"Google refused the token request ({code}): {said}", code=code) from None
    except google_errors.TransportError as error:
        raise TokenError(f"{place}: cannot reach Google's token endpoint: {type(error.args[0] if error.args else error).__name__}",
                         diagnosis="oauth2.googleapis.com could not be reached: check this server's DNS, proxy "
                                   "and firewall (HTTPS out to it); mailbot tries again on the next pass") from None
    return Issued(credentials.token, _seconds_left(credentials))


def _seconds_left(credentials) -> float:
    """How long the token lives. Real time, not mailbot's Clock: `--now` pins business time, tokens expire anyway."""
    if credentials.expiry is None:
        return 3600.0
    return credentials.expiry.replace(tzinfo=timezone.utc).timestamp() - time.time()
