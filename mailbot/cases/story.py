"""One case's whole story from the record: its header, the mail in and out, and one timeline of what happened.

The timeline is the event log of the case (and of the messages that belong
to it), merged with the facts the other tables hold: when each message
arrived, and any queueing or sending the log does not mention. Every event
is shown the same generic way (time, actor, action, reason, detail), so a new
kind of event needs no change here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, defer

from mailbot.cases.export import case_record, find_case
from mailbot.db.models import Event, InboundMessage, OutboxMessage

# Where a timeline line comes from; ties at one instant keep this order.
FROM_INBOUND, FROM_EVENT, FROM_OUTBOX = "inbound", "event", "outbox"
_RANK = {FROM_INBOUND: 0, FROM_EVENT: 1, FROM_OUTBOX: 2}


@dataclass(frozen=True)
class StoryLine:
    """One thing that happened: when, who did it, what, and why (with the event's detail, as recorded)."""

    at: datetime
    actor: str
    what: str
    why: str = ""
    detail: dict = field(default_factory=dict)
    source: str = FROM_EVENT
    message: int | None = None     # the inbound message it concerns (its row id), if any
    order: int = 0                 # the row id within its source: events are append-only, so id breaks ties


@dataclass(frozen=True)
class MailIn:
    """One inbound message of the case, as received (its bytes are not read)."""

    id: int
    message_id: str
    mailbox: str
    received_at: datetime
    status: str
    error: str = ""


@dataclass(frozen=True)
class MailOut:
    """One outbox row of the case, in its present state."""

    id: int
    kind: str
    recipients: tuple[str, ...]
    status: str
    created_at: datetime
    sent_at: datetime | None
    message_id: str
    attempts: int = 0
    last_error: str = ""


@dataclass(frozen=True)
class Story:
    """A case's record (the `cases export` fields), its mail in and out, and its timeline in order."""

    case: dict
    mail_in: tuple[MailIn, ...]
    mail_out: tuple[MailOut, ...]
    timeline: tuple[StoryLine, ...]


def case_story(session: Session, ref: str) -> Story | None:
    """The story of case `ref` (any letter case), or None when there is no such case."""
    case = find_case(session, ref)
    if case is None:
        return None
    inbound = list(session.scalars(select(InboundMessage).where(InboundMessage.case_id == case.id)
                                   .order_by(InboundMessage.received_at, InboundMessage.id)))
    mail_in = tuple(MailIn(row.id, row.message_id, row.mailbox, row.received_at, row.status, row.error or "")
                    for row in inbound)
    outbox = session.scalars(select(OutboxMessage).options(defer(OutboxMessage.raw))
                             .where(OutboxMessage.case_id == case.id)
                             .order_by(OutboxMessage.created_at, OutboxMessage.id))
    mail_out = tuple(MailOut(row.id, row.kind, tuple(row.recipients or ()), row.status, row.created_at, row.sent_at,
                             row.message_id, row.attempts or 0, row.last_error or "") for row in outbox)
    mentions = [Event.case_id == case.id]
    if mail_in:
        mentions.append(Event.message_id.in_([message.id for message in mail_in]))
    events = session.scalars(select(Event).where(or_(*mentions)).order_by(Event.at, Event.id))
    lines = [StoryLine(event.at, event.actor, event.action, event.reason or "", _as_detail(event.detail),
                       FROM_EVENT, event.message_id, event.id) for event in events]
    lines += [_arrival(message) for message in mail_in]
    lines += _unlogged_sending(mail_out, lines)
    lines.sort(key=lambda line: (line.at, _RANK[line.source], line.order))
    return Story(case_record(case), mail_in, mail_out, tuple(lines))


def _as_detail(recorded: object) -> dict:
    """An event's detail as a dict, whatever was recorded (any writer of events may add one)."""
    if isinstance(recorded, dict):
        return dict(recorded)
    return {} if recorded in (None, "", []) else {"detail": recorded}


def _arrival(message: MailIn) -> StoryLine:
    detail = {"message_id": message.message_id, "status": message.status}
    if message.error:
        detail["error"] = message.error
    return StoryLine(message.received_at, message.mailbox, "message-received", "", detail, FROM_INBOUND,
                     message.id, message.id)


def _unlogged_sending(mail_out: tuple[MailOut, ...], logged: list[StoryLine]) -> list[StoryLine]:
    """Queueing and sending the outbox records but the event log does not (rows older than their events)."""
    said = {(line.what, line.detail.get("message_id")) for line in logged}
    lines = []
    for row in mail_out:
        what = f"{row.kind} to {', '.join(row.recipients)}"
        detail = {"message_id": row.message_id}
        if ("mail-queued", row.message_id) not in said:
            lines.append(StoryLine(row.created_at, "mailbot", "mail-queued", what, detail, FROM_OUTBOX, None, row.id))
        if row.sent_at is not None and ("mail-sent", row.message_id) not in said:
            lines.append(StoryLine(row.sent_at, "mailbot", "mail-sent", what, detail, FROM_OUTBOX, None, row.id))
    return lines


def _utc(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat() if value else None


def story_json(story: Story) -> dict:
    """The story as `cases show --format json` prints it; times ISO 8601 in UTC, detail as recorded."""
    return {
        "case": story.case,
        "timeline": [{"at": _utc(line.at), "actor": line.actor, "action": line.what, "reason": line.why,
                      "detail": line.detail, "source": line.source, "inbound_message": line.message}
                     for line in story.timeline],
        "mail_in": [{"id": message.id, "message_id": message.message_id, "mailbox": message.mailbox,
                     "received_at": _utc(message.received_at), "status": message.status, "error": message.error}
                    for message in story.mail_in],
        "mail_out": [{"id": row.id, "kind": row.kind, "recipients": list(row.recipients), "status": row.status,
                      "created_at": _utc(row.created_at), "sent_at": _utc(row.sent_at), "message_id": row.message_id,
                      "attempts": row.attempts, "last_error": row.last_error}
                     for row in story.mail_out],
    }


def render_story(story: Story) -> str:
    """The story for a terminal: header, mail in and out, and the timeline (London time, with the date)."""
    # The wording lives in a module of its own, which imports this one's values: imported here, not above.
    from mailbot.cases.story_text import render

    return render(story)
