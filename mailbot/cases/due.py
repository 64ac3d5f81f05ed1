"""Cases with a deadline still unmet: those due on or before a day, and those whose deadline has passed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mailbot.clock import LONDON
from mailbot.db.models import Case, Deadline
from mailbot.workdays import deadline_passed


@dataclass(frozen=True)
class CaseDue:
    """A case and those of its unmet deadlines that were asked about, earliest first."""

    case: Case
    deadlines: tuple[Deadline, ...]


def unmet_deadlines(session: Session, *, due_by: date | None = None,
                    passed_at: datetime | None = None) -> list[CaseDue]:
    """Cases with an unmet deadline due on or before `due_by`, and/or passed at `passed_at`.

    A deadline passes at London midnight after its day (`workdays.deadline_passed`); the complainant's
    review window is not listed. The cases come
    in the order of their earliest such deadline, then of their opening.
    """
    last_days = [day for day in (due_by, passed_at.astimezone(LONDON).date() if passed_at else None) if day]
    # The review window is the complainant's time to ask for a review, not a deadline staff can miss.
    query = (select(Deadline).where(Deadline.met_at.is_(None), Deadline.kind != "review-window")
             .options(selectinload(Deadline.case).selectinload(Case.deadlines))
             .order_by(Deadline.due, Deadline.case_id, Deadline.id))
    if last_days:
        query = query.where(Deadline.due <= min(last_days))
    found: dict[int, list[Deadline]] = {}
    for deadline in session.scalars(query):
        if passed_at is None or deadline_passed(deadline.due, passed_at):
            found.setdefault(deadline.case_id, []).append(deadline)
    return [CaseDue(case=deadlines[0].case, deadlines=tuple(deadlines)) for deadlines in found.values()]
