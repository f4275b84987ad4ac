"""New-pupil returns in the case database: each file once (by SHA-256), each pupil once (by
natural key), and the near matches still waiting for an officer's review."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models.enums import CaseStatus
from store.create_once import create_once
from store.orm import Case, NewPupilReturn, NewPupilRow

REVIEW = "review"
CLOSURE_REQUESTED = "closure_requested"
NO_MATCH = "no_match"


def claim_return(
    *, session: Session, sha256: str, file_name: str, received_at: datetime
) -> NewPupilReturn:
    """The ledger entry of a file: new, or the one already recorded for the same bytes.

    Args:
        session: The caller's session.
        sha256: The file's SHA-256, hex.
        file_name: Its name (not its folder).
        received_at: When it was first seen (aware).

    Returns:
        The return; `completed_at` is set if an earlier import finished it.
    """
    existing = get_return(session=session, sha256=sha256)
    if existing is not None:
        return existing
    entry = NewPupilReturn(sha256=sha256, file_name=file_name, received_at=received_at)

    def create() -> NewPupilReturn:
        session.add(entry)
        session.flush()
        return entry

    recorded, _created = create_once(
        session=session,
        create=create,
        reread=lambda: get_return(session=session, sha256=sha256),
    )
    return recorded


def get_return(*, session: Session, sha256: str) -> NewPupilReturn | None:
    return session.scalars(
        select(NewPupilReturn).where(NewPupilReturn.sha256 == sha256)
    ).one_or_none()


def complete_return(
    *,
    session: Session,
    return_id: int,
    rows_read: int,
    rows_quarantined: int,
    problem: str | None,
    completed_at: datetime,
) -> NewPupilReturn:
    """Mark a file imported (or rejected whole, with `problem`); the first completion stands."""
    entry = session.get(NewPupilReturn, return_id, with_for_update=True, populate_existing=True)
    if entry is None:
        raise LookupError(f"return_id: no new-pupil return {return_id}")
    if entry.completed_at is None:
        entry.rows_read = rows_read
        entry.rows_quarantined = rows_quarantined
        entry.problem = problem
        entry.completed_at = completed_at
    return entry


def get_row(*, session: Session, natural_key: str) -> NewPupilRow | None:
    return session.scalars(
        select(NewPupilRow).where(NewPupilRow.natural_key == natural_key)
    ).one_or_none()


def record_row(
    *,
    session: Session,
    return_id: int,
    row_number: int,
    natural_key: str,
    school_urn: str | None,
    outcome: str,
    case_reference: str | None,
    score: float | None,
    reasons: list[str],
    payload: dict[str, Any],
    recorded_at: datetime,
) -> tuple[NewPupilRow, bool]:
    """Record one pupil of a return, once per natural key.

    Returns:
        The row, and whether this call recorded it (False: the same pupil was recorded before,
        from this file or another, and that record stands).
    """
    existing = get_row(session=session, natural_key=natural_key)
    if existing is not None:
        return existing, False
    row = NewPupilRow(
        return_id=return_id,
        row_number=row_number,
        natural_key=natural_key,
        school_urn=school_urn,
        outcome=outcome,
        case_reference=case_reference,
        score=score,
        reasons=reasons,
        payload=payload,
        recorded_at=recorded_at,
    )

    def create() -> NewPupilRow:
        session.add(row)
        session.flush()
        return row

    return create_once(
        session=session,
        create=create,
        reread=lambda: get_row(session=session, natural_key=natural_key),
    )


def list_rows(*, session: Session, return_id: int) -> list[NewPupilRow]:
    """The pupils recorded from one return, in file order."""
    return list(
        session.scalars(
            select(NewPupilRow)
            .where(NewPupilRow.return_id == return_id)
            .order_by(NewPupilRow.row_number)
        )
    )


def list_open_reviews(*, session: Session) -> list[NewPupilRow]:
    """Near matches no officer has dealt with yet, oldest first: the review list.

    A near match whose case has closed since (by the officer, or by a later return) drops off.
    """
    return list(
        session.scalars(
            select(NewPupilRow)
            .outerjoin(Case, Case.reference == NewPupilRow.case_reference)
            .where(
                NewPupilRow.outcome == REVIEW,
                NewPupilRow.reviewed_at.is_(None),
                or_(Case.id.is_(None), Case.status != CaseStatus.CLOSED),
            )
            .order_by(NewPupilRow.recorded_at, NewPupilRow.id)
        )
    )


def list_returns(*, session: Session, return_ids: list[int]) -> list[NewPupilReturn]:
    """These returns (for their references)."""
    return list(session.scalars(select(NewPupilReturn).where(NewPupilReturn.id.in_(return_ids))))
