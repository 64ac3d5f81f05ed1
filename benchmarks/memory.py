"""Peak memory of one `mailbot run --once` pass over heavy mail in a real Dovecot: `python benchmarks/memory.py`.

Starts the test suite's private Dovecot and SMTP server (tests/servers/, as
root), fills one mailbox with plain complaints, a complaint with a 20 MB
attachment, one of 5,000 parts and one of 40 MB (over the default 25 MB
limit), then runs the installed `mailbot` as a child process and reads its
peak resident set from wait4; then intake alone (fetch and record) and
`mailbot check` (the imports alone), each on a fresh database. Options: `--database URL` (default: SQLite in a
temporary folder), `--scale F` multiplies the sizes. Not run by `make test`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack, contextmanager
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the test servers live in tests/servers

from tests.installation import MAILBOT, write_config  # noqa: E402
from tests.intake.memory_load import (  # noqa: E402
    INTAKE_ONLY, MB, many_parts, measure, plain_complaint, with_attachment)
from tests.servers.dovecot import running_dovecot  # noqa: E402
from tests.servers.smtp import SmtpTestServer  # noqa: E402

MAILBOX = "democratic-services"
RECEIVED = datetime(2026, 11, 16, 10, 0, tzinfo=timezone.utc)
NOW = "2026-11-16T10:30:00+00:00"


def heavy_mailbox(scale: float):
    """(what, raw) one at a time, so that this process never holds them all."""
    for number in range(1, 4):
        yield f"plain complaint {number}", plain_complaint(number)
    yield "20 MB attachment", with_attachment(int(20 * MB * scale))
    yield "5,000 parts", many_parts(int(5000 * scale))
    yield "40 MB (over the 25 MB limit)", with_attachment(int(40 * MB * scale), label="too-large")
    for number in range(4, 7):
        yield f"plain complaint {number}", plain_complaint(number)


@contextmanager
def database(url: str | None, folder: Path):
    """SQLite in `folder`, or a schema of its own in the PostgreSQL database at `url`, dropped afterwards."""
    if not url or url.startswith("sqlite"):
        yield url or f"sqlite:///{folder / 'mailbot.db'}"
        return
    from sqlalchemy import create_engine, text
    schema = "mailbot_memory_" + uuid.uuid4().hex[:12]
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--database", help="storage URL (default: SQLite in a temporary folder)")
    options.add_argument("--scale", type=float, default=1.0, help="multiply the heavy sizes and counts")
    arguments = options.parse_args()
    smtp = SmtpTestServer()
    smtp.start()
    try:
        with ExitStack() as stack:
            dovecot = stack.enter_context(running_dovecot())
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mbmem-")))
            user = dovecot.add_user()
            total = 0
            started = time.monotonic()
            for what, raw in heavy_mailbox(arguments.scale):
                dovecot.append(user, raw, at=RECEIVED)
                total += len(raw)
                print(f"delivered: {what}, {len(raw) / MB:.1f} MB")
            print(f"{total / MB:.1f} MB delivered in {time.monotonic() - started:.1f} s")
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
            figures = {}
            for stage, argv in (("intake alone", [sys.executable, "-c", INTAKE_ONLY]),
                                ("mailbot run --once", [str(MAILBOT), "run", "--once", "--now", NOW, "--config"]),
                                ("mailbot check (the imports)", [str(MAILBOT), "check", "--config"])):
                folder = root / stage.replace(" ", "-")[:20]
                folder.mkdir()
                storage = stack.enter_context(database(arguments.database, folder))
                config = write_config(folder, deployment="cambridgeshire", dovecot=dovecot, smtp=smtp,
                                      database_url=storage, users={MAILBOX: user}, only=[MAILBOX])
                argv = [*argv, str(config), NOW] if stage == "intake alone" else [*argv, str(config)]
                started = time.monotonic()
                result = measure(argv, cwd=folder, timeout=600, env=env)
                figures[stage] = result.peak_rss
                print(f"{stage}: exit {result.status} in {time.monotonic() - started:.1f} s, "
                      f"peak RSS {result.peak_rss / MB:.1f} MB")
                if result.status != 0:
                    print(result.stderr[-3000:], file=sys.stderr)
            print(f"{len(smtp.messages)} message(s) sent")
    finally:
        smtp.stop()


if __name__ == "__main__":
    main()
