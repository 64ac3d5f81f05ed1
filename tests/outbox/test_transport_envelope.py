"""Envelopes a server may not take: non-ASCII addresses (SMTPUTF8 or not), unwritable ones, SIZE; private files."""

from __future__ import annotations

import os
import stat

import pytest

from mailbot.errors import PermanentSendError
from mailbot.outbox.transport import DirectoryTransport, SmtpTransport
from tests.outbox.test_transport import PANEL, _message

JANE = "jane.doe@example.org"
DOTTED = "jo·e@example.org"          # the middle dot of the issue: a valid RFC 6531 local part


def test_a_non_ascii_recipient_goes_out_with_smtputf8_where_the_server_offers_it(smtp_server, smtp_settings):
    refused = SmtpTransport(smtp_settings).send(PANEL, [DOTTED, JANE], _message(to=(DOTTED, JANE)))

    [sent] = smtp_server.wait_for(1)
    assert refused == {}
    assert sent.rcpt_tos == (DOTTED, JANE)
    assert "SMTPUTF8" in sent.mail_options


def test_an_ascii_envelope_does_not_ask_for_smtputf8(smtp_server, smtp_settings):
    SmtpTransport(smtp_settings).send(PANEL, [JANE], _message())

    [sent] = smtp_server.wait_for(1)
    assert "SMTPUTF8" not in sent.mail_options


def test_without_smtputf8_only_the_non_ascii_recipient_is_refused(smtp_server, smtp_settings):
    smtp_server.offer_smtputf8(False)

    refused = SmtpTransport(smtp_settings).send(PANEL, [DOTTED, JANE], _message(to=(DOTTED, JANE)))

    [sent] = smtp_server.wait_for(1)
    assert sent.rcpt_tos == (JANE,)
    assert list(refused) == [DOTTED]
    code, reply = refused[DOTTED]
    assert code == 553 and b"5.6.7" in reply and b"SMTPUTF8" in reply


def test_without_smtputf8_a_message_with_no_other_recipient_fails_for_good(smtp_server, smtp_settings):
    smtp_server.offer_smtputf8(False)

    with pytest.raises(PermanentSendError, match="SMTPUTF8") as failure:
        SmtpTransport(smtp_settings).send(PANEL, [DOTTED], _message(to=(DOTTED,)))

    assert DOTTED in str(failure.value)
    assert smtp_server.messages == []


@pytest.mark.parametrize("address", ["evil@example.org>\r\nRCPT TO:<victim@example.org",
                                     "surrogate\udcff@example.org", "tab\there@example.org"])
def test_an_address_that_cannot_be_written_in_a_command_is_refused_alone(smtp_server, smtp_settings, address):
    refused = SmtpTransport(smtp_settings).send(PANEL, [address, JANE], _message())

    [sent] = smtp_server.wait_for(1)
    assert sent.rcpt_tos == (JANE,)                    # nothing injected, nobody else added
    assert list(refused) == [address] and refused[address][0] == 553


def test_a_held_connection_goes_on_after_a_refused_address(smtp_server, smtp_settings):
    smtp_server.offer_smtputf8(False)
    with SmtpTransport(smtp_settings) as transport:
        with pytest.raises(PermanentSendError):
            transport.send(PANEL, [DOTTED], _message(to=(DOTTED,), nonce="a"))
        transport.send(PANEL, [JANE], _message(nonce="b"))
        transport.send(PANEL, [JANE], _message(nonce="c"))

    assert len(smtp_server.wait_for(2)) == 2


def test_a_message_over_the_servers_size_fails_for_good_with_552(smtp_server, smtp_settings):
    raw = _message()
    smtp_server.limit_size(len(raw) - 1)

    with pytest.raises(PermanentSendError, match="552"):
        SmtpTransport(smtp_settings).send(PANEL, [JANE], raw)

    assert smtp_server.messages == []
    smtp_server.limit_size(2 * len(raw))
    SmtpTransport(smtp_settings).send(PANEL, [JANE], raw)   # within the limit: taken
    smtp_server.wait_for(1)


def test_the_folder_transport_refuses_only_an_unwritable_address(tmp_path):
    transport = DirectoryTransport(tmp_path)

    refused = transport.send(PANEL, [DOTTED, "bad\r\n@example.org"], _message(to=(DOTTED,)))

    assert list(refused) == ["bad\r\n@example.org"]
    [envelope] = tmp_path.glob("*.envelope.json")
    assert DOTTED in envelope.read_text(encoding="utf-8") and "bad" not in envelope.read_text(encoding="utf-8")
    with pytest.raises(PermanentSendError):
        transport.send(PANEL, ["bad\r\n@example.org"], _message(nonce="n2"))


@pytest.mark.parametrize("umask", [0o000, 0o022])
def test_the_folder_transport_writes_private_files_whatever_the_umask(tmp_path, umask):
    """Sent mail holds complainants' personal data: 0600 files in a 0700 folder, even under umask 000."""
    folder = tmp_path / "state" / "sent"
    previous = os.umask(umask)
    try:
        DirectoryTransport(folder).send(PANEL, [JANE], _message())
    finally:
        os.umask(previous)

    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = list(folder.iterdir())
    assert len(files) == 2
    assert {oct(stat.S_IMODE(path.stat().st_mode)) for path in files} == {oct(0o600)}
