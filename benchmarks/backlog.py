"""A backlog through mailbot against real servers: `python benchmarks/backlog.py` (or `make bench`).

Starts the test suite's private Dovecot (tests/servers/dovecot.py, as root)
and an SMTP server that only records, generates N realistic messages
(benchmarks/backlog_corpus.py: deterministic), APPENDs them, and reports in
one run: the raw `UID FETCH BODY.PEEK[]` rate in chunks of 100; fetch +
mail-parser parse; mailbot's end-to-end rate, the wall time of a
`mailbot run --once` process (start-up included) that exits with every
acknowledgement and notification accepted by the SMTP server; the ratio of
the two; the process's peak RSS (wait4); and, with the daemon running on
IDLE, the delay from APPEND to the acknowledgement at the SMTP server over
50 deliveries. `--sizes 500,2000,10000` repeats the backlog at each size.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the test servers live in tests/servers

from sqlalchemy import func, select  # noqa: E402

from tests.backlog_mail import backlog  # noqa: E402
from benchmarks.backlog_measures import (  # noqa: E402
    RecordingSmtp, append_all, fetch_rates, idle_latency, parse_and_triage_rates)
from benchmarks.memory import database  # noqa: E402
from mailbot.db.engine import open_engine, session_factory  # noqa: E402
from mailbot.db.models import InboundMessage, OutboxMessage  # noqa: E402
from tests.installation import write_config  # noqa: E402
from tests.intake.memory_load import MB, measure  # noqa: E402
from tests.servers.dovecot import running_dovecot  # noqa: E402

MAILBOX = "democratic-services"
NOW = datetime(2026, 11, 16, 10, 30, tzinfo=timezone.utc)
LATENCY_DELIVERIES = 50


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000, help="backlog size (default 2000)")
    parser.add_argument("--sizes", help="comma-separated backlog sizes, e.g. 500,2000,10000 (instead of --messages)")
    parser.add_argument("--storage", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--skip-latency", action="store_true", help="no IDLE latency measurement")
    parser.add_argument("--profile", metavar="FILE", help="run the measured `run --once` under cProfile into FILE")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    parser.add_argument("--seed", type=int, default=11)
    return parser.parse_args()


def postgres_url() -> str:
    return os.environ.get("MAILBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def mailbot_argv(*args: str, profile: str | None = None) -> list[str]:
    python = [sys.executable, "-m", "cProfile", "-o", profile] if profile else [sys.executable]
    return [*python, "-m", "mailbot", *args]


def environment() -> dict:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


def installation(stack: ExitStack, dovecot, smtp, storage: str, folder: Path):
    """A fresh Dovecot user, database and config watching one mailbox; its first sync done (the schema made)."""
    folder.mkdir()
    user = dovecot.add_user()
    url = stack.enter_context(database(postgres_url() if storage == "postgres" else None, folder))
    config = write_config(folder, deployment="cambridgeshire", dovecot=dovecot, smtp=smtp, database_url=url,
                          users={MAILBOX: user}, only=[MAILBOX])
    started = time.monotonic()
    first = measure(mailbot_argv("run", "--once", "--now", NOW.isoformat(), "--config", str(config)), cwd=folder,
                    timeout=300, env=environment())
    if first.status != 0:
        raise RuntimeError(f"the first pass failed ({first.status}):\n{first.stderr[-3000:]}")
    return user, url, config, time.monotonic() - started


def throughput(stack: ExitStack, dovecot, smtp: RecordingSmtp, count: int, arguments, folder: Path) -> dict:
    user, url, config, setup = installation(stack, dovecot, smtp, arguments.storage, folder)
    corpus_sizes = []

    def generated():
        for message in backlog(count, now=NOW, seed=arguments.seed):
            corpus_sizes.append(len(message.raw))
            yield message

    appended, size, append_seconds = append_all(dovecot, user, generated())
    figures = {"messages": appended, "megabytes": round(size / MB, 1),
               "median_kb": round(statistics.median(corpus_sizes) / 1024, 1),
               "append_seconds": round(append_seconds, 1),
               "first_pass_seconds": round(setup, 2), **fetch_rates(dovecot, user)}
    sample = list(backlog(min(count, 500), now=NOW, seed=arguments.seed))   # the same kinds of mail
    figures.update(parse_and_triage_rates(config, sample))
    del sample
    sent_before = smtp.count()
    started = time.monotonic()
    result = measure(mailbot_argv("run", "--once", "--now", (NOW + timedelta(minutes=1)).isoformat(), "--config",
                                  str(config), profile=arguments.profile),
                     cwd=folder, timeout=max(600, count), env=environment())
    seconds = time.monotonic() - started
    if result.status != 0:
        raise RuntimeError(f"mailbot run --once failed ({result.status}):\n{result.stderr[-3000:]}")
    recorded, outbox, unsent = _record(url)
    accepted = smtp.count() - sent_before
    if recorded != appended or unsent or accepted != outbox:
        raise RuntimeError(f"incomplete pass: {recorded}/{appended} recorded, {unsent} outbox rows unsent, "
                           f"{accepted} accepted by SMTP for {outbox} queued")
    figures["end_to_end"] = {"seconds": round(seconds, 2), "rate": round(appended / seconds, 1), "sent": accepted,
                             "sent_by_kind": smtp.kinds(sent_before),
                             "peak_rss_mb": round(result.peak_rss / MB, 1),
                             "cpu_seconds": round(result.cpu_seconds, 1)}
    figures["ratio_to_fetch_parse"] = round(figures["end_to_end"]["rate"] / figures["fetch_parse"]["rate"], 3)
    return figures


def _record(url: str) -> tuple[int, int, int]:
    """(inbound messages recorded, outbox rows, outbox rows not sent) in the installation's database."""
    engine = open_engine(url, create=False)
    try:
        with session_factory(engine)() as session:
            recorded = session.scalar(select(func.count()).select_from(InboundMessage))
            outbox = session.scalar(select(func.count()).select_from(OutboxMessage))
            unsent = session.scalar(select(func.count()).select_from(OutboxMessage)
                                    .where(OutboxMessage.status != "sent"))
    finally:
        engine.dispose()
    return recorded, outbox, unsent


def latency(stack: ExitStack, dovecot, smtp: RecordingSmtp, arguments, folder: Path) -> dict:
    user, _url, config, _ = installation(stack, dovecot, smtp, arguments.storage, folder)
    complaints = [message for message in backlog(LATENCY_DELIVERIES * 2, now=NOW, seed=arguments.seed + 1)
                  if message.kind == "complaint"][:LATENCY_DELIVERIES]
    return idle_latency(dovecot, user, smtp, mailbot_argv("run", "--config", str(config)), complaints, cwd=folder,
                        env=environment())


def reproduction(arguments) -> str:
    parts = [".venv/bin/python benchmarks/backlog.py"]
    parts.append(f"--sizes {arguments.sizes}" if arguments.sizes else f"--messages {arguments.messages}")
    parts.append(f"--storage {arguments.storage}")
    if arguments.skip_latency:
        parts.append("--skip-latency")
    return " ".join(parts)


def report(figures: dict) -> None:
    print(f"machine: {figures['machine']} (load average {figures['load_average_at_start']:.2f} at the start)")
    for run in figures["runs"]:
        end = run["end_to_end"]
        print(f"{run['messages']:>6} messages ({run['megabytes']} MB, median {run['median_kb']} KB), "
              f"{figures['storage']}:")
        print(f"  raw UID FETCH BODY.PEEK[] x100   {run['raw_fetch']['rate']:>8.1f} messages/s")
        print(f"  fetch + mail-parser parse        {run['fetch_parse']['rate']:>8.1f} messages/s")
        print(f"  mailbot's parse alone (in process) {run['mailbot_parse']['rate']:>6.1f} messages/s; its triage alone "
              f"{run['mailbot_triage']['rate']:.1f} messages/s ({run['mailbot_parse']['messages']} of the same mail)")
        print(f"  mailbot run --once (end to end)  {end['rate']:>8.1f} messages/s  ({end['seconds']} s, "
              f"{end['cpu_seconds']} s CPU, {end['sent']} letters accepted by SMTP)")
        print(f"  end to end / fetch + parse       {run['ratio_to_fetch_parse']:>8.1%}")
        print(f"  peak RSS of mailbot              {end['peak_rss_mb']:>8.1f} MB")
    if "latency" in figures:
        found = figures["latency"]
        print(f"IDLE: APPEND to acknowledgement at SMTP over {found['deliveries']} deliveries: "
              f"median {found['median_s']} s, p95 {found['p95_s']} s, max {found['max_s']} s")
    print(f"reproduce: {figures['reproduce']}")


def main() -> None:
    arguments = options()
    sizes = [int(size) for size in arguments.sizes.split(",")] if arguments.sizes else [arguments.messages]
    figures = {"machine": f"{platform.node()}: {os.cpu_count()} CPUs, {platform.platform()}, Python "
                          f"{platform.python_version()}", "load_average_at_start": os.getloadavg()[0],
               "storage": arguments.storage, "runs": [],
               "reproduce": reproduction(arguments)}
    with ExitStack() as stack:
        dovecot = stack.enter_context(running_dovecot())
        smtp = stack.enter_context(RecordingSmtp())
        root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mbbench-")))
        for size in sizes:
            figures["runs"].append(throughput(stack, dovecot, smtp, size, arguments, root / f"backlog-{size}"))
            if not arguments.json:
                print(json.dumps(figures["runs"][-1]), file=sys.stderr)
        if not arguments.skip_latency:
            figures["latency"] = latency(stack, dovecot, smtp, arguments, root / "latency")
    if arguments.json:
        print(json.dumps(figures, indent=2))
    else:
        report(figures)


if __name__ == "__main__":
    main()
