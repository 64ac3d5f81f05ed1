"""What `check --connect` and the connection alert say a failure means, from the real failures of real servers."""

from __future__ import annotations

import socket
from dataclasses import replace

import pytest

from mailbot.errors import MailbotError
from mailbot.oauth import TokenError
from mailbot.outbox.transport import SmtpTransport
from mailbot.schedule.connection_alerts import in_plain_words


def failure_of(settings) -> MailbotError:
    with pytest.raises(MailbotError) as failure:
        SmtpTransport(settings).connect()
    return failure.value


def test_tls_spoken_to_a_plain_port_says_to_check_tls_and_port(smtp_server, smtp_settings):
    words = in_plain_words(failure_of(replace(smtp_settings, tls="ssl")))
    assert f"SMTP 127.0.0.1:{smtp_server.port}: cannot connect: SSLError" in words
    assert "TLS failed: check tls and port" in words


def test_a_closed_port_says_nothing_accepts_connections_there(smtp_settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    words = in_plain_words(failure_of(replace(smtp_settings, port=closed)))
    assert words.endswith("(nothing accepts connections there: check host and port, and that the server runs)")


def test_a_token_error_is_told_by_its_diagnosis_wherever_it_is_in_the_chain():
    try:
        try:
            raise TokenError("SMTP x:587: AADSTS65001", diagnosis="an administrator has not consented to the app")
        except TokenError as error:
            raise MailbotError("SMTP x:587: no token") from error
    except MailbotError as outer:
        assert in_plain_words(outer) == "an administrator has not consented to the app"
