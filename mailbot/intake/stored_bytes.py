"""A recorded message's bytes, written and read with as few copies in memory as each database allows.

A message over its mailbox's size limit is never held whole: it is read
from its source twice, once for its digests and Message-ID (what decides
whether it is new), once into the record. Any message over a megabyte is
written in chunks: PostgreSQL builds the value on its side from a temporary
table of chunks, in linear time. SQLite runs in our process, so a value it
builds is built in our memory: the bytes' row (`raw_messages`, apart from
the message's row, whose status changes) is inserted as a zero blob of the
right size, which SQLite stores without building it, and the chunks are
written into that blob (incremental blob I/O).
"""

from __future__ import annotations

import sqlite3
from typing import Iterable, Iterator

from sqlalchemy import LargeBinary, func, insert, select
from sqlalchemy.orm import Session

from mailbot.db.models import RawMessage
from mailbot.errors import SourceError
from mailbot.intake.identity import HEADER_BYTES, Digests
from mailbot.intake.raw import LargeMail

CHUNK = 4 * 1024 * 1024
WHOLE_BYTES = 1024 * 1024   # a smaller message is inserted with its row, in one statement


def read_digests(mail: LargeMail) -> tuple[Digests, bytes]:
    """The digests of `mail`'s bytes and their first HEADER_BYTES (the header block), read once through."""
    digests, head = Digests(), b""
    for chunk in mail.read():
        head = head or chunk[:HEADER_BYTES]
        digests.feed(chunk)
    return digests, head


def write_raw(session: Session, message_id: int, raw: bytes) -> None:
    """Write the bytes of inbound message `message_id` (inserted without them), held whole.

    In slices: PostgreSQL's driver would otherwise copy the whole value twice
    more on its way out.
    """
    view = memoryview(raw)
    _write_chunks(session, message_id, (view[start:start + CHUNK] for start in range(0, len(raw), CHUNK)), len(raw))


def copy_large(session: Session, message_id: int, mail: LargeMail, expected: Digests) -> None:
    """Read `mail` again into the bytes of inbound message `message_id` (inserted without them).

    A source that gives other bytes than it gave for `read_digests` is a
    SourceError: the caller's transaction is rolled back and the next pass
    tries again.
    """
    digests = Digests()
    _write_chunks(session, message_id, _checked(mail, digests, expected), expected.size)
    if digests.sha256 != expected.sha256:
        raise SourceError(f"mailbox {mail.mailbox}: {mail.source_key} changed while it was being read")


def _write_chunks(session: Session, message_id: int, chunks: Iterable[bytes], size: int) -> None:
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        # Core, not the ORM: the ORM would read a value made by SQL back, all of it.
        connection.execute(insert(RawMessage).values(message_id=message_id, raw=func.zeroblob(size)))
        with connection.connection.driver_connection.blobopen("raw_messages", "raw", message_id) as blob:
            for chunk in chunks:
                blob.write(chunk)
        return
    # `%b`: each chunk goes out as binary, one copy (`%s` makes two, text four).
    driver = connection.connection.driver_connection
    driver.execute("CREATE TEMPORARY TABLE IF NOT EXISTS intake_chunks "
                   "(number integer PRIMARY KEY, chunk bytea NOT NULL) ON COMMIT DROP")
    for number, chunk in enumerate(chunks):
        driver.execute("INSERT INTO intake_chunks (number, chunk) VALUES (%s, %b)", (number, chunk))
    driver.execute("INSERT INTO raw_messages (message_id, raw) SELECT %s, COALESCE((SELECT string_agg(chunk, "
                   "''::bytea ORDER BY number) FROM intake_chunks), ''::bytea)", (message_id,))
    driver.execute("DELETE FROM intake_chunks")


def _checked(mail: LargeMail, digests: Digests, expected: Digests) -> Iterator[bytes]:
    for chunk in mail.read():
        if digests.size + len(chunk) > expected.size:
            raise SourceError(f"mailbox {mail.mailbox}: {mail.source_key} grew while it was being read")
        digests.feed(chunk)
        yield chunk


def stored_body_sha256(session: Session, message_id: int) -> str:
    """The body digest of a recorded message, read a chunk at a time (it may be one too large to hold)."""
    where = RawMessage.message_id == message_id
    length = session.scalar(select(func.length(RawMessage.raw)).where(where)) or 0
    digests = Digests()
    for start in range(1, length + 1, CHUNK):   # SQL counts from 1
        digests.feed(session.scalar(select(func.substr(RawMessage.raw, start, CHUNK, type_=LargeBinary))
                                    .where(where)))
    return digests.body_sha256


def read_raw(session: Session, message_id: int) -> bytes | bytearray:
    """The bytes of a recorded message, read with as few copies as the database allows.

    The ORM would read PostgreSQL's bytea as hex text (about six times the
    message) and SQLite's blob through a copy of the whole row. PostgreSQL's
    driver keeps its receive buffer as large as the largest result it ever
    read, so the bytes come in binary chunks, each written into one
    bytearray of the final size (joining them would hold the message twice);
    `parse_message` reads a bytearray in place.
    """
    connection = session.connection()
    driver = connection.connection.driver_connection
    if connection.dialect.name == "sqlite":
        with driver.blobopen("raw_messages", "raw", message_id, readonly=True) as blob:
            return blob.read()
    if connection.dialect.driver != "psycopg":
        return session.scalar(select(RawMessage.raw).where(RawMessage.message_id == message_id))
    with driver.cursor(binary=True) as cursor:
        size = cursor.execute("SELECT length(raw) FROM raw_messages WHERE message_id = %s", (message_id,)).fetchone()[0]
        whole = bytearray(size)
        for start in range(0, size, CHUNK):
            cursor.execute("SELECT substr(raw, %s, %s) FROM raw_messages WHERE message_id = %s",
                           (start + 1, CHUNK, message_id))   # SQL counts from 1
            chunk = cursor.fetchone()[0]
            whole[start:start + len(chunk)] = chunk
            del chunk
    return whole


def stored_size(session: Session, message_id: int) -> int:
    """How many bytes a recorded message has, without reading them."""
    return session.scalar(select(func.length(RawMessage.raw)).where(RawMessage.message_id == message_id)) or 0


def stored_head(session: Session, message_id: int, size: int = 64 * 1024) -> bytes:
    """The first `size` bytes of a recorded message (its header block), without reading the rest."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":   # SQLite's substr() would load the whole value first
        try:
            with connection.connection.driver_connection.blobopen("raw_messages", "raw", message_id,
                                                                  readonly=True) as blob:
                return blob.read(size)
        except sqlite3.OperationalError:   # no such row
            return b""
    return session.scalar(select(func.substr(RawMessage.raw, 1, size, type_=LargeBinary))
                          .where(RawMessage.message_id == message_id)) or b""
