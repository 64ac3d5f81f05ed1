"""The one tree of errors that mailbot's own code raises.

    MailbotError
    ├── ConfigError            a config file, rule set or template is wrong (exit status 2)
    ├── PatternError           a regular expression that does not compile or cannot be matched in linear time
    ├── SourceError            a mailbox cannot be reached, logged in to or read
    │   └── UidValidityChanged the server renumbered a folder (handled, never fatal)
    ├── SendError              the SMTP server refused or could not be reached
    │   ├── TransientSendError try again later (4xx, timeouts, connection refused)
    │   └── PermanentSendError never succeeds as it is (5xx for every recipient)
    └── UnreadableMail         a message cannot be parsed at all: quarantine it
"""

from __future__ import annotations


class MailbotError(Exception):
    """Base of every error mailbot raises on purpose."""


class ConfigError(MailbotError):
    """A configuration, rules or template mistake, naming the file and key.

    `problems` holds one line per mistake, so that one run reports all of them.
    """

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class PatternError(MailbotError):
    """A regular expression refused by `mailbot.patterns`: the message says why.

    `construct` names what linear-time matching cannot do ("look-behind",
    "look-ahead", "backreference" ...), or is "" for a plain syntax error.
    """

    def __init__(self, reason: str, construct: str = ""):
        self.construct = construct
        super().__init__(reason)


class SourceError(MailbotError):
    """A mailbox could not be reached, logged in to, or read."""


class UidValidityChanged(SourceError):
    """The server's UIDVALIDITY for a folder is not the one recorded."""


class SendError(MailbotError):
    """A message could not be handed to the SMTP server."""


class TransientSendError(SendError):
    """Worth trying again later: a 4xx reply, a timeout, a refused connection."""


class PermanentSendError(SendError):
    """Will not succeed as it is: every recipient refused with a 5xx reply."""


class UnreadableMail(MailbotError):
    """The bytes of a message cannot be made into a Message at all."""
