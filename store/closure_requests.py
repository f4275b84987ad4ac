"""Closure requests in the case database: a closure decided outside a case's run, kept for the
run to carry out (models/closure.py). One per case; recording it again changes nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.case_events import ClosureRequestCarriedOut, ClosureRequested
from models.enums import CaseStatus, ClosureOutcome, Stage
from store import case_events, guards
from store.create_once import create_once
from store.orm import Case, ClosureRequestRecord


def request_closure(
    *,
    session: Session,
    case_id: int,
    outcome: ClosureOutcome,
    reason: str,
    requested_by: str,
    details: dict[str, Any],
    requested_at: datetime,
) -> tuple[ClosureRequestRecord, bool]:
    """Ask an open case's run to close it; the first request for a case is the request.

    Args:
        session: The caller's session.
        case_id: The case, which must not be closed.
        outcome: The closure outcome, e.g. found on roll.
        reason: For the case history and the officer, e.g. "new-pupil return NP-2026-00003".
        requested_by: Who or what asked, recorded as the closure's actor.
        details: School, URN, admission date, the return: JSON values, no child data.
        requested_at: When (aware).

    Returns:
        The request, and whether this call recorded it (False: it was already there).

    Raises:
        ValueError: The case is already closed.
    """
    existing = get_closure_request(session=session, case_id=case_id)
    if existing is not None:
        return existing, False
    case = session.get(Case, case_id)
    if case is None:
        raise guards.CaseNotFoundError(f"case_id: no case with id {case_id}")
    if case.status is CaseStatus.CLOSED:
        raise ValueError(f"case_id: case {case.reference} is closed; there is nothing to close")
    request = ClosureRequestRecord(
        case_id=case_id,
        outcome=outcome,
        reason=reason,
        requested_by=requested_by,
        details=details,
        requested_at=requested_at,
    )

    def create() -> ClosureRequestRecord:
        session.add(request)
        session.flush()
        case_events.append_event(
            session=session,
            case_id=case_id,
            event=ClosureRequested(outcome=outcome, reason=reason, details=details),
            actor=requested_by,
            occurred_at=requested_at,
        )
        return request

    return create_once(
        session=session,
        create=create,
        reread=lambda: get_closure_request(session=session, case_id=case_id),
    )


def get_closure_request(*, session: Session, case_id: int) -> ClosureRequestRecord | None:
    """The closure requested for a case, carried out or not."""
    return session.scalars(
        select(ClosureRequestRecord).where(ClosureRequestRecord.case_id == case_id)
    ).one_or_none()


def list_outstanding_runs(*, session: Session) -> list[UUID]:
    """The runs of open cases whose closure request their run has not carried out yet, oldest
    request first: the runs to wake (waking one that is not suspended does nothing)."""
    runs = session.scalars(
        select(Case.flow_run_id)
        .join(ClosureRequestRecord, ClosureRequestRecord.case_id == Case.id)
        .where(
            ClosureRequestRecord.applied_at.is_(None),
            Case.status != CaseStatus.CLOSED,
            Case.flow_run_id.is_not(None),
        )
        .order_by(ClosureRequestRecord.requested_at, ClosureRequestRecord.id)
    ).all()
    return [run for run in runs if run is not None]


def mark_closure_carried_out(
    *, session: Session, case_id: int, stage: Stage, at: datetime
) -> ClosureRequestRecord:
    """Record that the case's run carried the request out, at which stage; the first time wins.

    Raises:
        CaseNotFoundError: The case has no closure request.
    """
    request = session.scalars(
        select(ClosureRequestRecord)
        .where(ClosureRequestRecord.case_id == case_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if request is None:
        raise guards.CaseNotFoundError(f"case_id: no closure request for case {case_id}")
    if request.applied_at is None:
        request.applied_at = at
        request.applied_stage = stage
        case_events.append_event(
            session=session,
            case_id=case_id,
            event=ClosureRequestCarriedOut(outcome=request.outcome, stage=stage),
            actor=request.requested_by,
            occurred_at=at,
        )
    return request
