"""A process killed the instant it got a token has already saved the rotated refresh token: the next one goes on."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from mailbot.oauth.token_store import Grant, read_grant, save_grant

WORKTREE = Path(__file__).resolve().parents[2]


def child(idp, store: Path, then: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tests.oauth.refresh_child", str(idp.port), str(store),
                           idp.tenant, idp.client_id, then],
                          cwd=WORKTREE, env={**os.environ, "PYTHONPATH": str(WORKTREE)},
                          capture_output=True, text=True, timeout=60)


def test_a_process_killed_right_after_a_rotation_leaves_the_new_refresh_token_for_the_next(idp, tmp_path):
    """GIVEN a saved refresh token that the provider rotates (and retires) on every use
    WHEN a process refreshes it and is SIGKILLed the instant the access token is returned
    THEN the store holds the new refresh token, the old one is refused, and a fresh process gets a token."""
    store = tmp_path / "complaints.json"
    first = idp.new_refresh_token()
    save_grant(store, Grant("microsoft", idp.client_id, first, tenant_id=idp.tenant))

    killed = child(idp, store, "kill")

    assert killed.returncode == -signal.SIGKILL, killed.stderr
    rotated = idp.issued_refresh_tokens[-1]
    assert rotated != first and first not in idp.live_refresh_tokens
    assert read_grant(store).refresh_token == rotated

    fresh = child(idp, store, "print")

    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert fresh.stdout.strip() == hashlib.sha256(idp.issued_access_tokens[-1].encode()).hexdigest()
    assert read_grant(store).refresh_token == idp.issued_refresh_tokens[-1] != rotated


def test_the_retired_refresh_token_is_refused_by_the_endpoint(idp, tmp_path):
    store = tmp_path / "complaints.json"
    first = idp.new_refresh_token()
    save_grant(store, Grant("microsoft", idp.client_id, first, tenant_id=idp.tenant))
    assert child(idp, store, "print").returncode == 0

    save_grant(store, Grant("microsoft", idp.client_id, first, tenant_id=idp.tenant))   # as if the save were lost
    stale = child(idp, store, "print")

    assert stale.returncode == 1 and stale.stdout.strip() == "refused AADSTS700082"
