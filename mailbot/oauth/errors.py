"""The one error every token provider raises: no access token could be had, and what to do about it."""

from __future__ import annotations

from mailbot.errors import SourceError


class TokenError(SourceError):
    """No access token could be had. `diagnosis` is plain words to act on; `code` the provider's (e.g. AADSTS7000215)."""

    def __init__(self, message: str, *, diagnosis: str = "", code: str = "") -> None:
        super().__init__(message)
        self.diagnosis = diagnosis or message
        self.code = code
