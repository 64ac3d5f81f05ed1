"""Large buffers go back to the system when freed (mailbot/process_memory.py)."""

from __future__ import annotations

from mailbot.process_memory import return_large_buffers_to_the_system


def test_large_buffers_go_back_to_the_system_on_glibc():
    """The pass's peak memory depends on it (tests/e2e/test_intake_limits.py): it must take effect here."""
    assert return_large_buffers_to_the_system() is True
