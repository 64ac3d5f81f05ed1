"""The append-only event log: every action on a message or case, by whom, and why."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from mailbot.db.models import Event

log = logging.getLogger("mailbot.events")


def record(session: Session, *, at: datetime, action: str, reason: str = "", actor: str = "mailbot",
           case_id: int | None = None, message_id: int | None = None, detail: dict | None = None) -> Event:
    """Add one event to the log in the caller's transaction (never updated or deleted afterwards)."""
    event = Event(at=at, action=action, reason=reason, actor=actor, case_id=case_id,
                  message_id=message_id, detail=detail or {})
    session.add(event)
    return event
