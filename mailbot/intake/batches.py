"""Batches by count and by bytes: how much mail intake holds at a time, whatever the mail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator, NamedTuple

from mailbot.settings import MailboxSettings

MB = 1024 * 1024


@dataclass(frozen=True)
class FetchLimits:
    """How much mail a source hands over at a time, so that memory stays flat whatever the mail.

    A batch holds at most `batch_size` messages and, unless it is one message
    alone, at most `batch_bytes`; a message over `max_message_bytes` comes alone
    as a `LargeMail`, read `chunk_bytes` at a time.
    """

    batch_size: int = 100
    batch_bytes: int = 8 * MB
    max_message_bytes: int = 25 * MB
    chunk_bytes: int = 4 * MB

    def __post_init__(self) -> None:
        if min(self.batch_size, self.batch_bytes, self.max_message_bytes, self.chunk_bytes) < 1:
            raise ValueError(f"every fetch limit must be at least 1: {self}")

    @classmethod
    def for_mailbox(cls, mailbox: MailboxSettings) -> "FetchLimits":
        """The limits of one configured mailbox: its IMAP batch size and its `max_message_mb`."""
        return cls(batch_size=mailbox.imap.batch_size if mailbox.imap else cls.batch_size,
                   max_message_bytes=mailbox.max_message_bytes)


class Planned(NamedTuple):
    """One batch to fetch: the keys of its messages, or one message too large to hold."""

    keys: list
    too_large: bool = False


def plan_batches(sizes: Iterable[tuple[object, int]], limits: FetchLimits) -> Iterator[Planned]:
    """Group (key, size) pairs, in order, into batches within `limits`; each too-large message alone."""
    batch: list = []
    held = 0
    for key, size in sizes:
        if size > limits.max_message_bytes:
            if batch:
                yield Planned(batch)
                batch, held = [], 0
            yield Planned([key], too_large=True)
            continue
        if batch and (len(batch) >= limits.batch_size or held + size > limits.batch_bytes):
            yield Planned(batch)
            batch, held = [], 0
        batch.append(key)
        held += size
    if batch:
        yield Planned(batch)
