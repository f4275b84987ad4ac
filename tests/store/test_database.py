"""Engines and sessions on the case database behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.database import engine_for, session_scope
from store.orm import CaseEvent, CaseReferenceSequence


class _Boom(Exception):
    pass


def test_session_scope_commits_when_the_block_succeeds(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add(CaseReferenceSequence(year=2026, last_number=7))

    with Session(engine) as session:
        stored = session.get(CaseReferenceSequence, 2026)
        assert stored is not None and stored.last_number == 7


def test_session_scope_rolls_back_when_the_block_raises(engine: Engine) -> None:
    with pytest.raises(_Boom), session_scope(engine) as session:
        session.add(CaseReferenceSequence(year=2026, last_number=7))
        session.flush()
        raise _Boom

    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(CaseReferenceSequence)) == 0


def test_foreign_keys_are_enforced_when_an_event_names_no_case(engine: Engine) -> None:
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(
            CaseEvent(
                case_id=999_999,
                sequence=1,
                hash="0" * 64,
                occurred_at=datetime(2026, 11, 2, tzinfo=UTC),
                actor="system",
                kind="note",
                payload={},
            )
        )


@pytest.mark.skipif(
    os.environ.get("CME_TEST_DATABASE", "sqlite") != "sqlite", reason="SQLite pragmas"
)
def test_sqlite_connections_use_wal_and_wait_for_locks(engine: Engine) -> None:
    with engine.connect() as connection:
        journal_mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        busy_timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()

    assert (journal_mode, busy_timeout) == ("wal", 30_000)


def test_engine_for_shares_one_engine_per_url(case_database_url: str) -> None:
    first = engine_for(case_database_url)
    try:
        assert engine_for(case_database_url) is first
    finally:
        first.dispose()
        engine_for.cache_clear()
