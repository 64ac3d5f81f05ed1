"""Program files never travel on in a redirect: which files count, and that everything else stays as it came."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from mailbot.outbox.program_files import without_programs


def complaint(*files: tuple[str, str, bytes]) -> bytes:
    message = EmailMessage()
    message["From"] = "Jane Doe <jane@example.org>"
    message["To"] = "democratic.services@peterborough.gov.uk"
    message["Subject"] = "Complaint about an officer"
    message.set_content("I want to complain about PC Smith.\n")
    for filename, content_type, data in files:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes(policy=policy.SMTP)


def filenames(raw: bytes) -> list[str]:
    return [part.get_filename() for part in message_from_bytes(raw, policy=policy.default).walk()
            if part.get_filename()]


@pytest.mark.parametrize("filename,content_type,data", [
    ("statement.exe", "application/octet-stream", b"anything"),
    ("invoice.pdf.scr", "application/pdf", b"anything"),
    ("run.BAT", "text/plain", b"echo"),
    ("trailing-dot.exe.", "application/octet-stream", b"anything"),
    ("evidence.docm", "application/octet-stream", b"PK\x03\x04"),
    ("photo.jpg", "image/jpeg", b"MZ\x90\x00\x03"),                  # a Windows program named like a photo
    ("notes", "application/x-msdownload", b"anything"),
    ("shortcut.lnk", "application/octet-stream", b"L\x00\x00\x00"),
])
def test_a_program_is_left_out_and_named(filename, content_type, data):
    raw = complaint(("ticket.pdf", "application/pdf", b"%PDF-1.4"), (filename, content_type, data))

    kept, withheld = without_programs(raw)

    assert [item.filename for item in withheld] == [filename]
    assert filenames(kept) == ["ticket.pdf"]
    text = message_from_bytes(kept, policy=policy.default).get_body(("plain",)).get_content()
    assert "PC Smith" in text


@pytest.mark.parametrize("filename,content_type", [
    ("ticket.pdf", "application/pdf"), ("letter.doc", "application/msword"), ("photos.zip", "application/zip"),
    ("statement.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
])
def test_ordinary_evidence_goes_unchanged_byte_for_byte(filename, content_type):
    raw = complaint((filename, content_type, b"%PDF or PK or whatever"))

    assert without_programs(raw) == (raw, ())


def test_mail_without_attachments_is_not_even_parsed_again():
    raw = b"From: a@example.org\r\nSubject: hi\r\n\r\nMZ is how this line starts.\r\n"

    assert without_programs(raw) == (raw, ())


def test_a_program_inside_an_attached_message_is_left_out_too():
    inner = complaint(("tool.exe", "application/octet-stream", b"MZ"))
    outer = EmailMessage()
    outer["From"] = "Standards and Ethics <standards.ethics@cleveland-police.example>"
    outer["Subject"] = "FW: complaint"
    outer.set_content("Forwarded for your attention.\n")
    outer.add_attachment(message_from_bytes(inner, policy=policy.default))
    raw = outer.as_bytes(policy=policy.SMTP)

    kept, withheld = without_programs(raw)

    assert [item.filename for item in withheld] == ["tool.exe"]
    assert b"tool.exe" in kept and filenames(kept) == []           # named in the note, no longer a file


def test_an_encoded_file_name_is_read_as_the_mail_program_shows_it():
    raw = complaint(("run.exe", "application/octet-stream", b"x")).replace(
        b'filename="run.exe"', b'filename="=?utf-8?b?cnVuLmV4ZQ==?="')

    _, withheld = without_programs(raw)

    assert [item.filename for item in withheld] == ["run.exe"]
