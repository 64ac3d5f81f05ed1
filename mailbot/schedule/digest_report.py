"""What a mailbox's daily digest says, read from the record: cases open, deadlines due and overdue, answers held back.

The report is the same for every reader; `as_context(reader)` makes the
`digest` value a template is given (templates/README.md), with the lists
cut to `LISTED` entries each and the reader's own cases marked. A sender's
words reach it only as a one-line label: the complaint's subject and the
complainant's address, cut and stripped of control and format characters.
"""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from mailbot.addresses import normalised
from mailbot.clock import LONDON
from mailbot.db.models import Case, Event
from mailbot.workdays import Calendar, deadline_passed

OPEN_STATUSES = ("open", "awaiting-details")
# The complainant's 28 days to ask for a review: nothing staff must do by then, so never "overdue" to them.
NOT_STAFF_DEADLINES = frozenset({"review-window"})
HELD_BACK = "held-back"    # the event cases.apply records for a letter the cap on automatic answers held back
LISTED = 100               # entries listed per section; the rest are counted ("and 3 more")
_SHOWN = 200               # characters of a sender's subject or address shown
# What each deadline means, in words for staff; any other kind is shown with its hyphens as spaces.
LABELS = {"first-contact": "first contact with the complainant", "service-recovery": "service recovery"}


@dataclass(frozen=True)
class CaseLine:
    """One case still open or awaiting details."""

    ref: str
    status: str
    email: str
    subject: str
    received_at: datetime
    assigned: str
    due: date | None          # its earliest unmet deadline, if any


@dataclass(frozen=True)
class DeadlineLine:
    """One unmet deadline of a case still open or awaiting details."""

    ref: str
    kind: str
    label: str
    due: date
    assigned: str


@dataclass(frozen=True)
class HeldBackLine:
    """One automatic answer the cap held back (or a case-update to staff held back), from the case's log."""

    ref: str
    at: datetime
    reason: str


@dataclass(frozen=True)
class DigestReport:
    """Everything one mailbox's digest says on `day`; `held_back_total` counts beyond the ones read."""

    day: date
    next_day: date
    since: datetime
    cases: tuple[CaseLine, ...]
    overdue: tuple[DeadlineLine, ...]
    due_today: tuple[DeadlineLine, ...]
    due_next: tuple[DeadlineLine, ...]
    held_back: tuple[HeldBackLine, ...]
    held_back_total: int

    @property
    def empty(self) -> bool:
        """Nothing to report: no case open or awaiting details, and no answer held back."""
        return not self.cases and not self.held_back_total

    def as_context(self, reader: str = "") -> dict:
        """The `digest` value of the template for `reader` (a staff address): `mine` marks their cases."""
        reader = normalised(reader) if reader else ""

        def listed(lines: tuple[CaseLine | DeadlineLine, ...]) -> list[dict]:
            return [{**asdict(line), "mine": bool(reader and line.assigned) and normalised(line.assigned) == reader}
                    for line in lines[:LISTED]]

        return {
            "day": self.day, "next_day": self.next_day, "since": self.since,
            "cases": listed(self.cases), "overdue": listed(self.overdue), "due_today": listed(self.due_today),
            "due_next": listed(self.due_next), "held_back": [asdict(line) for line in self.held_back[:LISTED]],
            "counts": {"open": sum(line.status == "open" for line in self.cases),
                       "awaiting_details": sum(line.status == "awaiting-details" for line in self.cases),
                       "cases": len(self.cases), "overdue": len(self.overdue), "due_today": len(self.due_today),
                       "due_next": len(self.due_next), "held_back": self.held_back_total},
        }


def opening(calendar: Calendar, day: date) -> datetime:
    """When the office opens on `day`, an aware London time."""
    return datetime.combine(day, calendar.hours.opens, tzinfo=LONDON)


def read_report(session: Session, mailbox: str, calendar: Calendar, now: datetime) -> DigestReport:
    """What the digest of `mailbox` says at `now` (a working day of `calendar`).

    Due today: the last day is today; due next: by the end of the next
    working day (a deadline on a weekend in between counts as next);
    overdue: the last day has ended (`deadline_passed`). Answers held back
    since the previous working day's opening, so that nothing falls
    between two digests.
    """
    day = now.astimezone(LONDON).date()
    next_day = calendar.next_working_day(day)
    since = opening(calendar, calendar.previous_working_day(day))
    cases = session.scalars(select(Case).where(Case.mailbox == mailbox, Case.status.in_(OPEN_STATUSES))
                            .options(selectinload(Case.deadlines)).order_by(Case.received_at, Case.id)).all()
    lines, overdue, due_today, due_next = [], [], [], []
    for case in cases:
        unmet = sorted((deadline for deadline in case.deadlines
                        if deadline.met_at is None and deadline.kind not in NOT_STAFF_DEADLINES),
                       key=lambda deadline: (deadline.due, deadline.kind))
        lines.append(CaseLine(ref=case.ref, status=case.status, email=one_line(case.complainant_email),
                              subject=one_line(case.subject), received_at=case.received_at,
                              assigned=one_line(case.assigned), due=unmet[0].due if unmet else None))
        for deadline in unmet:
            line = DeadlineLine(ref=case.ref, kind=deadline.kind, due=deadline.due, assigned=one_line(case.assigned),
                                label=LABELS.get(deadline.kind, deadline.kind.replace("-", " ")))
            if deadline_passed(deadline.due, now):
                overdue.append(line)
            elif deadline.due == day:
                due_today.append(line)
            elif deadline.due <= next_day:
                due_next.append(line)
    held_back = (select(Event.at, Event.reason, Case.ref).join(Case, Event.case_id == Case.id)
                 .where(Case.mailbox == mailbox, Event.action == HELD_BACK, Event.at >= since, Event.at <= now))
    total = session.scalar(select(func.count()).select_from(held_back.subquery()))
    held = [HeldBackLine(ref=ref, at=at, reason=one_line(reason))
            for at, reason, ref in session.execute(held_back.order_by(Event.at, Event.id).limit(LISTED))]
    by_due = lambda line: (line.due, line.ref)   # noqa: E731 - the one order of every deadline section
    return DigestReport(day=day, next_day=next_day, since=since, cases=tuple(lines),
                        overdue=tuple(sorted(overdue, key=by_due)), due_today=tuple(sorted(due_today, key=by_due)),
                        due_next=tuple(sorted(due_next, key=by_due)), held_back=tuple(held),
                        held_back_total=total or 0)


def one_line(text: str, limit: int = _SHOWN) -> str:
    """`text` as one line of at most `limit` characters: no control or format characters (no line breaks,
    no bidirectional overrides), runs of spaces made one. A sender wrote it; only a bounded part is read."""
    head = str(text or "")[:limit * 4]
    kept = "".join(" " if unicodedata.category(char).startswith(("C", "Z")) else char for char in head)
    words = " ".join(kept.split())
    return words if len(words) <= limit else words[:limit - 1].rstrip() + "…"
