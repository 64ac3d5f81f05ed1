"""The daily digest: on each working day, from the office's opening, one letter to each of a mailbox's staff, once.

`queue_digests(app, session, now)` is called by every pass of the timers
(in the caller's transaction); what a digest says is `digest_report`'s.
When it goes, and when it does not:

- On a working day of the calendar of the body that owns the mailbox, at
  or after its opening time, for the rest of that day: a daemon that was
  down in the morning sends the day's digest when it comes back. A day
  missed altogether is not made up: the next digest reports the same
  cases as they stand then.
- Once per (mailbox, day, staff member): the outbox key names all three, so
  a restart or a second pass adds nothing (the key is unique in the
  outbox, so even two daemons cannot both store one). One letter per
  person (never one letter to the list), so that each reader's own cases
  can be marked and a bounce names one address.
- To the mailbox's `staff` only, never its managers (they get escalations);
  a mailbox that lists no staff has no digest.
- Never empty: nothing open, awaiting details or held back sends nothing.
- Not on the day a mailbox's first case opened, when every case it has was
  opened after that day's opening time. Each of those cases has just been
  notified to staff one by one, so a digest would repeat the notifications
  of the same hour: this is what a brand-new installation's first pass (or
  a mailbox newly watched) would otherwise send, its whole backlog twice.
  Mail opened before the opening time (a first pass at 07:00) is reported
  at 09:00 as usual, which is what a morning digest is for; and from the
  next working day on the rule never applies again.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from email.utils import formataddr, getaddresses

import jinja2
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mailbot.clock import LONDON
from mailbot.db.models import Case, OutboxMessage
from mailbot.kinds import Kind
from mailbot.outbox.queue import Outgoing, enqueue
from mailbot.schedule.digest_report import opening, read_report
from mailbot.settings import MailboxSettings

log = logging.getLogger("mailbot.schedule")


def queue_digests(app, session: Session, now: datetime) -> int:
    """Queue the digest due at `now` to each staff member of each watched mailbox; how many were queued."""
    return sum(_queue_for(app, session, mailbox, now) for mailbox in app.settings.mailboxes)


def digest_cause(mailbox: str, day: date, address: str) -> str:
    """The outbox cause of the digest of `mailbox` for `day` to `address`: the key that sends it once."""
    return f"digest-{mailbox}-{day.isoformat()}-{address}"


def digest_key(mailbox: str, day: date, address: str) -> str:
    """The outbox `dedup_key` of that digest (`enqueue`'s form for mail of no case)."""
    return f"-:{Kind.DIGEST.value}:{digest_cause(mailbox, day, address)}"


def next_digest_at(app, now: datetime) -> datetime | None:
    """The next opening time after `now` at which some mailbox's digest may fall due (for the daemon's
    wake-up); None when no mailbox lists staff."""
    times = []
    for mailbox in app.settings.mailboxes:
        if not readers(mailbox):
            continue
        calendar = app.ruleset.body_of(mailbox.name).calendar
        day = now.astimezone(LONDON).date()
        if not calendar.is_working_day(day) or opening(calendar, day) <= now:
            day = calendar.next_working_day(day)
        times.append(opening(calendar, day))
    return min(times, default=None)


def readers(mailbox: MailboxSettings) -> list[tuple[str, str]]:
    """(name, bare lower-case address) of each staff member of `mailbox`, each address once."""
    found: dict[str, str] = {}
    for name, address in getaddresses(list(mailbox.staff)):
        if address:
            found.setdefault(address.lower(), name)
    return [(name, address) for address, name in found.items()]


def _queue_for(app, session: Session, mailbox: MailboxSettings, now: datetime) -> int:
    body = app.ruleset.body_of(mailbox.name)
    calendar = body.calendar
    day = now.astimezone(LONDON).date()
    if not calendar.is_working_day(day) or now < opening(calendar, day):
        return 0
    people = readers(mailbox)
    keys = {address: digest_key(mailbox.name, day, address) for _name, address in people}
    done = set(session.scalars(select(OutboxMessage.dedup_key).where(OutboxMessage.dedup_key.in_(keys.values()))))
    waiting = [(name, address) for name, address in people if keys[address] not in done]
    if not waiting or _first_day(session, mailbox.name, opening(calendar, day)):
        return 0
    report = read_report(session, mailbox.name, calendar, now)
    if report.empty:
        return 0
    queued = 0
    for name, address in waiting:
        context = {"kind": Kind.DIGEST.value, "deployment": app.settings.deployment,
                   "mailbox": {"name": mailbox.name, "address": mailbox.address},
                   "body": {"id": body.id, "name": body.name, "address": body.address,
                            "grants_review": body.grants_review},
                   "staff_member": {"address": address, "name": name},
                   "digest": report.as_context(address)}
        try:
            row = enqueue(session, Outgoing(kind=Kind.DIGEST, context=context, case=None,
                                            cause=digest_cause(mailbox.name, day, address),
                                            from_name=f"mailbot ({body.name})", from_address=mailbox.address,
                                            to=(formataddr((name, address)),), mailbox=mailbox.name),
                          templates=app.templates, secret=app.secret, now=now)
        except (jinja2.TemplateError, ValueError):
            # A broken or missing digest template (`mailbot check` names it) must not stop the other timers.
            log.exception("the digest of %s for %s could not be written", mailbox.name, day.isoformat())
            return queued
        queued += row is not None
    log.info("digest of %s for %s queued to %d of its staff (%d cases open or awaiting details)",
             mailbox.name, day.isoformat(), queued, len(report.cases))
    return queued


def _first_day(session: Session, mailbox: str, opened: datetime) -> bool:
    """Whether every case of `mailbox` was opened at or after `opened` (today's opening): the rule above."""
    first = session.scalar(select(func.min(Case.opened_at)).where(Case.mailbox == mailbox))
    return first is None or first >= opened
