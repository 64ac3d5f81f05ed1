"""The token command's failures, and the words for a server that refuses a token it was given."""

from __future__ import annotations

import sys

import pytest

from mailbot.oauth import access_token, describe_login_refusal
from mailbot.oauth.errors import TokenError
from mailbot.settings import OAuthSettings

PLACE = "mailbox 'complaints' (imap.example:993)"


def token_from(*command: str, timeout: float = 5) -> str:
    return access_token(OAuthSettings(provider="command", token_command=command), user="u", place=PLACE,
                        timeout=timeout)


def test_the_command_s_output_is_the_token():
    assert token_from(sys.executable, "-c", "print('  at-from-command  ')") == "at-from-command"


def test_a_command_that_hangs_is_cut_off_at_the_timeout():
    with pytest.raises(TokenError) as refused:
        token_from(sys.executable, "-c", "import time; print('at-partial', flush=True); time.sleep(30)",
                   timeout=0.5)
    assert "within 0.5 s" in str(refused.value) and "at-partial" not in str(refused.value)
    assert "by hand" in refused.value.diagnosis


def test_a_failing_command_shows_its_last_error_line_not_its_output():
    with pytest.raises(TokenError) as refused:
        token_from(sys.executable, "-c", "import sys; print('at-secret'); sys.exit('refresh failed: no network')")
    assert "status 1" in str(refused.value) and "refresh failed: no network" in str(refused.value)
    assert "at-secret" not in str(refused.value)


def test_a_command_that_prints_nothing_gives_no_token():
    with pytest.raises(TokenError, match="printed no token"):
        token_from(sys.executable, "-c", "print('   ')")


def test_a_command_that_does_not_exist_is_named():
    with pytest.raises(TokenError, match="could not run"):
        token_from("/nonexistent/mailbot-token")


def test_an_unknown_provider_says_which_are_known():
    with pytest.raises(TokenError) as refused:
        access_token(OAuthSettings(provider="yahoo"), user="u", place=PLACE, timeout=1)
    assert "microsoft, google or command" in refused.value.diagnosis


@pytest.mark.parametrize("provider, server_text, words", [
    ("microsoft", "AUTHENTICATE failed.", "New-ServicePrincipal"),
    ("microsoft", "[AUTHENTICATIONFAILED] AUTHENTICATE failed.", "Add-MailboxPermission"),
    ("microsoft", "535 5.7.3 Authentication unsuccessful", "Add-RecipientPermission"),
    ("microsoft", "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.",
     "SmtpClientAuthenticationDisabled"),
    ("google", "[AUTHENTICATIONFAILED] Invalid credentials (Failure)", "https://mail.google.com/"),
    ("google", "535-5.7.8 Username and Password not accepted.", "Gmail SMTP"),
    ("command", "NO [AUTHENTICATIONFAILED] Authentication failed.", "token command"),
])
def test_a_refused_login_is_put_in_words(provider, server_text, words):
    said = describe_login_refusal(provider, server_text)
    assert words in said and server_text.splitlines()[0][:40] in said


def test_the_providers_libraries_are_not_loaded_by_a_daemon_that_does_not_use_them():
    """msal, google-auth, requests and cryptography cost about 20 MB: the heavy-mail pass's memory limit has no room."""
    import subprocess
    heavy = ("msal", "google.auth", "requests", "cryptography")
    probe = ("import sys, mailbot.cli, mailbot.intake.imap_connect, mailbot.oauth; "
             f"print([name for name in {heavy!r} if name in sys.modules])")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
