"""Sending through a real SMTP server (aiosmtpd), and writing to a folder instead."""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from mailbot.errors import ConfigError, PermanentSendError, TransientSendError
from mailbot.outbox.compose import compose
from mailbot.kinds import Kind
from mailbot.outbox.message_ids import new_message_id
from mailbot.outbox.templates import Rendered
from mailbot.outbox.transport import (
    DirectoryTransport,
    SmtpTransport,
    make_transport,
    retry_delay,
)
from mailbot.settings import Secret, SmtpSettings

PANEL = "democratic.services@peterborough.gov.uk"


def _message(kind=Kind.ACKNOWLEDGEMENT, to=("jane.doe@example.org",), nonce="n1", minute=20) -> bytes:
    message_id = new_message_id(b"secret", domain="peterborough.gov.uk", case_ref="PCP-2026-00042",
                                kind=kind, nonce=nonce)
    return compose(Rendered("We have received your complaint [PCP-2026-00042]", "Dear Jane,\n\n.\nA dot line.\n"),
                   kind=kind, from_addr=PANEL, to=list(to), reply_to=PANEL, message_id=message_id,
                   date=datetime(2026, 11, 23, 10, minute, tzinfo=timezone.utc), case_ref="PCP-2026-00042")


def test_delivers_the_exact_bytes_to_exactly_the_envelope(smtp_server, smtp_settings):
    raw = _message(to=("jane.doe@example.org", "officer.a@peterborough.gov.uk"))

    refused = SmtpTransport(smtp_settings).send(PANEL, ["jane.doe@example.org", "officer.a@peterborough.gov.uk"], raw)

    [sent] = smtp_server.wait_for(1)
    assert refused == {}
    assert sent.mail_from == PANEL
    assert sent.rcpt_tos == ("jane.doe@example.org", "officer.a@peterborough.gov.uk")
    assert sent.raw == raw, smtp_server.describe()
    assert sent.kind == "acknowledgement" and sent.case_ref == "PCP-2026-00042"
    assert smtp_server.by_kind(Kind.ACKNOWLEDGEMENT) == [sent]


def test_one_connection_serves_several_sends_inside_with(smtp_server, smtp_settings):
    with SmtpTransport(smtp_settings) as transport:
        transport.send(PANEL, ["jane.doe@example.org"], _message(nonce="a"))
        transport.send(PANEL, ["jane.doe@example.org"], _message(nonce="b"))

    first, second = smtp_server.wait_for(2)
    assert first.peer == second.peer


@pytest.mark.parametrize("at", ["RCPT", "DATA"])
def test_a_4xx_is_transient(smtp_server, smtp_settings, at):
    smtp_server.refuse_next(451, at=at)

    with pytest.raises(TransientSendError, match="451"):
        SmtpTransport(smtp_settings).send(PANEL, ["jane.doe@example.org"], _message())

    assert smtp_server.messages == []
    SmtpTransport(smtp_settings).send(PANEL, ["jane.doe@example.org"], _message())   # the retry goes through
    smtp_server.wait_for(1)


@pytest.mark.parametrize("at,code", [("RCPT", 550), ("DATA", 554)])
def test_a_5xx_is_permanent(smtp_server, smtp_settings, at, code):
    smtp_server.refuse_next(code, at=at)

    with pytest.raises(PermanentSendError, match=str(code)):
        SmtpTransport(smtp_settings).send(PANEL, ["jane.doe@example.org"], _message())

    assert smtp_server.messages == []


def test_every_recipient_refused_with_5xx_is_permanent_but_one_4xx_among_them_is_transient(smtp_server, smtp_settings):
    smtp_server.refuse_recipient("a@example.org", 550)
    smtp_server.refuse_recipient("b@example.org", 550)
    with pytest.raises(PermanentSendError):
        SmtpTransport(smtp_settings).send(PANEL, ["a@example.org", "b@example.org"], _message())

    smtp_server.refuse_recipient("b@example.org", 450)
    with pytest.raises(TransientSendError):
        SmtpTransport(smtp_settings).send(PANEL, ["a@example.org", "b@example.org"], _message())


def test_a_partly_refused_message_goes_to_the_rest(smtp_server, smtp_settings):
    smtp_server.refuse_recipient("gone@example.org", 550)

    refused = SmtpTransport(smtp_settings).send(PANEL, ["jane.doe@example.org", "gone@example.org"], _message())

    assert list(refused) == ["gone@example.org"] and refused["gone@example.org"][0] == 550
    [sent] = smtp_server.wait_for(1)
    assert sent.rcpt_tos == ("jane.doe@example.org",)


def test_a_closed_port_is_transient_and_quick():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings = SmtpSettings(host="127.0.0.1", port=closed_port, tls="none", timeout=5.0)

    started = time.monotonic()
    with pytest.raises(TransientSendError, match="cannot connect"):
        SmtpTransport(settings).send(PANEL, ["jane.doe@example.org"], _message())
    assert time.monotonic() - started < 2


def test_auth_when_the_server_requires_it(smtp_server, smtp_settings, monkeypatch):
    smtp_server.require_auth("mailbot", "pa55 word")
    monkeypatch.setenv("MAILBOT_TEST_SMTP_PASSWORD", "pa55 word")
    settings = SmtpSettings(host=smtp_settings.host, port=smtp_settings.port, tls="none", timeout=5.0,
                            username="mailbot", password=Secret(env="MAILBOT_TEST_SMTP_PASSWORD"))

    SmtpTransport(settings).send(PANEL, ["jane.doe@example.org"], _message())

    [sent] = smtp_server.wait_for(1)
    assert sent.login == "mailbot"


def test_without_credentials_or_with_wrong_ones_auth_failure_is_transient(smtp_server, smtp_settings, monkeypatch):
    """A login problem is the configuration's, not the message's: the message stays queued."""
    smtp_server.require_auth("mailbot", "right")

    with pytest.raises(TransientSendError):
        SmtpTransport(smtp_settings).send(PANEL, ["jane.doe@example.org"], _message())

    monkeypatch.setenv("MAILBOT_TEST_SMTP_PASSWORD", "wrong")
    settings = SmtpSettings(host=smtp_settings.host, port=smtp_settings.port, tls="none", timeout=5.0,
                            username="mailbot", password=Secret(env="MAILBOT_TEST_SMTP_PASSWORD"))
    with pytest.raises(TransientSendError, match="login"):
        SmtpTransport(settings).send(PANEL, ["jane.doe@example.org"], _message())
    assert smtp_server.messages == []


def test_a_stalled_data_is_observable_then_completes(smtp_server, smtp_settings):
    """GIVEN the server holds DATA open WHEN a send is under way THEN the test sees it enter, then release it."""
    stall = smtp_server.stall_data()
    outcome = {}

    def send():
        try:
            outcome["refused"] = SmtpTransport(smtp_settings).send(PANEL, ["jane.doe@example.org"], _message())
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            outcome["error"] = error

    sender = threading.Thread(target=send)
    sender.start()
    assert stall.entered.wait(10), "DATA never arrived"
    assert smtp_server.messages == [] and stall.message.kind == "acknowledgement"
    assert sender.is_alive()

    stall.release()
    sender.join(10)
    assert outcome == {"refused": {}}
    smtp_server.wait_for(1)


def test_a_send_times_out_as_transient(smtp_server):
    stall = smtp_server.stall_data()
    settings = SmtpSettings(host=smtp_server.host, port=smtp_server.port, tls="none", timeout=0.5)

    with pytest.raises(TransientSendError):
        SmtpTransport(settings).send(PANEL, ["jane.doe@example.org"], _message())
    assert stall.entered.is_set()
    assert stall.aborted.wait(5), "the server never saw the client go away"
    stall.release()
    assert smtp_server.messages == []


def test_wait_for_names_what_arrived_when_it_times_out(smtp_server, smtp_settings):
    SmtpTransport(smtp_settings).send(PANEL, ["jane.doe@example.org"], _message())

    with pytest.raises(AssertionError, match=r"(?s)expected 2 message\(s\).*acknowledgement from <democratic"):
        smtp_server.wait_for(2, timeout=0.5)


# -- the folder instead of a server -------------------------------------------------

def test_directory_transport_writes_the_bytes_and_the_envelope(tmp_path):
    raw = _message()

    DirectoryTransport(tmp_path / "sent").send(PANEL, ["jane.doe@example.org"], raw)

    [eml] = (tmp_path / "sent").glob("*.eml")
    assert eml.read_bytes() == raw
    assert eml.name.startswith("20261123T102000Z-acknowledgement-mb1.PCP-2026-00042.acknowledgement.n1.")
    envelope = json.loads(eml.with_name(eml.name[:-4] + ".envelope.json").read_text())
    assert envelope["from"] == PANEL and envelope["to"] == ["jane.doe@example.org"]
    assert envelope["kind"] == "acknowledgement" and envelope["message_id"].startswith("<mb1.")


def test_directory_transport_is_idempotent(tmp_path):
    transport = DirectoryTransport(tmp_path)

    transport.send(PANEL, ["jane.doe@example.org"], _message())
    transport.send(PANEL, ["jane.doe@example.org"], _message())
    assert len(list(tmp_path.iterdir())) == 2                  # one .eml and its .envelope.json

    transport.send(PANEL, ["officer.a@peterborough.gov.uk"], _message(kind=Kind.STAFF_NOTIFICATION, nonce="n2"))
    names = sorted(path.name for path in tmp_path.iterdir())
    assert len(names) == 4 and not any(name.startswith(".") for name in names)


# -- choosing and pacing -------------------------------------------------------------

def test_retry_delay_doubles_up_to_an_hour():
    assert [retry_delay(attempts) for attempts in (1, 2, 3, 4, 7, 8, 50)] == [
        timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4), timedelta(minutes=8),
        timedelta(hours=1), timedelta(hours=1), timedelta(hours=1)]


def test_make_transport_picks_by_settings(tmp_path):
    assert isinstance(make_transport(SmtpSettings(tls="none")), SmtpTransport)
    assert isinstance(make_transport(SmtpSettings(transport="directory", directory=tmp_path)), DirectoryTransport)
    with pytest.raises(ConfigError):
        make_transport(SmtpSettings(transport="directory"))
    with pytest.raises(ConfigError):
        make_transport(SmtpSettings(transport="carrier-pigeon"))


# -- TLS: STARTTLS and implicit TLS against a private CA -------------------------------

class _Collect:
    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


@pytest.fixture(scope="module")
def tls_servers(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, one STARTTLS server and one implicit-TLS server using it."""
    import shutil
    import ssl
    import subprocess

    from tests.servers.smtp import _Controller

    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    handler = _Collect()
    starttls = _Controller(handler, hostname="127.0.0.1", port=0, tls_context=context, require_starttls=True)
    implicit = _Controller(handler, hostname="127.0.0.1", port=0, ssl_context=context)
    starttls.start()
    implicit.start()
    try:
        yield {"starttls": starttls.port, "ssl": implicit.port, "ca_file": cert, "handler": handler}
    finally:
        starttls.stop()
        implicit.stop()


@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_tls_with_the_private_ca_trusted(tls_servers, mode):
    handler = tls_servers["handler"]
    handler.received.clear()
    settings = SmtpSettings(host="127.0.0.1", port=tls_servers[mode], tls=mode, timeout=5.0,
                            ca_file=tls_servers["ca_file"])
    raw = _message()

    SmtpTransport(settings).send(PANEL, ["jane.doe@example.org"], raw)

    assert handler.received == [(PANEL, ["jane.doe@example.org"], raw)]


@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_tls_to_an_untrusted_certificate_is_transient(tls_servers, mode):
    settings = SmtpSettings(host="127.0.0.1", port=tls_servers[mode], tls=mode, timeout=5.0)

    with pytest.raises(TransientSendError, match="(?i)certificate"):
        SmtpTransport(settings).send(PANEL, ["jane.doe@example.org"], _message())
