"""Microsoft 365 (Entra ID) access tokens for Exchange Online, through msal: app-only and delegated."""

from __future__ import annotations

from pathlib import Path

import msal
import requests

from mailbot.errors import ConfigError
from mailbot.oauth import scopes
from mailbot.oauth.cache import Issued
from mailbot.oauth.certificate import certificate_credential, thumbprint
from mailbot.oauth.diagnosis import aadsts_code, diagnose, first_line
from mailbot.oauth.errors import TokenError
from mailbot.oauth.token_store import Grant, keep_rotated, locked, read_grant, save_grant
from mailbot.settings import OAuthSettings

LOGIN_HOST = "https://login.microsoftonline.com"
APP_SCOPES = scopes.MICROSOFT_APP
DELEGATED_SCOPES = scopes.MICROSOFT_DELEGATED


def authority_url(oauth: OAuthSettings) -> str:
    """The tenant's authority: `oauth_authority` (a national cloud's host) or the worldwide one, then the tenant."""
    host = (oauth.authority or LOGIN_HOST).rstrip("/")
    if "://" not in host:
        host = f"https://{host}"
    return f"{host}/{oauth.tenant_id or 'organizations'}"


def app_token(oauth: OAuthSettings, *, place: str, http: requests.Session) -> Issued:
    """An app-only token (client credentials: a secret or a certificate) for every mailbox the app may open."""
    app = _application(oauth, place=place, http=http, confidential=True)
    result = _call(lambda: app.acquire_token_for_client(scopes=list(APP_SCOPES)), oauth, place=place)
    return Issued(result["access_token"], float(result.get("expires_in", 3600)))


def delegated_token(oauth: OAuthSettings, *, place: str, http: requests.Session) -> Issued:
    """A token from the saved refresh token; a rotated refresh token is saved before the access token is returned."""
    store = _store(oauth, place)
    with locked(store):
        grant = read_grant(store, client_id=oauth.client_id)
        app = _application(oauth, place=place, http=http, confidential=False)
        result = _call(lambda: app.acquire_token_by_refresh_token(grant.refresh_token, scopes=list(DELEGATED_SCOPES)),
                       oauth, place=place)
        keep_rotated(store, grant, result.get("refresh_token"), place=place)
    return Issued(result["access_token"], float(result.get("expires_in", 3600)))


def start_device_login(oauth: OAuthSettings, *, place: str, http: requests.Session) -> dict:
    """Begin a device-code sign-in: the returned flow's `message` tells the person where to go and what to type."""
    app = _application(oauth, place=place, http=http, confidential=False)
    flow = _call(lambda: app.initiate_device_flow(scopes=list(DELEGATED_SCOPES)), oauth, place=place, key="user_code")
    flow["_app"] = app
    return flow


def finish_device_login(oauth: OAuthSettings, flow: dict, *, place: str) -> Grant:
    """Wait for the person to finish signing in, then save the refresh token in `token_store`; the grant saved."""
    app = flow.pop("_app")
    result = _call(lambda: app.acquire_token_by_device_flow(flow), oauth, place=place)
    if not result.get("refresh_token"):
        raise TokenError(f"{place}: Microsoft gave no refresh token",
                         diagnosis="the sign-in gave no refresh token: the app must allow offline_access")
    claims = result.get("id_token_claims") or {}
    grant = Grant(provider="microsoft", client_id=oauth.client_id, tenant_id=oauth.tenant_id,
                  refresh_token=result["refresh_token"], account=str(claims.get("preferred_username", "")))
    store = _store(oauth, place)
    with locked(store):
        save_grant(store, grant)
    return grant


def _application(oauth: OAuthSettings, *, place: str, http: requests.Session, confidential: bool):
    """An msal application for the tenant (tenant discovery happens here: a wrong tenant is refused here).

    The delegated flow is always a public client (device code, then refresh
    tokens without a secret): the app registration must allow public client flows.
    """
    if not oauth.client_id:
        raise TokenError(f"{place}: oauth_provider microsoft needs client_id")
    # Each application lives for one request and keeps no msal cache, so the
    # instance discovery msal does for its cache's aliases would be a wasted call.
    common = dict(authority=authority_url(oauth), http_client=http, instance_discovery=False)
    try:
        if confidential:
            return msal.ConfidentialClientApplication(oauth.client_id, client_credential=_credential(oauth, place),
                                                      **common)
        return msal.PublicClientApplication(oauth.client_id, **common)
    except requests.RequestException as error:
        raise _unreachable(error, oauth, place) from None
    except ValueError as error:
        # A tenant that does not exist fails discovery; the AADSTS code is in the response msal quotes.
        text = f"{error} {error.__context__ or ''}"
        code = aadsts_code(text)
        raise TokenError(f"{place}: Microsoft Entra does not know the authority {authority_url(oauth)}"
                         + (f" ({code})" if code else ""),
                         diagnosis=diagnose("microsoft", oauth.flow, error="invalid_tenant", code=code or "AADSTS90002"),
                         code=code) from None


def _credential(oauth: OAuthSettings, place: str):
    """A certificate (private key and certificate from one PEM) or the client secret, read now."""
    if oauth.client_certificate_file is not None:
        return certificate_credential(oauth.client_certificate_file, place=place)
    try:
        secret = oauth.client_secret.read()
    except ConfigError as error:
        raise TokenError(f"{place}: {error}") from None
    if not secret:
        raise TokenError(f"{place}: oauth_provider microsoft with oauth_flow app needs client_secret_env, "
                         "client_secret_file or client_certificate_file")
    return secret


def _call(request, oauth: OAuthSettings, *, place: str, key: str = "access_token") -> dict:
    """Run one msal request; its answer when it holds `key`, else the refusal as a TokenError in plain words."""
    try:
        result = request()
    except (requests.RequestException, msal.exceptions.MsalServiceError) as error:
        raise _unreachable(error, oauth, place) from None
    if key in result:
        return result
    error = str(result.get("error", "no_token"))
    description = str(result.get("error_description", ""))
    code = aadsts_code(description, result.get("error_codes") or ())
    said = first_line(description, 300)
    diagnosis = (diagnose("microsoft", oauth.flow, error=error, code=code)
                 or f"Microsoft Entra refused the token request ({error}): {said}")
    if code == "AADSTS700027" and oauth.client_certificate_file is not None:
        diagnosis += f" (this one's thumbprint is {thumbprint(oauth.client_certificate_file)})"
    raise TokenError(f"{place}: Microsoft Entra refused the token request: {said or error}",
                     diagnosis=diagnosis, code=code or error)


def _unreachable(error: Exception, oauth: OAuthSettings, place: str) -> TokenError:
    host = (oauth.authority or LOGIN_HOST).split("://")[-1].rstrip("/")
    return TokenError(f"{place}: cannot reach {host}: {type(error).__name__}",
                      diagnosis=f"{host} could not be reached: check this server's DNS, proxy and firewall "
                                "(HTTPS out to it); mailbot tries again on the next pass")


def _store(oauth: OAuthSettings, place: str) -> Path:
    if oauth.token_store is None:
        raise TokenError(f"{place}: oauth_flow delegated needs token_store (where the sign-in is kept)")
    return oauth.token_store
