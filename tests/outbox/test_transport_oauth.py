"""Sending through a real SMTP server (aiosmtpd) that demands SASL XOAUTH2 or OAUTHBEARER with a bearer token."""

from __future__ import annotations

import sys
from dataclasses import replace

import pytest

from mailbot.errors import TransientSendError
from mailbot.oauth import TokenError
from mailbot.outbox.transport import SmtpTransport
from mailbot.settings import OAuthSettings

PANEL = "democratic.services@peterborough.gov.uk"
RAW = b"From: <democratic.services@peterborough.gov.uk>\r\nSubject: test\r\n\r\nHello.\r\n"


def printing(*python: str) -> OAuthSettings:
    """The command provider running a Python one-liner: its stdout is the token."""
    return OAuthSettings(provider="command", token_command=(sys.executable, "-c", "; ".join(python)))


def oauth_settings(smtp_settings, oauth: OAuthSettings):
    return replace(smtp_settings, auth="oauth2", username=PANEL, oauth=oauth)


@pytest.mark.parametrize("mechanism", ["XOAUTH2", "OAUTHBEARER"])
def test_logs_in_with_the_token_the_command_prints(smtp_server, smtp_settings, mechanism):
    """XOAUTH2 where offered (Exchange Online, Gmail); OAUTHBEARER where only that is."""
    smtp_server.require_oauth(PANEL, "good-token", mechanisms=(mechanism,))

    SmtpTransport(oauth_settings(smtp_settings, printing("print('good-token')"))).send(PANEL, ["a@example.org"], RAW)

    [sent] = smtp_server.wait_for(1)
    assert sent.login == PANEL


def test_a_refused_token_is_transient_and_says_the_server_refused_it(smtp_server, smtp_settings):
    smtp_server.require_oauth(PANEL, "good-token")

    with pytest.raises(TransientSendError, match="the server refused the OAuth2 token for " + PANEL) as failure:
        SmtpTransport(oauth_settings(smtp_settings, printing("print('expired-token')"))).connect()

    assert "535" in str(failure.value) and "expired-token" not in str(failure.value)
    assert smtp_server.messages == []


def test_no_token_is_transient_and_keeps_the_providers_diagnosis(smtp_server, smtp_settings):
    smtp_server.require_oauth(PANEL, "good-token")
    failing = printing("import sys", "sys.stderr.write('AADSTS7000215: invalid client secret\\n')", "sys.exit(1)")

    with pytest.raises(TransientSendError, match="AADSTS7000215") as failure:
        SmtpTransport(oauth_settings(smtp_settings, failing)).connect()

    assert isinstance(failure.value.__cause__, TokenError)


def test_a_server_without_an_oauth_mechanism_is_named(smtp_server, smtp_settings):
    smtp_server.require_auth("mailbot", "pa55")
    with pytest.raises(TransientSendError, match="offers neither XOAUTH2 nor OAUTHBEARER"):
        SmtpTransport(oauth_settings(smtp_settings, printing("print('t')"))).connect()
