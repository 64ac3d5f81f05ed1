"""Throughput of parse + triage on the corpus mail (no servers): `python benchmarks/parse_and_triage.py [SECONDS]`.

Prints messages per second for parse alone and for parse + triage, over
every corpus message repeated until the time is up. Not run by `make test`.
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

from mailbot.config import shipped_dir
from mailbot.parse import parse_message
from mailbot.triage import Known, evaluate, load_ruleset

CORPUS = Path(__file__).parent.parent / "tests" / "corpus" / "mail"
MAILBOX = {"cambridgeshire": "cambs-pcc", "cleveland": "cleveland-resolution"}


def measure(seconds: float, work) -> tuple[int, float]:
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        count += work()
    return count, time.perf_counter() - start


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    mail = [path.read_bytes() for path in sorted(CORPUS.glob("*.eml"))]
    rulesets = {name: load_ruleset(shipped_dir("rules"), name) for name in MAILBOX}
    known = Known(received=date(2026, 12, 1))

    def parse_all() -> int:
        for raw in mail:
            parse_message(raw)
        return len(mail)

    def parse_and_triage_all() -> int:
        for raw in mail:
            message = parse_message(raw)
            for name, ruleset in rulesets.items():
                evaluate(message, MAILBOX[name], ruleset, known)
        return len(mail)

    size = sum(map(len, mail)) / len(mail)
    for label, work in (("parse", parse_all), ("parse + triage (both deployments)", parse_and_triage_all)):
        count, elapsed = measure(seconds, work)
        print(f"{label}: {count / elapsed:,.0f} messages/s ({count} messages of {size / 1024:.1f} KiB mean in {elapsed:.1f} s)")


if __name__ == "__main__":
    main()
