"""What falls due for one case at a moment: pure, like triage, from values the record gives (`CaseClock`).

Each step is one letter (or a closure) with a cause of its own, sent once:

- `staff-reminder`: on the working day before an unmet deadline (or on
  the day itself when that day was missed), to the single point of
  contact or the staff;
- `escalation`: on the first working day after it passed unmet, to the
  staff and the managers;
- `progress-reminder`: an open case with no correspondence for N working days;
- `complainant-reminder`, then `closure-notice` and closure as not
  pursued: details asked for and not given after N, then M working days.

Letters go only on working days of the body's calendar, from the office's
opening time; `first_moment` says when a step first falls due, for the
daemon's wake-up. A step already queued or held back (`CaseClock.done`)
is not planned again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time

from mailbot.clock import LONDON
from mailbot.kinds import Kind
from mailbot.triage.decision import Action, CaseChange, Decision, Hit, Letter
from mailbot.triage.known import Known
from mailbot.triage.letters import complainant_letter, staff_letters
from mailbot.triage.ruleset import Body
from mailbot.workdays import Calendar

# The deadlines staff are reminded of: not the complainant's review window.
REMINDED = ("first-contact", "service-recovery")


@dataclass(frozen=True)
class DeadlineState:
    id: int
    kind: str
    due: date
    met: bool


@dataclass(frozen=True)
class CaseClock:
    """A case as the timers see it."""

    ref: str
    status: str
    mailbox: str
    body: str
    complainant_email: str
    assigned: str
    deadlines: tuple[DeadlineState, ...]
    opened_at: datetime
    quiet_since: datetime               # the last correspondence in or out (or the opening)
    details_asked_at: datetime | None   # when details were (last) asked for, for a case awaiting them
    done: frozenset[str]                # causes already queued or held back


@dataclass(frozen=True)
class Step:
    """One timed step: its cause (the outbox key's), when it first falls due, and the letters it sends."""

    cause: str
    due_from: datetime
    why: str


def steps(case: CaseClock, body: Body, *, done_too: bool = False) -> list[tuple[Step, str]]:
    """Every timed step of the case with the kind of letter it sends, due or not yet, not done already
    (`done_too`: those as well)."""
    calendar = body.calendar
    found: list[tuple[Step, str]] = []
    for deadline in case.deadlines:
        if deadline.met or deadline.kind not in REMINDED or case.status not in ("open", "awaiting-details"):
            continue
        before = calendar.previous_working_day(deadline.due)
        found.append((Step(f"deadline-{deadline.id}-reminder", _opening(calendar, before),
                           f"{deadline.kind} is due by the end of {deadline.due:%A %-d %B %Y} and is not met"),
                      Kind.STAFF_REMINDER.value))
        found.append((Step(f"deadline-{deadline.id}-escalation",
                           _opening(calendar, calendar.next_working_day(deadline.due)),
                           f"{deadline.kind} was due by the end of {deadline.due:%A %-d %B %Y} and was not met"),
                      Kind.ESCALATION.value))
    quiet = case.quiet_since.astimezone(LONDON).date()
    if case.status == "open" and body.progress_reminder_working_days:
        day = calendar.add_working_days(quiet, body.progress_reminder_working_days)
        found.append((Step(f"progress-{quiet.isoformat()}", _opening(calendar, day),
                           f"no correspondence since {quiet:%A %-d %B %Y}"), Kind.PROGRESS_REMINDER.value))
    if case.status == "awaiting-details" and case.details_asked_at is not None:
        asked = case.details_asked_at.astimezone(LONDON).date()
        for days, cause, kind in ((body.details_reminder_working_days, "details-reminder", Kind.COMPLAINANT_REMINDER),
                                  (body.details_close_working_days, "details-closed", Kind.CLOSURE_NOTICE)):
            if days:
                day = calendar.add_working_days(asked, days)
                found.append((Step(f"{cause}-{asked.isoformat()}", _opening(calendar, day),
                                   f"details asked for on {asked:%A %-d %B %Y} have not come"), kind.value))
    # Nothing is due before the first working day after the case opened: the staff notification said what
    # was due (mail from a backlog may open with a deadline already passed), and a reminder then is noise.
    start = _opening(calendar, calendar.next_working_day(case.opened_at.astimezone(LONDON).date()))
    return [(replace(step, due_from=max(step.due_from, start)), kind) for step, kind in found
            if done_too or step.cause not in case.done]


def plan(case: CaseClock, body: Body, known: Known, now: datetime) -> Decision | None:
    """The decision for everything due on `case` at `now`; None when nothing is."""
    calendar = body.calendar
    local = now.astimezone(LONDON)
    if not calendar.is_working_day(local.date()):
        return None
    due = [(step, kind) for step, kind in steps(case, body, done_too=True) if step.due_from <= now]
    # A reminder the escalation has overtaken (the daemon was down) is never sent late.
    escalated = {step.cause.rsplit("-", 1)[0] for step, kind in due if kind == Kind.ESCALATION.value}
    due = [(step, kind) for step, kind in due if step.cause not in case.done and not (
        kind == Kind.STAFF_REMINDER.value and step.cause.rsplit("-", 1)[0] in escalated)]
    if not due:
        return None
    mailbox = known.mailbox(case.mailbox)
    letters, hits, status, events = [], [], None, []
    for step, kind in due:
        hits.append(Hit(kind, step.why, kind="fact"))
        if kind == Kind.ESCALATION.value:
            people = (*(mailbox.staff if mailbox else ()), *(mailbox.managers if mailbox else ()))
            letters += _each(staff_letters(Kind.ESCALATION, mailbox), step.cause, extra=people)
        elif kind in (Kind.STAFF_REMINDER.value, Kind.PROGRESS_REMINDER.value):
            letters += _each(staff_letters(Kind(kind), mailbox, assigned=case.assigned), step.cause)
        elif kind == Kind.COMPLAINANT_REMINDER.value:
            letters.append(_about(complainant_letter(Kind.COMPLAINANT_REMINDER, case.complainant_email, known),
                                  step.cause))
        else:   # the wait is over: closed as not pursued, and the complainant told
            status = "closed"
            events.append(("closed-not-pursued", step.why))
            letters.append(_about(complainant_letter(Kind.CLOSURE_NOTICE, case.complainant_email, known), step.cause))
            letters += _each(staff_letters(Kind.CASE_UPDATE, mailbox, assigned=case.assigned), step.cause)
    return Decision(action=Action.TIMER, body=case.body, mailbox=case.mailbox, hits=tuple(hits),
                    grounds=tuple(hits),
                    complainant_email=case.complainant_email, letters=tuple(letters),
                    change=CaseChange(case_ref=case.ref, status=status, events=tuple(events)),
                    trace=tuple(f"{hit.rule}: {hit.reason}" for hit in hits))


def first_moment(cases: list[tuple[CaseClock, Body]], now: datetime) -> datetime | None:
    """The earliest moment after `now` at which a step of these cases falls due."""
    moments = [step.due_from for case, body in cases for step, _ in steps(case, body) if step.due_from > now]
    return min(moments, default=None)


def _opening(calendar: Calendar, day: date) -> datetime:
    return datetime.combine(day, calendar.hours.opens or time(9), tzinfo=LONDON)


def _about(letter: Letter, cause: str) -> Letter:
    return replace(letter, about=cause)


def _each(letters: tuple[Letter, ...], cause: str, *, extra: tuple[str, ...] = ()) -> list[Letter]:
    """`letters` marked with their cause, plus one to each address of `extra` not among them."""
    marked = [replace(letter, about=cause) for letter in letters]
    have = {letter.to for letter in marked}
    return marked + [replace(marked[0], to=address, held_back="", about=cause)
                     for address in dict.fromkeys(extra) if address not in have] if marked else marked
