"""Opening the database: the engine, sessions, and bringing the schema to the newest migration."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from mailbot.errors import ConfigError

log = logging.getLogger("mailbot.db")
MIGRATIONS = Path(__file__).parent / "migrations"


def open_engine(url: str, *, connect_args: dict | None = None) -> Engine:
    """An engine for `url`; for SQLite the folder is made and writers wait rather than fail."""
    args = dict(connect_args or {})
    if url.startswith("sqlite"):
        database = url.split("///", 1)[-1]
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        args.setdefault("timeout", 30)
    elif url.startswith("postgresql"):
        args.setdefault("connect_timeout", 10)   # every network call has a timeout
    try:
        engine = create_engine(url, connect_args=args, pool_pre_ping=True)
    except (SQLAlchemyError, ImportError, ValueError) as error:
        raise ConfigError(f"storage.url: cannot use {url!r}: {error}") from error
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(connection, _record) -> None:
    # WAL lets `cases list` read while the daemon writes; foreign keys are off by default in SQLite.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (a no-op when it is there already)."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
