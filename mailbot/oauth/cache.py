"""Access tokens kept in memory until shortly before they expire, per provider, tenant, client, user and scope."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

EARLY_SECONDS = 300     # a token is renewed this long before it expires: a login never meets an expired one


@dataclass(frozen=True)
class Issued:
    """An access token and how many seconds it lives from when it was issued."""

    token: str = field(repr=False)
    expires_in: float

    def __repr__(self) -> str:
        return f"Issued(token=<hidden>, expires_in={self.expires_in!r})"


@dataclass(frozen=True)
class CacheKey:
    provider: str
    tenant: str
    client: str
    user: str
    scope: str


class TokenCache:
    """In-memory tokens, safe across threads; `clock` counts seconds (monotonic: tokens expire in real time)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._tokens: dict[CacheKey, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: CacheKey) -> str | None:
        """The cached token for `key` while it has more than EARLY_SECONDS to live; else None."""
        with self._lock:
            held = self._tokens.get(key)
            if held is None:
                return None
            token, renew_at = held
            if self.clock() >= renew_at:
                del self._tokens[key]
                return None
            return token

    def put(self, key: CacheKey, issued: Issued) -> None:
        """Keep `issued` until EARLY_SECONDS before it expires (a token that short-lived is not kept)."""
        with self._lock:
            self._tokens[key] = (issued.token, self.clock() + issued.expires_in - EARLY_SECONDS)

    def forget(self, key: CacheKey) -> None:
        """Drop `key`'s token (the server refused it, say)."""
        with self._lock:
            self._tokens.pop(key, None)

    def __repr__(self) -> str:
        return f"TokenCache({len(self._tokens)} tokens)"
