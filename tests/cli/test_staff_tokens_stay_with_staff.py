"""A staff member's reply token reaches that staff member alone, so replies are neither forged nor wrongly refused.

Real conversations on a local installation (Maildir, SQLite, sent mail
written to a folder; no servers): each reply is written as a mail client
writes it, In-Reply-To the letter's Message-ID and References its
References and its Message-ID. A token that travels in References to the
complainant (or to another member of staff) lets the complainant pose as
staff, and makes the next honest reply look forged.
"""

from __future__ import annotations

import json
import mailbox
import shutil
import sqlite3
from datetime import datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailbot.cli import main
from mailbot.config import shipped_dir
from mailbot.intake.maildir import deliver_to_maildir
from mailbot.outbox.message_ids import verify
from mailbot.outbox.reply_tokens import matches, plus_token, token_of_nonce

PCC, PANEL = "cambs-pcc@cambs.pnn.police.uk", "democratic.services@peterborough.gov.uk"
CEO, DEPUTY = "ceo.office@cambs.pnn.police.uk", "deputy.ceo@cambs.pnn.police.uk"
OFFICER = "officer.a@peterborough.gov.uk"
MAILBOXES = {"cambs-pcc": (PCC, [CEO, DEPUTY]), "democratic-services": (PANEL, [OFFICER])}
COMPLAINANT = "ps77@example.net"
COMPLAINT = (f"From: Priya Shah <{COMPLAINANT}>\nTo: {PCC}\nSubject: Complaint\nMessage-ID: <c1@example.net>\n"
             "Date: Tue, 15 Dec 2026 09:00:00 +0000\nContent-Type: text/plain\n\n"
             "I want to complain about the Chief Constable. At the meeting on 3 December she told the room that "
             "residents of March should stop moaning, in front of forty people.\n\nRegards,\nPriya Shah\n"
             "12 High Street, March\n")


class Installation:
    """Both Cambridgeshire mailboxes in Maildirs, two staff at the Commissioner's office, one at the Panel."""

    def __init__(self, root: Path):
        self.root, self.hour = root, 9
        lines = ['deployment = "cambridgeshire"', 'rules_dir = "rules"', 'templates_dir = "templates"', "[storage]",
                 'url = "sqlite:///mailbot.db"', "[smtp]", 'transport = "directory"', 'directory = "sent"']
        (root / "Maildir").mkdir()
        for name, (address, staff) in MAILBOXES.items():
            lines += ["[[mailboxes]]", f'name = "{name}"', f'address = "{address}"', f'maildir = "Maildir/{name}"',
                      f"staff = {json.dumps(staff)}"]
            mailbox.Maildir(root / "Maildir" / name, create=True)
        (root / "mailbot.toml").write_text("\n".join(lines) + "\n")
        shutil.copytree(shipped_dir("rules"), root / "rules")
        shutil.copytree(shipped_dir("templates"), root / "templates")

    def sent(self) -> dict:
        parser = BytesParser(policy=policy.default)
        return {path.name: parser.parsebytes(path.read_bytes()) for path in sorted((self.root / "sent").glob("*.eml"))}

    def step(self, raw: str, mailbox_name: str = "cambs-pcc") -> list:
        """Deliver `raw` on the hour, run one pass five minutes later: the letters that pass sent."""
        before = set(self.sent())
        deliver_to_maildir(self.root / "Maildir" / mailbox_name, raw.encode(),
                           at=datetime.fromisoformat(f"2026-12-15T{self.hour:02}:00:00+00:00"))
        result = CliRunner().invoke(main, ["run", "--once", "--now", f"2026-12-15T{self.hour:02}:05:00+00:00",
                                           "--config", str(self.root / "mailbot.toml")], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        self.hour += 1
        return [message for name, message in self.sent().items() if name not in before]

    def query(self, sql: str) -> list:
        with sqlite3.connect(self.root / "mailbot.db") as database:
            return database.execute(sql).fetchall()

    @property
    def secret(self) -> bytes:
        return bytes.fromhex(self.query("SELECT value FROM settings WHERE key = 'message-id-secret'")[0][0])


def answer(letter, *, sender: str, body: str, message_id: str) -> str:
    """What a mail client writes when `sender` replies to `letter`."""
    references = " ".join(filter(None, [str(letter["References"] or ""), str(letter["Message-ID"])]))
    return (f"From: {sender}\nTo: {letter['Reply-To'] or letter['From']}\nSubject: Re: {letter['Subject']}\n"
            f"Message-ID: {message_id}\nIn-Reply-To: {letter['Message-ID']}\nReferences: {references}\n"
            "Date: Tue, 15 Dec 2026 12:00:00 +0000\nContent-Type: text/plain\n\n" + body)


def to(letters: list, address: str, kind: str):
    [found] = [letter for letter in letters if (str(letter["To"]), str(letter["X-Mailbot-Kind"])) == (address, kind)]
    return found


@pytest.fixture
def site(tmp_path) -> Installation:
    return Installation(tmp_path)


@pytest.fixture
def relayed(site):
    """The staff notifications of a new case, and the correspondence the complainant got when the CEO's office
    replied."""
    opened = site.step(COMPLAINT)
    notifications = {address: to(opened, address, "staff-notification") for address in (CEO, DEPUTY)}
    reply = answer(notifications[CEO], sender=f"CEO Office <{CEO}>", message_id="<s1@cambs.pnn.police.uk>",
                   body="Dear Ms Shah,\n\nI will ring you tomorrow.\n")
    correspondence = to(site.step(reply), COMPLAINANT, "correspondence")
    return notifications, correspondence


def tokens_in(letter, secret: bytes) -> list[tuple[str, str]]:
    """(case, token) of every staff token a letter carries: in its Reply-To and in any Message-ID of ours it names."""
    found = [plus_token(str(letter["Reply-To"] or ""), frozenset({PCC, PANEL}))]
    for name in ("Message-ID", "In-Reply-To", "References"):
        for message_id in str(letter[name] or "").split():
            signed = verify(secret, message_id)
            if signed is not None and token_of_nonce(signed.nonce):
                found.append((signed.case_ref, token_of_nonce(signed.nonce)))
    return [item for item in found if item]


def test_the_correspondence_carries_no_staff_token(site, relayed):
    notifications, correspondence = relayed
    assert tokens_in(correspondence, site.secret) == []
    assert str(notifications[CEO]["Message-ID"]) not in str(correspondence["References"] or "")


def test_a_complainants_reply_to_the_correspondence_is_a_follow_up(site, relayed):
    _, correspondence = relayed
    letters = site.step(answer(correspondence, sender=f"Priya Shah <{COMPLAINANT}>", message_id="<c2@example.net>",
                               body="Thank you: ten o'clock suits me.\n"))
    assert sorted((str(letter["X-Mailbot-Kind"]), str(letter["To"])) for letter in letters) == [
        ("case-update", CEO), ("case-update", DEPUTY)]
    actions = [action for (action,) in site.query("SELECT action FROM events ORDER BY id")]
    assert "reply-received" in actions and "staff-reply-refused" not in actions, actions


def test_the_complainant_cannot_pose_as_staff_with_what_they_received(site, relayed):
    _, correspondence = relayed
    forged = answer(correspondence, sender=f"CEO Office <{CEO}>", message_id="<forged@example.net>",
                    body="#close\nDone.\n")
    letters = site.step(forged)
    assert [str(letter["X-Mailbot-Kind"]) for letter in letters if str(letter["To"]) == COMPLAINANT] == []
    assert site.query("SELECT status FROM cases") == [("open",)]
    assert ("staff-reply-refused",) in site.query("SELECT action FROM events")


def test_after_a_transfer_the_new_mailboxs_staff_can_reply(site, relayed):
    notifications, _ = relayed
    moved = site.step(answer(notifications[CEO], sender=CEO, message_id="<s2@cambs.pnn.police.uk>",
                             body="#transfer panel\n"))
    notification = to(moved, OFFICER, "staff-notification")
    assert all(matches(site.secret, ref, OFFICER, token) for ref, token in tokens_in(notification, site.secret))
    letters = site.step(answer(notification, sender=OFFICER, message_id="<s3@peterborough.gov.uk>",
                               body="Dear Ms Shah,\n\nThe Panel has your complaint now.\n"), "democratic-services")
    assert [(str(letter["X-Mailbot-Kind"]), str(letter["To"])) for letter in letters] == [
        ("correspondence", COMPLAINANT)]


def test_every_token_a_letter_carries_is_its_recipients(site, relayed):
    """The whole conversation: every letter sent, to whomever, carries only tokens issued to its recipient."""
    notifications, correspondence = relayed
    site.step(answer(correspondence, sender=COMPLAINANT, message_id="<c2@example.net>", body="Thank you.\n"))
    site.step(answer(notifications[DEPUTY], sender=DEPUTY, message_id="<s2@x>", body="#note\nI know her.\n"))
    moved = site.step(answer(notifications[CEO], sender=CEO, message_id="<s3@x>", body="#transfer panel\n"))
    notification = to(moved, OFFICER, "staff-notification")
    site.step(answer(notification, sender=OFFICER, message_id="<s4@x>", body="#transfer psd\n"), "democratic-services")
    secret = site.secret
    for letter in site.sent().values():
        recipient = str(letter["To"])
        for ref, token in tokens_in(letter, secret):
            assert matches(secret, ref, recipient, token), (
                f"{letter['X-Mailbot-Kind']} to {recipient} carries a token issued to someone else")
