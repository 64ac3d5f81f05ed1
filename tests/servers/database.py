"""The databases the storage tests run on: SQLite always, PostgreSQL where one is configured.

PostgreSQL comes from MAILBOT_TEST_POSTGRES_URL; under CI=true it defaults to
the server these machines run (and its absence is a failure, not a skip).
Each test gets its own schema, dropped afterwards, so parallel runs never meet.
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

CI_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
HOW_TO_ENABLE = ("PostgreSQL tests skipped: set MAILBOT_TEST_POSTGRES_URL=postgresql+psycopg://USER@HOST:PORT/DB "
                 f"to run them (CI uses {CI_POSTGRES})")


def postgres_url() -> str | None:
    url = os.environ.get("MAILBOT_TEST_POSTGRES_URL")
    if not url and os.environ.get("CI") == "true":
        url = CI_POSTGRES
    return url or None


def pytest_report_header(config):
    url = postgres_url()
    return f"postgresql: {url}" if url else HOW_TO_ENABLE


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """A fresh, empty database URL: SQLite in tmp_path, or a new PostgreSQL schema (with search_path set)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'mailbot.db'}"
        return
    url = postgres_url()
    if url is None:
        pytest.skip(HOW_TO_ENABLE)
    schema = "mailbot_test_" + uuid.uuid4().hex[:12]
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as error:  # noqa: BLE001 - turn any connection trouble into one clear message
        admin.dispose()
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL at {url} is not usable in CI: {error}")
        pytest.skip(f"PostgreSQL at {url} is not reachable: {error}")
    separator = "&" if "?" in url else "?"
    yield f"{url}{separator}options=-csearch_path%3D{schema}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def sessions(database_url):
    """A session factory on `database_url`, migrated to the newest schema."""
    from mailbot.db.engine import migrate, open_engine, session_factory

    engine = open_engine(database_url)
    migrate(engine)
    yield session_factory(engine)
    engine.dispose()
