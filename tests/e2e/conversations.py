"""Helpers for the conversation tests: a case at the Commissioner's office, and people answering what they got.

A reply is written as a mail client writes it (the corpus `reply` step's
`compose_reply`): From the replier, To the answered message's Reply-To
(else From) exactly, `Re:` subject, In-Reply-To and References to it, the
text and then the original quoted with "> ". It is APPENDed to the watched
mailbox its To reaches, with the INTERNALDATE given. Every pass runs with
`--now`; nothing sleeps.
"""

from __future__ import annotations

import hashlib
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from mailbot.clock import parse_instant
from mailbot.db.models import InboundMessage, OutboxMessage
from tests.installation import CORPUS, DEPLOYMENTS, make_installation
from tests.scenarios.runner import bare_address, compose_reply

PCC = "cambs-pcc"
PCC_ADDRESS = "cambs-pcc@cambs.pnn.police.uk"
PANEL_OFFICER = "officer.a@peterborough.gov.uk"
PSD_ADDRESS = "psd@cambs.pnn.police.uk"
CAROL = "ceo.office@cambs.pnn.police.uk"              # staff of cambs-pcc
OMAR = "complaints.officer@cambs.pnn.police.uk"       # staff of cambs-pcc too
ELEANOR = "eleanor.pritchard@example.org"             # p07's complainant
ELEANOR_COMPLAINT_ID = "<000c01db3f7a$5e1b2a40$1a517ec0$@example.org>"

# Text only the staff notification has: none of it may reach the complainant in a relayed reply.
NOTIFICATION_ONLY = ("The complaint as received", "Why it was treated this way", "First contact due",
                     "#transfer BODY", "This notification was sent automatically")


def pcc_installation(tmp_path, dovecot, smtp_server):
    """A cambridgeshire installation whose Commissioner's office has two named staff, Carol and Omar."""
    return make_installation(tmp_path, dovecot, smtp_server, f"sqlite:///{tmp_path / 'mailbot.db'}",
                             staff={PCC: [f"Carol Evans <{CAROL}>", f"Omar Shah <{OMAR}>"]})


# --- passes ----------------------------------------------------------------------

def run(installation, now: str, *, digests: bool = False) -> list:
    """One `run --once --now NOW`; the messages it sent (every one the outbox marked sent has arrived).

    The morning digest is left out unless asked for, as the corpus scenarios leave it out.
    """
    before = len(installation.smtp.messages)
    result = installation.run(now)
    assert result.exit_code == 0, result.stderr
    installation.smtp.wait_for(count(installation, OutboxMessage, OutboxMessage.status == "sent"))
    return [message for message in installation.smtp.messages[before:] if digests or message.kind != "digest"]


def kinds_to(messages) -> list[tuple[str, str]]:
    """(kind, recipients) of each message, sorted: what a pass sent, at a glance."""
    return sorted((message.kind, ", ".join(sorted(message.rcpt_tos))) for message in messages)


def open_case(installation) -> dict:
    """p07 delivered to the Commissioner's office on Thu 26 Nov 2026 and a pass run; the case it opened."""
    installation.deliver(PCC, "p07-pcc-chief-constable-radio.eml", at="2026-11-26T10:45:00+00:00")
    run(installation, "2026-11-26T10:50:00+00:00")
    [case] = installation.export()
    return case


def case_now(installation, ref: str) -> dict:
    [case] = [case for case in installation.export() if case["ref"] == ref]
    return case


def deadline(case: dict, kind: str) -> dict | None:
    return next((item for item in case["deadlines"] if item["kind"] == kind), None)


# --- the record --------------------------------------------------------------------

def count(installation, model, *where) -> int:
    return len(_rows(installation, select(model.id).where(*where)))


def _rows(installation, query) -> list:
    engine = create_engine(f"sqlite:///{installation.root / 'mailbot.db'}")
    try:
        with Session(engine) as session:
            return list(session.scalars(query))
    finally:
        engine.dispose()


def outbox_size(installation) -> int:
    """How many letters were ever queued (sent or not), the morning digest aside: 'nothing sent' means
    this did not grow."""
    return count(installation, OutboxMessage, OutboxMessage.kind != "digest")


def inbound_statuses(installation) -> list[str]:
    return _rows(installation, select(InboundMessage.status).order_by(InboundMessage.id))


# --- what people send ----------------------------------------------------------------

def latest(installation, kind: str, to: str):
    """The latest captured message of `kind` that reached `to`."""
    found = [message for message in installation.smtp.by_kind(kind) if to.lower() in
             (rcpt.lower() for rcpt in message.rcpt_tos)]
    assert found, f"no {kind} reached {to}:\n{installation.smtp.describe()}"
    return found[-1]


def reply(installation, original, *, sender: str, body: str, at: str, headers: dict | None = None) -> EmailMessage:
    """`sender` answers `original` as a mail client would; `headers` replace (or, None, remove) some of its headers.

    It is delivered, received at `at`, to the watched mailbox its To reaches; the reply is returned.
    """
    when = parse_instant(at)
    # Like a mail server's own ids: unique, and naming no one (the staff address must not leak through it).
    unique = hashlib.sha256(f"{sender} {at} {body}".encode()).hexdigest()[:20].upper()
    raw = compose_reply(original, sender=sender, body=body, at=when,
                        message_id=f"<{when:%Y%m%d%H%M%S}.{unique}@{sender.rpartition('@')[2]}>")
    message = BytesParser(policy=policy.SMTP.clone(max_line_length=998)).parsebytes(raw)
    for name, value in (headers or {}).items():
        del message[name]
        if value is not None:
            message[name] = value
    to = bare_address(message["To"])
    mailboxes = {address: name for name, (address, _) in DEPLOYMENTS["cambridgeshire"].items()}
    installation.deliver(mailboxes[to], message.as_bytes(), at=at)
    return message


def complaint(*, sender: str, subject: str, at: str, message_id: str, sender_name: str = "") -> bytes:
    """p26's complaint (the Chief Constable's remarks about cyclists) as if `sender` wrote it: new headers, no
    In-Reply-To."""
    original = BytesParser(policy=policy.default).parsebytes((CORPUS / "mail" / "p26-pcc-cc-rotary-remarks.eml")
                                                             .read_bytes())
    message = EmailMessage(policy=policy.SMTP.clone(max_line_length=998))
    message["From"] = f"{sender_name} <{sender}>" if sender_name else sender
    message["To"] = PCC_ADDRESS
    message["Subject"] = subject
    message["Date"] = format_datetime(parse_instant(at))
    message["Message-ID"] = message_id
    message.set_content(original.get_body(preferencelist=("plain",)).get_content())
    return message.as_bytes()


def altered(token: str) -> str:
    """`token` with its last character changed: what a forger or a mangling relay would make of it."""
    return token[:-1] + ("b" if token[-1] != "b" else "c")


def story_entries(text: str) -> list[str]:
    """`cases show`'s timeline, one string an entry (its first line and the indented lines under it)."""
    entries: list[str] = []
    for line in text.splitlines():
        if line.startswith("  20"):         # "  2026-11-26 10:50 GMT  actor  action..."
            entries.append(line)
        elif entries and line.startswith("      "):
            entries[-1] += "\n" + line
    return entries
