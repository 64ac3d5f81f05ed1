"""CPython's own odd test messages (Lib/test/test_email/data): each parses, or is refused, in bounded time.

Skipped where the Python installation leaves its test suite out (Debian's
python3 does, unless libpython3-testsuite is installed).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mailbot.errors import UnreadableMail
from mailbot.parse import parse_message
from tests.parse.test_properties import strings_in

try:
    import test.test_email as stdlib_email_tests
except ImportError:   # pragma: no cover - depends on the installation
    stdlib_email_tests = None

SAMPLES = sorted(Path(stdlib_email_tests.__file__).parent.joinpath("data").glob("msg_*.txt")) if stdlib_email_tests else []
# Bytes with no header block at all (msg_19: a bare digest body), or with neither a sender
# nor any text parse can read: refused, as they should be, with a reason.
REFUSED = {"msg_11.txt", "msg_18.txt", "msg_19.txt", "msg_37.txt"}


@pytest.mark.skipif(not SAMPLES, reason="CPython's email test data is not installed")
@pytest.mark.parametrize("path", SAMPLES, ids=lambda path: path.name)
def test_cpython_email_test_messages(path):
    started = time.perf_counter()
    try:
        message = parse_message(path.read_bytes())
    except UnreadableMail as refusal:
        assert path.name in REFUSED, f"{path.name} refused: {refusal}"
    else:
        assert path.name not in REFUSED
        for text in strings_in(message):
            assert "\x00" not in text
            text.encode("utf-8")
    assert time.perf_counter() - started < 2.0
