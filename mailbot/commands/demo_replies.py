"""The demo's second act: people answer what mailbot sent them, as their mail client would, and the case moves."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import click
from sqlalchemy import select

from mailbot.db.models import Case, InboundMessage, OutboxMessage
from mailbot.intake.maildir import deliver_to_maildir
from mailbot.intake.record import dedup_key


def play_replies(app, root: Path, samples: Path, replies: list[dict], run) -> None:
    """Each reply answers the latest letter of its kind that reached its sender on the case of a sample."""
    for reply in replies:
        with app.sessions() as session:
            case = _case_of(session, (samples / "mail" / reply["case_of"]).read_bytes())
            letter = case and session.scalars(
                select(OutboxMessage).where(OutboxMessage.case_id == case.id, OutboxMessage.kind == reply["to_kind"])
                .order_by(OutboxMessage.id.desc())).first()
            if letter is None:
                click.echo(f"\nno {reply['to_kind']} to answer for {reply['case_of']}")
                continue
            ref, raw, mailbox = case.ref, letter.raw, case.mailbox
            before = session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()))
        deliver_to_maildir(root / "Maildir" / mailbox, answer(raw, reply["from"], reply["body"]), at=app.clock.now())
        run(app)
        first_line = reply["body"].strip().splitlines()[0]
        click.echo(f"\n{reply['from']} answers the {reply['to_kind']} of {ref}: {first_line!r}")
        with app.sessions() as session:
            case = session.scalar(select(Case).where(Case.ref == ref))
            click.echo(f"  case {ref}: {case.status}")
            for row in session.scalars(select(OutboxMessage).where(OutboxMessage.id > before)):
                click.echo(f"  sent {row.kind} to {', '.join(row.recipients)} ({row.status})")


def answer(raw: bytes, sender: str, body: str) -> bytes:
    """A reply as Outlook writes one: to the Reply-To (or From), Re: subject, threaded, the original quoted."""
    original = message_from_bytes(raw, policy=policy.default)
    reply = EmailMessage()
    reply["From"] = sender
    reply["To"] = " ".join(str(original["Reply-To"] or original["From"]).split())
    reply["Subject"] = "Re: " + " ".join(str(original["Subject"]).split())
    message_id = "".join(str(original["Message-ID"]).split())
    reply["In-Reply-To"], reply["References"] = message_id, message_id
    reply["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    text = original.get_body(("plain",))
    quoted = "\n".join("> " + line for line in (text.get_content() if text else "").splitlines())
    reply.set_content(f"{body.rstrip()}\n\n{quoted}\n")
    return reply.as_bytes()


def _case_of(session, raw: bytes) -> Case | None:
    inbound = session.scalar(select(InboundMessage).where(InboundMessage.dedup_key == dedup_key(raw)))
    return session.get(Case, inbound.case_id) if inbound is not None and inbound.case_id else None
