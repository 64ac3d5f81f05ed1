"""OAuth2 access tokens for SASL XOAUTH2 logins to IMAP and SMTP, from the provider the config names.

The rest of mailbot uses only `access_token`, `TokenError` and `describe_login_refusal`:

    token = access_token(oauth, user="shared@example.gov.uk", place="mailbox 'x' (host:993)", timeout=30)

    provider   flow        where the token comes from                      module
    microsoft  app         client credentials (secret or certificate)      microsoft.py
    microsoft  delegated   refresh token in token_store (device code)      microsoft.py
    google     app         service account, domain-wide delegation         google.py
    google     delegated   refresh token in token_store (loopback login)   google.py, google_login.py
    command    -           a program prints it                             command.py

A token is cached in memory until 5 minutes before it expires (cache.py);
it is never logged. A failure is a `TokenError` whose `diagnosis` says in
plain words what an administrator should do (diagnosis.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailbot.oauth import scopes
from mailbot.oauth.cache import CacheKey, TokenCache
from mailbot.oauth.command import command_token
from mailbot.oauth.diagnosis import describe_login_refusal
from mailbot.oauth.errors import TokenError
from mailbot.settings import OAuthSettings

if TYPE_CHECKING:
    import requests

# msal, google-auth, requests and cryptography cost about 20 MB of memory: they
# are imported when a Microsoft or Google token is first asked for, never
# by a daemon whose mailboxes log in with passwords or a token command.

__all__ = ["access_token", "describe_login_refusal", "forget_token", "TokenError"]

TOKENS = TokenCache()      # one per process: the daemon's IMAP and SMTP logins share it


def access_token(oauth: OAuthSettings, *, user: str, place: str, timeout: float,
                 http: requests.Session | None = None, cache: TokenCache | None = None) -> str:
    """A current access token for `user` from `oauth`'s provider; TokenError when there is none.

    `http` is the session token requests go through (default: a new one bounded
    by `timeout`); `cache` the token cache (default: the process's).
    """
    if oauth.provider == "command":
        return command_token(oauth.token_command, place=place, timeout=timeout)   # the command caches, if at all
    cache = TOKENS if cache is None else cache
    key = cache_key(oauth, user)
    token = cache.get(key)
    if token is not None:
        return token
    from mailbot.oauth.session import TimedSession

    session = http or TimedSession(timeout)
    try:
        issued = _issue(oauth, user=user, place=place, http=session)
    finally:
        if http is None:
            session.close()
    cache.put(key, issued)
    return issued.token


def forget_token(oauth: OAuthSettings, *, user: str, cache: TokenCache | None = None) -> None:
    """Drop the cached token for `user` (after a server refused it), so that the next login asks anew."""
    (TOKENS if cache is None else cache).forget(cache_key(oauth, user))


def cache_key(oauth: OAuthSettings, user: str) -> CacheKey:
    """Tokens are shared only where provider, tenant, client, user and scope all agree.

    An app-only Microsoft token serves every mailbox the app may open, so its
    key names no user; a delegated token is the one saved sign-in's.
    """
    if oauth.provider == "microsoft":
        asked = scopes.MICROSOFT_APP if oauth.flow == "app" else scopes.MICROSOFT_DELEGATED
    else:
        asked = (scopes.GOOGLE,)
    client = oauth.client_id or str(oauth.service_account_file or "")
    if (oauth.provider, oauth.flow) == ("microsoft", "app"):
        who = ""
    elif oauth.flow == "delegated":
        who = str(oauth.token_store or "")
    else:
        who = user.lower()
    return CacheKey(oauth.provider, oauth.tenant_id or oauth.authority, client, who, " ".join(asked))


def _issue(oauth: OAuthSettings, *, user: str, place: str, http: requests.Session):
    if oauth.provider not in ("microsoft", "google") or oauth.flow not in ("app", "delegated"):
        raise TokenError(f"{place}: oauth_provider {oauth.provider!r} with oauth_flow {oauth.flow!r} is not known",
                         diagnosis="oauth_provider must be microsoft, google or command; oauth_flow app or delegated")
    from mailbot.oauth import google, microsoft

    if oauth.provider == "microsoft":
        if oauth.flow == "app":
            return microsoft.app_token(oauth, place=place, http=http)
        return microsoft.delegated_token(oauth, place=place, http=http)
    if oauth.flow == "app":
        return google.app_token(oauth, user=user, place=place, http=http)
    return google.delegated_token(oauth, place=place, http=http)
