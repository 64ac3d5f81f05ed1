"""Reference numbers per body and year: `PCP-2026-00042`."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from mailbot.db.models import ReferenceCounter


def format_reference(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year}-{number:05d}"


def next_reference(session: Session, prefix: str, year: int) -> str:
    """Take the next number for (prefix, year) inside the caller's transaction.

    The counter row is made if missing (ignoring a race to make it), then
    incremented by one UPDATE: two daemons on one PostgreSQL never get the
    same number, the second waits on the row lock until the first commits.
    """
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
    session.execute(insert(ReferenceCounter).values(prefix=prefix, year=year, last_number=0)
                    .on_conflict_do_nothing())
    number = session.execute(
        update(ReferenceCounter)
        .where(ReferenceCounter.prefix == prefix, ReferenceCounter.year == year)
        .values(last_number=ReferenceCounter.last_number + 1)
        .returning(ReferenceCounter.last_number)
    ).scalar_one()
    return format_reference(prefix, year, number)

