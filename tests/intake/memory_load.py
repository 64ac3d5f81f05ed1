"""Heavy mail of our own making and the peak memory of a process reading it (the test and benchmarks/memory.py).

A complaint with a large attachment, one of thousands of parts, one over the
size limit: each a real complaint (it opens a case when it is read), built
with CRLF line ends as SMTP delivers, so that its size is what the server counts.
"""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

MB = 1024 * 1024

COMPLAINT = ("I wish to complain about the conduct of the Police and Crime Commissioner at the public meeting\r\n"
             "in Whittlesey on 10 November 2026: he interrupted me and mocked my question in front of the room.\r\n"
             "Yours sincerely,\r\nMargaret Holloway\r\n12 Drove Road, Whittlesey PE7 1AB\r\n")


def _headers(label: str, content_type: str) -> str:
    return ("From: Margaret Holloway <m.holloway@example.org>\r\n"
            "To: democratic.services@peterborough.gov.uk\r\n"
            f"Subject: Complaint about the Police and Crime Commissioner ({label})\r\n"
            f"Message-ID: <{label}.{os.urandom(6).hex()}@example.org>\r\n"
            "Date: Mon, 16 Nov 2026 10:00:00 +0000\r\n"
            f"MIME-Version: 1.0\r\nContent-Type: {content_type}\r\n\r\n")


def with_attachment(size: int, label: str = "attachment") -> bytes:
    """A complaint with one PDF attachment, the whole message about `size` bytes (base64 adds a third)."""
    boundary = "=_attachment_boundary"
    data = base64.encodebytes(os.urandom(size * 3 // 4)).replace(b"\n", b"\r\n")
    return b"".join([
        _headers(label, f'multipart/mixed; boundary="{boundary}"').encode(),
        f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{COMPLAINT}\r\n".encode(),
        f"--{boundary}\r\nContent-Type: application/pdf; name=\"evidence.pdf\"\r\n"
        "Content-Disposition: attachment; filename=\"evidence.pdf\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n".encode(),
        data, f"\r\n--{boundary}--\r\n".encode()])


def many_parts(count: int, label: str = "parts") -> bytes:
    """A complaint followed by `count` small attachments, each its own MIME part."""
    boundary = "=_many_parts_boundary"
    parts = [f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{COMPLAINT}\r\n"]
    parts += [f"--{boundary}\r\nContent-Type: application/octet-stream; name=\"part{number}.bin\"\r\n"
              f"Content-Disposition: attachment; filename=\"part{number}.bin\"\r\n"
              "Content-Transfer-Encoding: base64\r\n\r\n"
              f"{base64.b64encode(os.urandom(48)).decode()}\r\n" for number in range(count)]
    return (_headers(label, f'multipart/mixed; boundary="{boundary}"') + "".join(parts)
            + f"--{boundary}--\r\n").encode()


def plain_complaint(number: int) -> bytes:
    return (_headers(f"plain-{number}", "text/plain; charset=utf-8") + COMPLAINT).encode()


@dataclass(frozen=True)
class Measured:
    """How a child process ended and the most memory it ever held (its peak resident set)."""

    status: int
    peak_rss: int        # bytes
    stderr: str
    cpu_seconds: float = 0.0   # user + system time of the command itself


# Intake alone (fetch and record, nothing parsed): what the pass holds before processing starts.
INTAKE_ONLY = """
import sys
from mailbot.app import load_app
from mailbot.clock import Clock, parse_instant
from mailbot.daemon import poll_mailbox
app = load_app(sys.argv[1], clock=Clock(parse_instant(sys.argv[2])))
sys.exit(0 if all([poll_mailbox(app, mailbox) for mailbox in app.settings.mailboxes]) else 1)
"""


# Linux starts a child's ru_maxrss at its parent's resident set (exec keeps the old mm's peak), so a
# small interpreter of its own starts the measured command and reports the command's wait4 figure.
_MEASURE = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
open(sys.argv[1], "w").write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss} {usage.ru_utime + usage.ru_stime}")
"""


def measure(argv: list[str], *, cwd: Path, timeout: float, env: dict | None = None) -> Measured:
    """Run `argv` to its end and return its own peak RSS (from wait4 in a small parent); killed after `timeout` s."""
    report, log = cwd / "measured.txt", cwd / "measured-stderr.log"
    report.unlink(missing_ok=True)
    with open(log, "wb") as stderr:
        # A session of its own: on a timeout the measured command goes too, not only its small parent.
        parent = subprocess.Popen([sys.executable, "-S", "-c", _MEASURE, str(report), *argv], cwd=cwd, env=env,
                                  stdin=subprocess.DEVNULL, stderr=stderr, start_new_session=True)
        try:
            parent.wait(timeout=timeout)
        except subprocess.TimeoutExpired as error:
            os.killpg(parent.pid, signal.SIGKILL)
            parent.wait()
            raise AssertionError(f"{argv[0]} did not finish within {timeout} s: {log.read_text()[-2000:]}") from error
    status, peak_kib, cpu = report.read_text().split()
    return Measured(int(status), int(peak_kib) * 1024, log.read_text(errors="replace"), float(cpu))
