"""OAuth2 access tokens for SASL XOAUTH2 logins to IMAP and SMTP, from the provider the config names.

The rest of mailbot uses only `access_token` and `TokenError`:

    token = access_token(oauth, user="shared@example.gov.uk", place="mailbox 'x' (host:993)", timeout=30)

A token is cached until shortly before it expires; it is never logged.
A failure is a `TokenError` whose `diagnosis` says in plain words what an
administrator should do (consent missing, wrong tenant, secret expired, ...).
"""

from __future__ import annotations

import subprocess

from mailbot.errors import SourceError
from mailbot.settings import OAuthSettings


class TokenError(SourceError):
    """No access token could be had. `diagnosis` is plain words to act on; `code` the provider's (e.g. AADSTS7000215)."""

    def __init__(self, message: str, *, diagnosis: str = "", code: str = "") -> None:
        super().__init__(message)
        self.diagnosis = diagnosis or message
        self.code = code


def access_token(oauth: OAuthSettings, *, user: str, place: str, timeout: float) -> str:
    """A current access token for `user` from `oauth`'s provider; TokenError when there is none."""
    if oauth.provider == "command":
        return command_token(oauth.token_command, place=place, timeout=timeout)
    raise TokenError(f"{place}: oauth_provider {oauth.provider!r} is not available yet")


def command_token(command: tuple[str, ...], *, place: str, timeout: float) -> str:
    """Run `token_command` (bounded by the timeout); its stripped stdout is the bearer token."""
    if not command:
        raise TokenError(f"{place}: auth = oauth2 needs a token_command")
    try:
        done = subprocess.run(list(command), capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise TokenError(f"{place}: token command {command[0]!r} gave no token within {timeout} s") from exc
    except OSError as exc:
        raise TokenError(f"{place}: token command {command[0]!r} could not run: {exc.strerror or exc}") from exc
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [""])[-1][:200]
        raise TokenError(f"{place}: token command {command[0]!r} failed with status {done.returncode}: {last}")
    token = done.stdout.strip()
    if not token:
        raise TokenError(f"{place}: token command {command[0]!r} printed no token")
    return token
