"""Logging in on an open SMTP connection: AUTH with the password, or SASL XOAUTH2 (OAUTHBEARER where only that is
offered) with an OAuth2 access token from `mailbot.oauth`.

The strings are those Microsoft and Google document for XOAUTH2
(`user=ADDRESS^Aauth=Bearer TOKEN^A^A`) and RFC 7628 for OAUTHBEARER
(`n,a=ADDRESS,^Aauth=Bearer TOKEN^A^A`). A server that refuses a token
answers 334 with an error in JSON first; the client answers it with an empty
line and the server then says 535 (smtplib raises SMTPAuthenticationError).
"""

from __future__ import annotations

import smtplib

from mailbot.oauth import access_token
from mailbot.settings import SmtpSettings

OAUTH_MECHANISMS = ("XOAUTH2", "OAUTHBEARER")   # in the order they are chosen


class NoOAuthMechanism(smtplib.SMTPNotSupportedError):
    """The server offers neither XOAUTH2 nor OAUTHBEARER after EHLO (over this TLS mode)."""


def log_in(client: smtplib.SMTP, settings: SmtpSettings, *, password: str | None, where: str) -> None:
    """Authenticate as `settings.username` as `settings.auth` says; nothing when no username is configured.

    Raises TokenError when no token could be had, and smtplib's errors when
    the server refuses.
    """
    if settings.auth == "oauth2":
        token = access_token(settings.oauth, user=settings.username, place=f"SMTP {where}", timeout=settings.timeout)
        mechanism = oauth_mechanism(client)
        initial = sasl_string(mechanism, settings.username, token)
        # Called first for the initial response, then with the server's error challenge, which gets "".
        client.auth(mechanism, lambda challenge=None: "" if challenge else initial, initial_response_ok=True)
    elif settings.username and password:
        client.login(settings.username, password)


def oauth_mechanism(client: smtplib.SMTP) -> str:
    """XOAUTH2 where the server offers it, else OAUTHBEARER; NoOAuthMechanism when it offers neither."""
    offered = client.esmtp_features.get("auth", "").upper().split()
    for mechanism in OAUTH_MECHANISMS:
        if mechanism in offered:
            return mechanism
    shown = " ".join(offered) if offered else "no AUTH at all"
    raise NoOAuthMechanism(f"the server offers neither XOAUTH2 nor OAUTHBEARER (it offers {shown})")


def sasl_string(mechanism: str, user: str, token: str) -> str:
    """The initial client response of `mechanism` for `user` with the bearer `token` (before base64)."""
    if mechanism == "XOAUTH2":
        return f"user={user}\x01auth=Bearer {token}\x01\x01"
    identity = user.replace("=", "=3D").replace(",", "=2C")
    return f"n,a={identity},\x01auth=Bearer {token}\x01\x01"
