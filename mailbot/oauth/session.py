"""The HTTP session every token request goes through: each request bounded by the caller's timeout."""

from __future__ import annotations

import requests


class TimedSession(requests.Session):
    """A requests.Session whose every request has a timeout unless the caller gives one.

    msal and google-auth both take a session; neither bounds a request by
    itself when handed one, and a token request must never hang a pass.
    """

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        if kwargs["timeout"] is None:
            kwargs["timeout"] = self.timeout
        return super().request(method, url, **kwargs)
