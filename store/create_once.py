"""Creating a row once per natural key when concurrent writers may race to create it.

The stores check for an existing row first; that check cannot stop two workers both finding none.
The database's unique constraint decides the race: the loser's insert raises IntegrityError inside
a SAVEPOINT, which is rolled back alone so the caller's transaction stays usable, and the winner's
row is read back instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

T = TypeVar("T")


def create_once(
    *, session: Session, create: Callable[[], T], reread: Callable[[], T | None]
) -> tuple[T, bool]:
    """Run ``create`` inside a SAVEPOINT; if a unique constraint refuses it, read the winner back.

    Everything ``create`` writes (the row, a flush, a case event) is in the one SAVEPOINT, so it is
    all kept or all rolled back together. Never commits: the caller's session does.

    Args:
        session: The caller's session.
        create: Adds (and may flush) the new row and anything recorded with it; returns the row.
        reread: Finds the row recorded under the same natural key, or None.

    Returns:
        The row, and True if this call created it; or the row another writer recorded first and
        False.

    Raises:
        IntegrityError: ``create`` was refused and ``reread`` found no row, so the refusal was not
            a lost race (e.g. another constraint failed).
    """
    try:
        with session.begin_nested():
            created = create()
    except IntegrityError:
        existing = reread()
        if existing is None:
            raise
        return existing, False
    return created, True
