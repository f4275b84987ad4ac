"""create_once against a real case database: the first create wins, a racing second create gets
the winner back, and a refusal no re-read explains is raised, leaving the caller's session usable.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.create_once import create_once
from store.database import session_scope
from store.orm import NewPupilReturn

AT = datetime(2026, 11, 27, 9, tzinfo=UTC)
SHA = "a" * 64


def _creator(session: Session, file_name: str) -> Callable[[], NewPupilReturn]:
    """Insert a return under SHA, without looking first: as a worker that lost the race would."""

    def create() -> NewPupilReturn:
        entry = NewPupilReturn(sha256=SHA, file_name=file_name, received_at=AT)
        session.add(entry)
        session.flush()
        return entry

    return create


def _reread(session: Session) -> Callable[[], NewPupilReturn | None]:
    return lambda: session.scalars(
        select(NewPupilReturn).where(NewPupilReturn.sha256 == SHA)
    ).one_or_none()


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(NewPupilReturn)) or 0


def test_the_first_create_records_the_row_and_says_so(engine: Engine) -> None:
    with session_scope(engine) as session:
        entry, created = create_once(
            session=session, create=_creator(session, "first.csv"), reread=_reread(session)
        )
        assert created is True
        assert entry.id is not None and entry.file_name == "first.csv"
    with session_scope(engine) as session:
        assert _reread(session)() is not None
        assert _count(session) == 1


def test_a_second_create_of_the_same_key_gets_the_recorded_row_back(engine: Engine) -> None:
    with session_scope(engine) as session:
        first, _ = create_once(
            session=session, create=_creator(session, "first.csv"), reread=_reread(session)
        )
        first_id = first.id
    with session_scope(engine) as session:
        entry, created = create_once(
            session=session, create=_creator(session, "second.csv"), reread=_reread(session)
        )
        assert created is False
        assert entry.id == first_id and entry.file_name == "first.csv"
        # Only the SAVEPOINT was rolled back: the caller's transaction goes on.
        assert _count(session) == 1
    with session_scope(engine) as session:
        assert _count(session) == 1


def test_a_refusal_with_nothing_to_reread_is_raised(engine: Engine) -> None:
    with session_scope(engine) as session:
        create_once(session=session, create=_creator(session, "first.csv"), reread=_reread(session))
    with Session(engine, expire_on_commit=False) as session:
        with pytest.raises(IntegrityError):
            create_once(
                session=session, create=_creator(session, "second.csv"), reread=lambda: None
            )
        # The refused insert went with its SAVEPOINT; the session can still read and write.
        assert _count(session) == 1
        session.add(NewPupilReturn(sha256="b" * 64, file_name="other.csv", received_at=AT))
        session.commit()
    with session_scope(engine) as session:
        assert _count(session) == 2
