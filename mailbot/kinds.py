"""The kinds of mail mailbot sends: the wire strings of `X-Mailbot-Kind`."""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    ACKNOWLEDGEMENT = "acknowledgement"
    REQUEST_DETAILS = "request-details"
    REDIRECT = "redirect"
    REDIRECT_NOTICE = "redirect-notice"
    SIGNPOST = "signpost"
    STAFF_NOTIFICATION = "staff-notification"
    CASE_UPDATE = "case-update"
    CORRESPONDENCE = "correspondence"
    COMMAND_ERROR = "command-error"
    STAFF_REMINDER = "staff-reminder"
    PROGRESS_REMINDER = "progress-reminder"
    ESCALATION = "escalation"
    COMPLAINANT_REMINDER = "complainant-reminder"
    CLOSURE_NOTICE = "closure-notice"
    DIGEST = "digest"
    ALERT = "alert"

    @property
    def answers_a_message(self) -> bool:
        """Whether this kind is a reply to a received message (RFC 3834 `auto-replied`)."""
        return self in _ANSWERS

    @property
    def capped(self) -> bool:
        """Whether this kind counts towards the per-address cap on automatic answers."""
        return self in _CAPPED


_ANSWERS = frozenset({
    Kind.ACKNOWLEDGEMENT, Kind.REQUEST_DETAILS, Kind.REDIRECT_NOTICE, Kind.SIGNPOST,
    Kind.CORRESPONDENCE, Kind.COMMAND_ERROR,
})

_CAPPED = frozenset({
    Kind.ACKNOWLEDGEMENT, Kind.REQUEST_DETAILS, Kind.REDIRECT_NOTICE, Kind.SIGNPOST,
    Kind.COMPLAINANT_REMINDER, Kind.CLOSURE_NOTICE,
})
