"""What falls due with time, run against the record: each case's timed steps planned (`due`) and written.

`run_timers(app, now)` queues everything due at `now` that has not gone
yet (each step once: its outbox key names the case, the kind and the
step), one transaction per case, and `next_due(app, now)` says when the
next step falls due, so the daemon sleeps until then. `mailbot run --once
--now T` runs it as the daemon would at T.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mailbot.cases.apply import apply_timed
from mailbot.db.models import Case, Event, InboundMessage, OutboxMessage
from mailbot.kinds import Kind
from mailbot.outbox.answer_cap import AnswersInWindow
from mailbot.parse.message import Message
from mailbot.schedule.digest import next_digest_at, queue_digests
from mailbot.schedule.due import CaseClock, DeadlineState, first_moment, plan
from mailbot.triage.known import Known

log = logging.getLogger("mailbot.schedule")
WAITING = ("open", "awaiting-details")   # the statuses time still runs for


def run_timers(app, now: datetime) -> int:
    """Queue every timed letter due at `now`, then the day's digests; how many cases and digests went."""
    with app.sessions() as session:
        refs = session.scalars(select(Case.ref).where(Case.status.in_(WAITING)).order_by(Case.id)).all()
    acted, answers = 0, AnswersInWindow(now)
    for ref in refs:
        try:
            acted += _run_case(app, ref, now, answers)
        except Exception:  # noqa: BLE001 - loop boundary: one case's trouble must not stop every other reminder
            log.exception("case %s: its timed steps could not be run; the next pass tries again", ref)
    with app.sessions() as session:
        queued = queue_digests(app, session, now)
        session.commit()
    return acted + queued


def next_due(app, now: datetime) -> datetime | None:
    """When the next timed step of any case, or the next digest, falls due after `now`; None when nothing waits."""
    with app.sessions() as session:
        cases = session.scalars(select(Case).where(Case.status.in_(WAITING))).all()
        clocks = [(_clock(session, case), app.ruleset.bodies[case.body]) for case in cases]
    moments = [moment for moment in (first_moment(clocks, now), next_digest_at(app, now)) if moment is not None]
    return min(moments, default=None)


def _run_case(app, ref: str, now: datetime, answers: AnswersInWindow) -> int:
    with app.sessions() as session:
        case = session.scalar(select(Case).where(Case.ref == ref))
        if case is None or case.status not in WAITING:
            return 0
        # What triage would be told, less what only a message brings (a thread, a staff claim). The cap is
        # read for each case: letters queued for an earlier case of this pass count.
        known = Known(own_addresses=frozenset(app.own_addresses), mailboxes=app.watched_mailboxes,
                      staff_addresses=frozenset(app.staff_addresses), at_cap=answers.at_cap(session))
        decision = plan(_clock(session, case), app.ruleset.bodies[case.body], known, now)
        if decision is None:
            return 0
        log.info("case %s: %s", ref, decision.why)
        apply_timed(app, session, decision, complaint=_complaint(case), now=now)
        session.commit()
        return 1


def _clock(session: Session, case: Case) -> CaseClock:
    """The case as the timers see it: its deadlines, when it last had correspondence, what was done."""
    last_out = session.scalar(select(func.max(OutboxMessage.created_at)).where(
        OutboxMessage.case_id == case.id, OutboxMessage.kind == Kind.CORRESPONDENCE.value))
    last_in = session.scalar(select(func.max(InboundMessage.received_at)).where(
        InboundMessage.case_id == case.id, InboundMessage.status == "processed"))
    contacted = session.scalar(select(func.max(Event.at)).where(
        Event.case_id == case.id, Event.action.in_(("deadline-met", "details-arrived"))))
    asked = session.scalar(select(func.max(OutboxMessage.created_at)).where(
        OutboxMessage.case_id == case.id, OutboxMessage.kind == Kind.REQUEST_DETAILS.value))
    keys = session.scalars(select(OutboxMessage.dedup_key).where(OutboxMessage.case_id == case.id)).all()
    held = session.scalars(select(Event.detail).where(Event.case_id == case.id,
                                                      Event.action.in_(("held-back", "not-answered")))).all()
    done = {key.split(":", 2)[2].split(":", 1)[0] for key in keys if key.count(":") >= 2}
    done |= {detail.get("cause", "") for detail in held if isinstance(detail, dict)}
    quiet = max(moment for moment in (case.opened_at, last_out, last_in, contacted) if moment is not None)
    return CaseClock(
        ref=case.ref, status=case.status, mailbox=case.mailbox, body=case.body,
        complainant_email=case.complainant_email, assigned=case.assigned or "",
        deadlines=tuple(DeadlineState(deadline.id, deadline.kind, deadline.due, deadline.met_at is not None)
                        for deadline in case.deadlines),
        opened_at=case.opened_at, quiet_since=quiet, details_asked_at=asked or (case.opened_at if case.status == "awaiting-details" else None),
        done=frozenset(done))


def _complaint(case: Case) -> Message:
    """The complaint as the letters about it speak of it (its subject and complainant, none of its text)."""
    return Message(message_id="", sender=case.complainant_email, display_name=case.complainant_name, reply_to="",
                   to=(), cc=(), subject=case.subject, date_header="", text="", html="")
