"""The one-time Google consent for the delegated flow: a browser sign-in redirected to a loopback port, with PKCE."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from mailbot.oauth.diagnosis import diagnose, first_line
from mailbot.oauth.errors import TokenError
from mailbot.oauth.google import SCOPE, TOKEN_URI, client_secret
from mailbot.oauth.token_store import Grant, locked, save_grant
from mailbot.settings import OAuthSettings

AUTH_URI = "https://accounts.google.com/o/oauth2/v2/auth"
PAGE = b"<!doctype html><title>mailbot</title><p>mailbot has the answer; you may close this window.</p>"


def login(oauth: OAuthSettings, *, user: str, place: str, http: requests.Session, show: Callable[[str], None],
          port: int = 0, wait: float = 600.0) -> Grant:
    """Show the consent URL, wait (at most `wait` s) for Google's redirect, redeem the code, save the refresh token.

    The redirect goes to http://127.0.0.1:PORT/ on this machine; `port`
    fixes the port, for an SSH tunnel from the administrator's browser.
    """
    if oauth.token_store is None:
        raise TokenError(f"{place}: oauth_flow delegated needs token_store (where the sign-in is kept)")
    secret = client_secret(oauth, place)
    verifier = secrets.token_urlsafe(64)
    state = secrets.token_urlsafe(16)
    with _redirect_catcher(port) as catcher:
        redirect_uri = f"http://127.0.0.1:{catcher.server_address[1]}/"
        show(f"{AUTH_URI}?" + urlencode({
            "client_id": oauth.client_id, "redirect_uri": redirect_uri, "response_type": "code", "scope": SCOPE,
            "state": state, "code_challenge": _s256(verifier), "code_challenge_method": "S256",
            "access_type": "offline", "prompt": "consent", "login_hint": user}))
        answer = _wait_for_redirect(catcher, deadline=time.monotonic() + wait)
    if answer is None:
        raise TokenError(f"{place}: no answer from the browser within {wait:.0f} s",
                         diagnosis="nobody finished the sign-in in time: run `mailbot auth login` again")
    if answer.get("state") != state:
        raise TokenError(f"{place}: the redirect's state does not match", diagnosis="the answer was not for this "
                         "sign-in (another browser tab?): run `mailbot auth login` again")
    if "code" not in answer:
        error = answer.get("error", "no code")
        raise TokenError(f"{place}: Google did not give consent: {error}",
                         diagnosis=f"the consent was not given ({error}): sign in as {user} and allow access")
    return _redeem(oauth, answer["code"], verifier=verifier, redirect_uri=redirect_uri, secret=secret, user=user,
                   place=place, http=http)


def _redeem(oauth: OAuthSettings, code: str, *, verifier: str, redirect_uri: str, secret: str, user: str,
            place: str, http: requests.Session) -> Grant:
    """Exchange the authorization code for tokens and save the refresh token."""
    try:
        response = http.post(TOKEN_URI, data={
            "grant_type": "authorization_code", "code": code, "code_verifier": verifier,
            "redirect_uri": redirect_uri, "client_id": oauth.client_id, "client_secret": secret})
        answer = response.json()
    except (requests.RequestException, ValueError) as error:
        raise TokenError(f"{place}: Google's token endpoint did not answer: {type(error).__name__}") from None
    if "refresh_token" not in answer:
        error = str(answer.get("error", "no refresh token"))
        said = first_line(str(answer.get("error_description", "")))
        raise TokenError(f"{place}: Google refused the sign-in: {error}: {said}", code=error,
                         diagnosis=diagnose("google", "delegated", error=error) or f"Google refused the sign-in "
                                   f"({error}): {said}")
    grant = Grant(provider="google", client_id=oauth.client_id, refresh_token=answer["refresh_token"], account=user)
    with locked(oauth.token_store):
        save_grant(oauth.token_store, grant)
    return grant


def _redirect_catcher(port: int) -> HTTPServer:
    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self):
            query = {key: values[0] for key, values in parse_qs(urlsplit(self.path).query).items()}
            if "state" in query:
                self.server.answer = query
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(PAGE)

        def log_message(self, *args):     # the query holds the code: never logged
            pass

    server = HTTPServer(("127.0.0.1", port), Redirect)
    server.answer = None
    server.timeout = 1.0
    return server


def _wait_for_redirect(server: HTTPServer, *, deadline: float) -> dict | None:
    while server.answer is None and time.monotonic() < deadline:
        server.handle_request()              # returns after one request, or after server.timeout
    return server.answer


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode("ascii")
