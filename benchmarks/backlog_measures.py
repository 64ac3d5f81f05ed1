"""What benchmarks/backlog.py measures against the real servers: the raw IMAP rates, and the IDLE latency.

The SMTP server here only records (when, from, to, which kind): unlike the
test suite's, it parses nothing, so that the machine's two cores go to
mailbot, not to the server it sends to.
"""

from __future__ import annotations

import logging
import statistics
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable

import mailparser
from imapclient import IMAPClient

from tests.servers.smtp import _Controller   # binds port 0 and learns the port (as tests/outbox does)

logging.getLogger("mailparser").setLevel(logging.ERROR)   # it warns of every part type it has no name for
CHUNK = 100   # UIDs per UID FETCH, as mailbot's intake batches


@dataclass(frozen=True)
class Arrival:
    at: float                  # time.monotonic() when DATA was accepted
    recipients: tuple[str, ...]
    kind: str


class RecordingSmtp:
    """An aiosmtpd server on loopback that accepts everything and records only its arrival."""

    host = "127.0.0.1"

    def __init__(self) -> None:
        self._arrived = threading.Condition()
        self.arrivals: list[Arrival] = []
        self._controller = _Controller(self, hostname=self.host, port=0, decode_data=False)
        self.port = 0

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        start = raw.find(b"X-Mailbot-Kind:")
        kind = raw[start + 15:raw.find(b"\r\n", start)].strip().decode() if start >= 0 else ""
        with self._arrived:
            self.arrivals.append(Arrival(time.monotonic(), tuple(a.lower() for a in envelope.rcpt_tos), kind))
            self._arrived.notify_all()
        return "250 OK"

    def __enter__(self) -> "RecordingSmtp":
        self._controller.start()
        self.port = self._controller.port
        return self

    def __exit__(self, *_) -> None:
        self._controller.stop()

    def count(self) -> int:
        with self._arrived:
            return len(self.arrivals)

    def kinds(self, since: int = 0) -> dict[str, int]:
        """How many letters of each kind arrived, from the `since`-th on."""
        with self._arrived:
            return dict(Counter(arrival.kind for arrival in self.arrivals[since:]))

    def first_to(self, address: str, timeout: float) -> Arrival:
        """The first letter to `address` (its acknowledgement, or what answers it), waiting up to `timeout` s."""
        deadline = time.monotonic() + timeout
        address = address.lower()
        with self._arrived:
            while True:
                found = next((a for a in self.arrivals if address in a.recipients), None)
                if found or time.monotonic() >= deadline:
                    break
                self._arrived.wait(max(0.0, deadline - time.monotonic()))
        if found is None:
            raise AssertionError(f"nothing sent to {address} within {timeout} s")
        return found


def append_all(dovecot, user, messages: Iterable) -> tuple[int, int, float]:
    """APPEND every generated message over one connection; (count, bytes, seconds)."""
    count = size = 0
    started = time.monotonic()
    with dovecot.client(user) as imap:
        for message in messages:
            imap.append("INBOX", message.raw, msg_time=message.received_at)
            count, size = count + 1, size + len(message.raw)
    return count, size, time.monotonic() - started


def fetch_rates(dovecot, user) -> dict:
    """Messages per second of `UID FETCH BODY.PEEK[]` in chunks of 100, then of the same fetch with a parse."""
    figures = {}
    for stage, parse in (("raw_fetch", False), ("fetch_parse", True)):
        with dovecot.client(user) as imap:
            imap.select_folder("INBOX", readonly=True)
            uids = sorted(imap.search("ALL"))
            started = time.monotonic()
            for first in range(0, len(uids), CHUNK):
                fetched = imap.fetch(uids[first:first + CHUNK], ["BODY.PEEK[]"])
                if parse:
                    for data in fetched.values():
                        mailparser.parse_from_bytes(data[b"BODY[]"])
                del fetched
            seconds = time.monotonic() - started
        figures[stage] = {"messages": len(uids), "seconds": round(seconds, 3), "rate": round(len(uids) / seconds, 1)}
    return figures


def parse_and_triage_rates(config, messages: list) -> dict:
    """Messages per second of mailbot's own parse, and of parse + triage (no database), in this process."""
    from mailbot.app import load_app
    from mailbot.clock import Clock
    from mailbot.parse import parse_message
    from mailbot.triage import evaluate

    app = load_app(config, database=None, clock=Clock(messages[-1].received_at))
    mailbox = app.settings.mailboxes[0].name
    started = time.monotonic()
    parsed = [parse_message(message.raw) for message in messages]
    parse_seconds = time.monotonic() - started
    started = time.monotonic()
    for message, generated in zip(parsed, messages):
        evaluate(message, mailbox, app.ruleset, app.known_about(message, received=generated.received_at))
    triage_seconds = time.monotonic() - started
    count = len(messages)
    return {"mailbot_parse": {"messages": count, "seconds": round(parse_seconds, 3),
                              "rate": round(count / parse_seconds, 1)},
            "mailbot_triage": {"messages": count, "seconds": round(triage_seconds, 3),
                               "rate": round(count / triage_seconds, 1)}}


def idle_latency(dovecot, user, smtp: RecordingSmtp, daemon_argv: list[str], messages: list, *, cwd,
                 env: dict) -> dict:
    """Start `mailbot run`, wait for its IDLE, then APPEND each complaint in turn and time its acknowledgement."""
    from tests.e2e.test_crash_safety import StderrWatcher

    process = subprocess.Popen(daemon_argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    delays = []
    try:
        StderrWatcher(process).wait_for("waiting for new mail (IDLE)", timeout=60)
        with dovecot.client(user) as imap:
            for message in messages:
                imap.append("INBOX", message.raw, msg_time=datetime.now(timezone.utc))
                appended = time.monotonic()
                delays.append(smtp.first_to(message.sender, timeout=30).at - appended)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    delays.sort()
    return {"deliveries": len(delays), "median_s": round(statistics.median(delays), 3),
            "p95_s": round(delays[max(0, int(len(delays) * 0.95) - 1)], 3), "max_s": round(delays[-1], 3)}
