"""The daemon's timetable on APScheduler: each mailbox's intake, the outbox, the timers and housekeeping.

    job               runs                                          and also when
    mailbox:NAME      every poll_seconds, and at start              its IDLE watcher sees new mail
    outbox            every outbox_seconds                          a mailbox job has run
    timers            every poll_seconds, and at start              the next timer falls due (next_due)
    housekeeping      daily at 07:00 London

Every job takes the one lock (the stages share the record), so one runs at
a time. A job woken while it waits or runs is not queued twice: it runs
once more when it ends, so mail announced during a pass is read by the next.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from mailbot.app import App
from mailbot.clock import LONDON
from mailbot.daemon import ShuttingDown, poll_mailbox
from mailbot.outbox.delivery import deliver_due
from mailbot.pipeline import process_pending
from mailbot.schedule.housekeeping import log_summary
from mailbot.schedule.timers import next_due, run_timers
from mailbot.settings import MailboxSettings
from mailbot.watchdog import Progress

log = logging.getLogger("mailbot.daemon")

OUTBOX, TIMERS, HOUSEKEEPING = "outbox", "timers", "housekeeping"
HOUSEKEEPING_HOUR = 7           # London time: the summary is in the journal before the office opens
SOONEST_WAKE = timedelta(seconds=1)   # a timer already due (or a clock held by --now) must not spin


def mailbox_job_id(name: str) -> str:
    return f"mailbox:{name}"


def wall_clock() -> datetime:
    """The machine's time, for APScheduler alone: it sleeps in real seconds while `app.clock` may be held
    at a `--now`. What falls due is always judged by `app.clock`."""
    return datetime.now(timezone.utc)


class Schedule:
    """The jobs of one daemon on a BackgroundScheduler, run one at a time; `wake_*` runs one at once."""

    def __init__(self, app: App, *, stop: threading.Event, progress: Progress):
        self.app = app
        self._stop = stop
        self._progress = progress
        self._one_at_a_time = threading.Lock()
        self._flags = threading.Lock()      # guards the two sets below
        self._wanted: set[str] = set()      # jobs asked to run (again)
        self._busy: set[str] = set()        # jobs with an instance at work, which runs again if wanted
        # Instances beyond one only ever wait to see _busy and return: a wake that races the end of a
        # run must not be dropped by APScheduler as "maximum number of running instances reached".
        self._scheduler = BackgroundScheduler(timezone="UTC", job_defaults={
            "coalesce": True, "max_instances": 3, "misfire_grace_time": 60})

    def start(self) -> None:
        settings, now = self.app.settings, wall_clock()
        for mailbox in settings.mailboxes:
            job_id = mailbox_job_id(mailbox.name)
            self._scheduler.add_job(self._exclusive(job_id, self._mailbox_pass), "interval", args=[mailbox],
                                    seconds=settings.poll_seconds, id=job_id, name=job_id, next_run_time=now)
        self._scheduler.add_job(self._exclusive(OUTBOX, self._outbox), "interval", id=OUTBOX, name=OUTBOX,
                                seconds=settings.outbox_seconds)
        self._scheduler.add_job(self._exclusive(TIMERS, self._timers), "interval", id=TIMERS, name=TIMERS,
                                seconds=settings.poll_seconds, next_run_time=now)
        self._scheduler.add_job(self._exclusive(HOUSEKEEPING, self._housekeeping), id=HOUSEKEEPING,
                                name=HOUSEKEEPING, trigger=CronTrigger(hour=HOUSEKEEPING_HOUR, timezone=LONDON))
        self._scheduler.start()

    def shutdown(self) -> None:
        """Start no job any more; the running one is not waited for (the caller waits on Progress)."""
        self._scheduler.shutdown(wait=False)

    def wake_mailbox(self, name: str) -> None:
        """Read mailbox `name` now (its IDLE watcher saw new mail)."""
        self._wake(mailbox_job_id(name))

    def wake_outbox(self) -> None:
        self._wake(OUTBOX)

    def next_run(self, job_id: str) -> datetime | None:
        job = self._scheduler.get_job(job_id)
        return job.next_run_time if job else None

    # --- the jobs ---------------------------------------------------------
    def _mailbox_pass(self, mailbox: MailboxSettings) -> None:
        poll_mailbox(self.app, mailbox)
        process_pending(self.app, now=self.app.clock.now())
        self.wake_outbox()      # an acknowledgement goes now, not at the next outbox_seconds

    def _outbox(self) -> None:
        deliver_due(self.app, now=self.app.clock.now())

    def _timers(self) -> None:
        queued = run_timers(self.app, self.app.clock.now())
        if queued:
            log.info("timers: %d letter(s) fell due", queued)
        deliver_due(self.app, now=self.app.clock.now())
        self._wake_timers_at(next_due(self.app, self.app.clock.now()))

    def _housekeeping(self) -> None:
        log_summary(self.app, now=self.app.clock.now())

    def _wake_timers_at(self, due: datetime | None) -> None:
        """Bring the timers job forward to `due` (app time), unless it runs sooner anyway."""
        if due is None:
            return
        ahead = max(due - self.app.clock.now(), SOONEST_WAKE)
        at = wall_clock() + ahead
        scheduled = self.next_run(TIMERS)
        if scheduled is None or at < scheduled:
            log.debug("timers: next due %s, waking in %.0f s", due.isoformat(), ahead.total_seconds())
            self._run_at(TIMERS, at)

    # --- one at a time ----------------------------------------------------
    def _exclusive(self, job_id: str, work: Callable[..., None]) -> Callable[..., None]:
        """`work` as a job: under the lock, counted as progress, again while it was woken meanwhile."""
        def job(*args) -> None:
            with self._flags:
                self._wanted.add(job_id)
                if job_id in self._busy:
                    return                  # the instance at work runs once more
                self._busy.add(job_id)
            while True:
                with self._flags:
                    if job_id not in self._wanted or self._stop.is_set():
                        self._busy.discard(job_id)
                        return
                    self._wanted.discard(job_id)
                self._run_exclusively(work, args)
        return job

    def _run_exclusively(self, work: Callable[..., None], args) -> None:
        with self._one_at_a_time:
            if self._stop.is_set():
                return
            self._progress.started()
            try:
                work(*args)
            except ShuttingDown:
                log.info("stopped between two messages; the rest waits for the next start")
            finally:
                self._progress.finished()

    def _wake(self, job_id: str) -> None:
        with self._flags:
            if job_id in self._busy:
                self._wanted.add(job_id)    # seen when the running instance ends
                return
        self._run_at(job_id, wall_clock())

    def _run_at(self, job_id: str, at: datetime) -> None:
        try:
            self._scheduler.modify_job(job_id, next_run_time=at)
        except (JobLookupError, SchedulerNotRunningError):
            pass    # stopping: nothing more runs
