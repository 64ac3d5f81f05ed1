"""Automatic-mail signals, exactly as RFC 3834 and real mail systems mean them."""

from __future__ import annotations

import pytest

from mailbot.parse import parse_message


def mail(*headers: str, body: str = "Hello, I would like to complain.") -> bytes:
    """A plain message from a person, with these extra header lines."""
    lines = [
        "From: Jane Doe <jane.doe@example.org>",
        "To: democratic.services@peterborough.gov.uk",
        "Subject: A complaint",
        "Message-ID: <1@example.org>",
        *headers,
        "",
        body,
    ]
    return "\r\n".join(lines).encode()


def signals(*headers: str, **kwargs):
    return parse_message(mail(*headers, **kwargs)).automatic


def test_ordinary_mail_has_no_signal():
    assert not signals().any
    assert signals().reasons() == []


@pytest.mark.parametrize("value", ["no", "No", "NO", "no; owner=x", " no (a person wrote this)"])
def test_auto_submitted_no_is_a_person(value):
    found = signals(f"Auto-Submitted: {value}")

    assert found.auto_submitted == ""
    assert not found.any


@pytest.mark.parametrize(
    ("value", "keyword"),
    [
        ("auto-generated", "auto-generated"),
        ("auto-replied (vacation)", "auto-replied"),
        ("Auto-Replied; owner-email=\"x@example.org\"", "auto-replied"),
        ("auto-notified", "auto-notified"),
        ("(comment) auto-generated", "auto-generated"),
    ],
)
def test_auto_submitted_other_than_no_counts(value, keyword):
    found = signals(f"Auto-Submitted: {value}")

    assert found.auto_submitted == keyword
    assert found.any


@pytest.mark.parametrize("value", ["bulk", "list", "junk", "auto_reply", "Bulk"])
def test_bulk_precedence_counts(value):
    assert signals(f"Precedence: {value}").precedence == value.lower()


def test_other_precedence_does_not():
    assert not signals("Precedence: first-class").any


@pytest.mark.parametrize("value", ["All", "OOF", "DR, RN, NRN, OOF, AutoReply"])
def test_x_auto_response_suppress_is_not_recorded(value):
    """Outlook sets it on ordinary mail: it says what not to send back, not who wrote it."""
    assert not signals(f"X-Auto-Response-Suppress: {value}").any


@pytest.mark.parametrize("name", ["X-Autoreply", "X-Autorespond"])
def test_vacation_program_headers_are_recorded(name):
    assert signals(f"{name}: yes").auto_reply_headers == f"{name}: yes"


def test_list_id_is_the_list():
    found = signals("List-Id: Residents <residents.example.org>", "List-Post: <mailto:r@example.org>")

    assert found.list_id == "Residents <residents.example.org>"


@pytest.mark.parametrize("name", ["List-Unsubscribe", "List-Post"])
def test_list_headers_stand_in_for_a_missing_list_id(name):
    assert signals(f"{name}: <mailto:x@example.org>").list_id == f"{name}: <mailto:x@example.org>"


def test_null_return_path():
    found = signals("Return-Path: <>")

    assert found.null_return_path
    assert not signals("Return-Path: <jane.doe@example.org>").null_return_path


@pytest.mark.parametrize("local_part", ["MAILER-DAEMON", "postmaster"])
def test_mail_system_senders_are_delivery_reports(local_part):
    raw = mail().replace(b"jane.doe@example.org", f"{local_part}@mx.example.org".encode())

    assert parse_message(raw).automatic.delivery_report == f"sent by {local_part.lower()}@mx.example.org"


def test_our_own_kind_is_recorded():
    assert signals("X-Mailbot-Kind: acknowledgement").mailbot_kind == "acknowledgement"


def test_subject_alone_is_not_evidence():
    raw = mail().replace(b"Subject: A complaint", b"Subject: Out of Office: Auto reply")

    assert not parse_message(raw).automatic.any
