"""Connections to the case database: engines, sessions and migrations.

SQLite (the one-machine default) and PostgreSQL via psycopg 3 (``postgresql+psycopg://...``) are
both supported; the schema is created and upgraded only by the Alembic migrations.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session

# Engine and Session are named here too, so the layers above can hold an engine or a session
# handed to them without importing SQLAlchemy (they never build a query themselves).
__all__ = [
    "SQLITE_BUSY_TIMEOUT_MS",
    "Engine",
    "Session",
    "engine_for",
    "make_engine",
    "session_scope",
]

SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str, *, read_only: bool = False) -> Engine:
    """Create an engine for the case database.

    On SQLite every connection enforces foreign keys, uses the WAL journal (readers do not block
    the writer) and waits up to 30 seconds for a lock. Every transaction starts with
    ``BEGIN IMMEDIATE``: it takes the write lock at the start, so a transaction that reads and then
    writes cannot fail half-way with "database is locked" when another writer got in first, and
    SAVEPOINTs work as they do on PostgreSQL.

    A ``read_only`` engine on SQLite starts plain (deferred) transactions instead: in WAL mode a
    reader then never waits for, nor blocks, a writer (the sign-in gateway reads the person table
    on every API call). Writing through it is refused by SQLite (``PRAGMA query_only``).

    Args:
        url: A SQLAlchemy URL, e.g. ``sqlite:////var/cme/cases.db`` or
            ``postgresql+psycopg://cme@db.example.gov.uk/cme``.
        read_only: Only reads go through this engine.

    Returns:
        A new engine; the caller owns it (see `engine_for` for a shared one).
    """
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)

    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to the "begin" listener below instead of pysqlite.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            if read_only:
                cursor.execute("PRAGMA query_only = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


@functools.cache
def engine_for(url: str) -> Engine:
    """Return the process-wide engine for ``url``, created on first use.

    Args:
        url: The case database URL.

    Returns:
        The same engine for the same URL, so tasks share one connection pool.
    """
    return make_engine(url)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """Run one unit of work: commit if the block succeeds, roll back if it raises.

    Objects stay loaded after the commit, so callers may read them after the block.

    Args:
        engine: The case database engine.

    Yields:
        A session whose transaction ends with the block.
    """
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session
