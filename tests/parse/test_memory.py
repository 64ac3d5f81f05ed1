"""Memory stays flat: big and many-part messages parse within a bound, and setting bodies aside changes nothing.

Peak RSS is measured in a fresh Python process (`resource.getrusage`),
after the message's bytes are read and parse has been imported, so the
growth is parse's own. Before the limits, a 20 MB attachment added 159
MB, a 5,000-part message 94 MB, and 20 MB of short lines 384 MB.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailbot.errors import UnreadableMail
from mailbot.parse import long_bodies, parse_message
from mailbot.parse.limits import MAX_PARTS, MAX_TEXT_CHARS
from tests.parse.conftest import CORPUS_FILES

ROOT = Path(__file__).resolve().parents[2]
MEASURE = """
import json, resource, sys, time
raw = open(sys.argv[1], "rb").read()
from mailbot.parse import parse_message
parse_message(b"From: a@example.org\\r\\n\\r\\nwarm up")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
message = parse_message(raw)
seconds = time.perf_counter() - started
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"grown_mb": (after - before) / 1024, "seconds": seconds, "text": len(message.text),
                  "attachments": [[a.filename, a.size] for a in message.attachments[:3]],
                  "attachment_count": len(message.attachments), "defects": list(message.defects)}))
"""


def measured(path: Path) -> dict:
    """Parse the message in `path` in a fresh process; how much its peak RSS grew, and what was read."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True,
    )
    return json.loads(done.stdout)


def multipart(*parts: bytes) -> bytes:
    return (b"From: Jane Doe <jane@example.org>\r\nSubject: evidence\r\n"
            b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
            + b"".join(b"--b\r\n" + part + b"\r\n" for part in parts) + b"--b--\r\n")


def test_a_20_mb_attachment_is_sized_without_being_held(tmp_path):
    data = os.urandom(15 * 1024 * 1024)
    path = tmp_path / "big.eml"
    path.write_bytes(multipart(
        b"Content-Type: text/plain\r\n\r\nSee the video.",
        b"Content-Type: video/mp4; name=door.mp4\r\nContent-Transfer-Encoding: base64\r\n"
        b"Content-Disposition: attachment; filename=door.mp4\r\n\r\n"
        + base64.encodebytes(data).replace(b"\n", b"\r\n"),
    ))

    found = measured(path)

    assert found["grown_mb"] < 40, found
    assert found["attachments"] == [["door.mp4", len(data)]]


def test_a_5000_part_message_parses_in_bounded_time_and_memory(tmp_path):
    """Only the first MAX_PARTS parts are read (a defect names the rest), in bounded time and memory."""
    parts = []
    for index in range(5_000):
        if index % 2:
            parts.append(b"Content-Type: image/png; name=p%d.png\r\nContent-Transfer-Encoding: base64\r\n\r\n" % index
                         + base64.encodebytes(os.urandom(3_000)).replace(b"\n", b"\r\n"))
        else:
            parts.append(b"Content-Type: text/plain\r\n\r\nText part %d." % index)
    path = tmp_path / "parts.eml"
    path.write_bytes(multipart(*parts))

    found = measured(path)

    assert found["grown_mb"] < 80, found
    assert found["seconds"] < 20, found
    assert found["attachment_count"] == MAX_PARTS // 2
    assert found["attachments"][0] == ["p1.png", 3_000]


@pytest.mark.parametrize(
    ("line", "content_type"),
    [(b"a:\r\n", b"text/plain"), (b"\n", b"text/plain"), (b"<p>All <b>work</b></p>\r\n", b"text/html")],
)
def test_20_mb_of_text_reads_the_first_part_within_bounds(tmp_path, line, content_type):
    path = tmp_path / "text.eml"
    path.write_bytes(b"From: Jane Doe <jane@example.org>\r\nContent-Type: " + content_type + b"\r\n\r\n"
                     + line * (20 * 1024 * 1024 // len(line)))

    found = measured(path)

    assert found["grown_mb"] < 60, found
    assert found["seconds"] < 20, found
    assert found["text"] <= MAX_TEXT_CHARS


def test_a_part_of_lines_like_boundaries_is_set_aside_too(tmp_path):
    """GIVEN a text part of 20 MB of "--a" lines (each could be a boundary, but none is this message's)."""
    path = tmp_path / "dashes.eml"
    path.write_bytes(multipart(b"Content-Type: text/plain\r\n\r\n" + b"--a\r\n" * (4 * 1024 * 1024)))

    found = measured(path)

    assert found["grown_mb"] < 60, found
    assert found["text"] <= MAX_TEXT_CHARS


def test_a_long_text_part_set_aside_is_read_as_the_parser_would_have():
    text = "Dear Sir,\n" + "The officer at the door said nothing. " * 3_000 + "\nJane"
    raw = multipart(
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(text.encode()).replace(b"\n", b"\r\n"),
        b"Content-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(b"%PDF" * 10_000),
    )

    message = parse_message(raw)

    assert message.text == text
    assert [(a.filename, a.size) for a in message.attachments] == [("a.pdf", 40_000)]


def both_ways(raw: bytes, monkeypatch) -> tuple:
    """Parse `raw` with every leaf body set aside, and with none: the same Message, or the same refusal."""
    results = []
    for least in (1, 10**12):
        monkeypatch.setattr(long_bodies, "MIN_SET_ASIDE_BYTES", least)
        try:
            results.append(parse_message(raw))
        except UnreadableMail as error:
            results.append(str(error))
    return tuple(results)


STDLIB_SAMPLES = sorted(
    (Path(sys.modules["email"].__file__).parent.parent / "test" / "test_email" / "data").glob("msg_*.txt")
)


@pytest.mark.parametrize("path", [*CORPUS_FILES, *sorted((Path(__file__).parent / "fixtures").glob("*.eml")),
                                  *STDLIB_SAMPLES], ids=lambda path: path.name)
def test_setting_bodies_aside_changes_nothing(path, monkeypatch):
    raw = path.read_bytes()
    for line_end in (b"\n", b"\r\n"):
        aside, parsed = both_ways(raw.replace(b"\r\n", b"\n").replace(b"\n", line_end), monkeypatch)
        assert aside == parsed


CORPUS = [path.read_bytes() for path in CORPUS_FILES]
edit = st.tuples(
    st.floats(min_value=0, max_value=1, exclude_max=True),
    st.integers(min_value=0, max_value=12),
    st.sampled_from([b"", b"\n", b"\r\n", b"\r", b"--", b"\n--", b"\n\n", b"Content-Type: message/rfc822\n",
                     b"Content-Type: text/plain\n\n", b":", b" ", b"\t", b"-", b"=", b"\x00"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.sampled_from(CORPUS), st.lists(edit, min_size=1, max_size=8))
def test_setting_bodies_aside_changes_nothing_on_damaged_mail(monkeypatch, original, edits):
    raw = bytearray(original)
    for where, cut, splice in edits:
        position = int(where * len(raw))
        raw[position:position + cut] = splice
    aside, parsed = both_ways(bytes(raw), monkeypatch)
    assert aside == parsed
