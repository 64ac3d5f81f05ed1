"""Opening the database: the engine, sessions, and bringing the schema to the newest migration."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from mailbot.errors import ConfigError

log = logging.getLogger("mailbot.db")
MIGRATIONS = Path(__file__).parent / "migrations"


def shown_url(url: str | URL) -> str:
    """A database URL as it may be printed or logged: any password masked."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "(a database URL that cannot be read)"


def open_engine(url: str, *, password: str | None = None, connect_args: dict | None = None,
                create: bool = True) -> Engine:
    """An engine for `url`, with `password` (kept out of the URL string) when one is given.

    For SQLite, `create` makes the file readable by this user only (0600, in
    new folders made 0700) whatever the umask, since it holds complainants'
    personal data; without `create`, a file that is not there raises
    NoDatabase instead of being made.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as error:
        raise ConfigError("storage.url: not a database URL (sqlite:///PATH or postgresql+psycopg://USER@HOST/DB)") from error
    if password is not None:
        parsed = parsed.set(password=password)
    args = dict(connect_args or {})
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            path = Path(parsed.database)
            if create:
                make_private_sqlite_file(path)
            elif not path.is_file():
                raise NoDatabase(shown_url(parsed))
        args.setdefault("timeout", 30)
    elif parsed.get_backend_name() == "postgresql":
        args.setdefault("connect_timeout", 10)   # every network call has a timeout
    try:
        engine = create_engine(parsed, connect_args=args, pool_pre_ping=True)
    except (SQLAlchemyError, ImportError, ValueError) as error:
        raise ConfigError(f"storage.url: cannot use {shown_url(parsed)}: {error}") from error
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


class NoDatabase(ConfigError):
    """There is no mailbot database at the URL (and the command may not make one)."""

    def __init__(self, shown: str):
        self.url = shown
        super().__init__(f"there is no mailbot database at {shown}")


def has_schema(engine: Engine) -> bool:
    """Whether the database holds mailbot's tables (any revision of them)."""
    return inspect(engine).has_table("alembic_version")


def make_private_sqlite_file(path: Path) -> None:
    """Make the SQLite file, and any missing folder above it, private to this user whatever the umask.

    SQLite makes its -wal and -shm files with the database file's mode, so
    they are private too. A database left readable by others (made before
    this rule) is made private, with a warning.
    """
    for folder in reversed([parent for parent in path.parents if not parent.exists()]):
        folder.mkdir(mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        _tighten(path)
        return
    os.fchmod(descriptor, 0o600)
    os.close(descriptor)
    log.info("made the database %s (readable by this user only)", path)


def _tighten(path: Path) -> None:
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            status = file.stat()
            if status.st_mode & 0o077 and status.st_uid == os.getuid():
                os.chmod(file, 0o600)
                log.warning("%s was readable by other users: made it 0600 (it holds personal data)", file)
        except FileNotFoundError:
            continue


def _sqlite_pragmas(connection, _record) -> None:
    # WAL lets `cases list` read while the daemon writes; foreign keys are off by default in SQLite.
    # synchronous=NORMAL: a commit is not waited onto the disk (an fsync per message was a fifth of a backlog's
    # time). It stays atomic and survives the process crashing; only a power cut can undo the last commits,
    # so `make_durable` puts them on disk before anything outside the record changes (settle, send).
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class NotDurable(OperationalError):
    """The record could not be put on disk, so nothing outside it may change yet (the pass stops)."""


def make_durable(session: Session) -> None:
    """Put every commit so far on disk: called before mail is settled on its server or sent.

    Call it outside a write transaction (after a commit, before any
    change). SQLite (synchronous=NORMAL) syncs its write-ahead log before a
    checkpoint and the database after it; a FULL checkpoint waits for
    readers (up to the busy timeout) and reports if it could not finish.
    PostgreSQL commits are durable already (synchronous_commit).
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    busy, _log, _done = session.execute(text("PRAGMA wal_checkpoint(FULL)")).one()
    if busy:
        raise NotDurable("PRAGMA wal_checkpoint(FULL)", None,
                         Exception("a reader held the database past the busy timeout"))


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (a no-op when it is there already).

    Alembic is imported only when there is something to do: it costs some
    11 MB of memory in every run otherwise.
    """
    if _schema_revision(engine) == newest_revision():
        return
    from alembic import command
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def newest_revision() -> str:
    """The newest migration's revision: migration files are named NNNN_what.py and their revision is NNNN."""
    return max(path.name.split("_", 1)[0] for path in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))


def _schema_revision(engine: Engine) -> str | None:
    if not has_schema(engine):
        return None
    with engine.connect() as connection:
        return connection.scalar(text("SELECT version_num FROM alembic_version"))


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
