"""Shared fixtures.

Case database: CME_TEST_DATABASE selects the backend, "sqlite" (default, a file per test session)
or "postgresql" (a fresh database on CME_TEST_POSTGRES_URL, dropped at the end). Either way the
schema is built by the real migrations, and every test starts with empty tables.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, create_engine, delete, make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from store.database import make_engine
from store.migrations import migrate
from store.orm import Base

# The product as `make run` starts it, started once per session for the end-to-end, browser and
# public-form tests that ask for it (its fixtures are session-scoped and lazy).
pytest_plugins = ["tests.e2e.product"]

DEFAULT_TEST_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def case_database_backend() -> str:
    """The backend under test: "sqlite" or "postgresql"."""
    backend = os.environ.get("CME_TEST_DATABASE", "sqlite")
    if backend not in ("sqlite", "postgresql"):
        raise pytest.UsageError(
            f"CME_TEST_DATABASE: {backend!r} is not a backend; use sqlite or postgresql"
        )
    return backend


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if case_database_backend() == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs CME_TEST_DATABASE=postgresql")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)


@contextmanager
def fresh_database(directory: Path) -> Iterator[str]:
    """Create an empty database on the selected backend; yield its URL; remove it afterwards."""
    if case_database_backend() == "sqlite":
        yield f"sqlite:///{directory / 'cases.db'}"
        return
    with fresh_postgres_database() as url:
        yield url


@contextmanager
def fresh_postgres_database(prefix: str = "cme_test") -> Iterator[str]:
    """Create an empty PostgreSQL database on CME_TEST_POSTGRES_URL; yield its psycopg URL; drop it.

    The admin URL may name any server: the fault tests pass their own throwaway one.
    """
    admin_url = make_url(os.environ.get("CME_TEST_POSTGRES_URL", DEFAULT_TEST_POSTGRES_URL))
    with fresh_postgres_database_on(admin_url.render_as_string(hide_password=False), prefix) as url:
        yield url


@contextmanager
def fresh_postgres_database_on(admin_url_text: str, prefix: str = "cme_test") -> Iterator[str]:
    """As `fresh_postgres_database`, on the server of the admin URL ``admin_url_text``."""
    admin_url = make_url(admin_url_text)
    name = f"{prefix}_{uuid.uuid4().hex[:16]}"
    # No pool: a connection per statement, so a server restart in between (test_faults) is harmless.
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield admin_url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def case_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A case database migrated to head, shared by the whole test session."""
    with fresh_database(tmp_path_factory.mktemp("case-database")) as url:
        migrate(url)
        yield url


APPEND_ONLY_TABLES = ("case_event", "access_log")


@contextmanager
def append_only_suspended(connection: Connection) -> Iterator[None]:
    """Lift the append-only triggers (case_event, access_log) inside the caller's transaction.

    For tests only: emptying the tables between tests, and tampering with the record to prove the
    chain check finds it. PostgreSQL disables the tables' triggers (table owner); SQLite cannot,
    so its triggers are dropped and re-created from their stored SQL. Both are transactional:
    if the block fails, the rollback restores the triggers.
    """
    if connection.dialect.name == "postgresql":
        for table in APPEND_ONLY_TABLES:
            connection.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        yield
        for table in APPEND_ONLY_TABLES:
            connection.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        return
    names = ", ".join(f"'{table}'" for table in APPEND_ONLY_TABLES)
    triggers = connection.exec_driver_sql(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({names})"
    ).all()
    for name, _ in triggers:
        connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
    yield
    for _, sql in triggers:
        connection.exec_driver_sql(sql)


@pytest.fixture
def engine(case_database_url: str) -> Iterator[Engine]:
    """An engine on the case database; every table is emptied after the test."""
    engine = make_engine(case_database_url)
    try:
        yield engine
    finally:
        with engine.begin() as connection, append_only_suspended(connection):
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(delete(table))
        engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the case database; uncommitted work is rolled back after the test."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """A database with no schema at all, on the selected backend, for migration tests."""
    with fresh_database(tmp_path) as url:
        yield url


@pytest.fixture(autouse=True)
def _no_test_clock_outside_the_product(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The end-to-end stack sets CME_TEST_CLOCK_FILE (and CME_ENVIRONMENT=test) for the whole
    session; a test of settings or of a single app builds its own, where the test clock has no
    place (production refuses it): it is unset for the length of every other test."""
    if "stack" in request.fixturenames or any(
        request.node.get_closest_marker(mark) for mark in ("e2e", "browser")
    ):
        return
    monkeypatch.delenv("CME_TEST_CLOCK_FILE", raising=False)
