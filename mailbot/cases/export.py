"""Cases as the JSON records of `cases export` (INTERFACE.md fixes the fields), and the queries behind them."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from mailbot.db.models import Case


def _utc(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat() if value else None


def case_record(case: Case) -> dict:
    """One case in the public export shape; times ISO 8601 in UTC."""
    return {
        "ref": case.ref,
        "mailbox": case.mailbox,
        "body": case.body,
        "status": case.status,
        "redirected_to": case.redirected_to,
        "complainant": {"name": case.complainant_name or None, "email": case.complainant_email or None},
        "anonymous": case.anonymous,
        "third_party": case.third_party,
        "review": case.review,
        "missing": list(case.missing or []),
        "flags": list(case.flags or []),
        "rules": list(case.rules or []),
        "subject": case.subject,
        "received_at": _utc(case.received_at),
        "opened_at": _utc(case.opened_at),
        "deadlines": [{"kind": deadline.kind, "due": deadline.due.isoformat(), "met_at": _utc(deadline.met_at)}
                      for deadline in case.deadlines],
    }


def all_cases(session: Session) -> list[Case]:
    return list(session.scalars(select(Case).options(selectinload(Case.deadlines)).order_by(Case.id)))


def find_case(session: Session, ref: str) -> Case | None:
    """The case whose reference is `ref` in any letter case (`opcc-2026-00001` finds OPCC-2026-00001)."""
    return session.scalar(select(Case).where(func.upper(Case.ref) == ref.strip().upper())
                          .options(selectinload(Case.deadlines)))
