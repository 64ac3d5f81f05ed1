"""The append-only event log: every action on a message or case, by whom, and why."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from mailbot.db.models import Event

log = logging.getLogger("mailbot.events")
_INSERT = insert(Event.__table__)


def record(session: Session, *, at: datetime, action: str, reason: str = "", actor: str = "mailbot",
           case_id: int | None = None, message_id: int | None = None, detail: dict | None = None) -> None:
    """Add one event to the log in the caller's transaction (never updated or deleted afterwards).

    A Core INSERT, written at once (a later query in the transaction sees
    it, as autoflush made it before): the ORM's unit of work cost more than
    the statement, and a backlog writes several events per message. The
    case and message it names are rows already (their ids come from a flush).
    """
    session.execute(_INSERT, {"at": at, "action": action, "reason": reason, "actor": actor, "case_id": case_id,
                              "message_id": message_id, "detail": detail or {}})
