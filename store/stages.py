"""Stages of a case: start, due date, clock pauses, completion, and what is due.

Every function takes the caller's session and never commits; creates are idempotent on a
natural key, so a resumed run that replays from the top writes nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.case_events import (
    StageClockPaused,
    StageClockResumed,
    StageCompleted,
    StageDueChanged,
    StageStarted,
)
from models.enums import CaseStatus, Stage
from store.case_events import append_event
from store.cases import require_case
from store.create_once import create_once
from store.guards import CaseNotFoundError, require_aware
from store.orm import (
    Case,
    StageRecord,
)


def start_stage(
    *,
    session: Session,
    case_id: int,
    stage: Stage,
    started_at: datetime,
    due_on: date | None,
) -> StageRecord:
    """Start a statutory stage with its stored deadline, and make it the case's current stage.

    Idempotent: if the stage was already started, the recorded stage is returned unchanged (its
    start and deadline included) and no event is appended.

    Args:
        session: The caller's session.
        case_id: The case.
        stage: The stage to start.
        started_at: When it started (aware).
        due_on: Its deadline, computed by the calendar rules; None if the stage has none.

    Returns:
        The stage record.
    """
    require_aware(started_at=started_at)
    existing = get_stage(session=session, case_id=case_id, stage=stage)
    if existing is not None:
        return existing
    case = require_case(session=session, case_id=case_id)

    def create() -> StageRecord:
        record = StageRecord(case_id=case_id, name=stage, started_at=started_at, due_on=due_on)
        session.add(record)
        session.flush()
        case.current_stage = stage
        append_event(
            session=session,
            case_id=case_id,
            event=StageStarted(stage=stage, due_on=due_on),
            actor="system",
            occurred_at=started_at,
        )
        return record

    record, _created = create_once(
        session=session,
        create=create,
        reread=lambda: get_stage(session=session, case_id=case_id, stage=stage),
    )
    return record


def complete_stage(
    *,
    session: Session,
    case_id: int,
    stage: Stage,
    outcome: str,
    completed_at: datetime,
) -> StageRecord:
    """Record a stage's outcome. The first outcome wins; a replay changes nothing.

    Args:
        session: The caller's session.
        case_id: The case.
        stage: The stage, which must have been started.
        outcome: The stage's typed outcome, as its string value.
        completed_at: When it completed (aware).

    Returns:
        The stage record, carrying the first recorded outcome.

    Raises:
        CaseNotFoundError: The stage was never started.
    """
    require_aware(completed_at=completed_at)
    record = _lock_stage(session=session, case_id=case_id, stage=stage)
    if record.completed_at is not None:
        return record
    record.completed_at = completed_at
    record.outcome = outcome
    append_event(
        session=session,
        case_id=case_id,
        event=StageCompleted(stage=stage, outcome=outcome),
        actor="system",
        occurred_at=completed_at,
    )
    return record


def set_stage_due(
    *,
    session: Session,
    case_id: int,
    stage: Stage,
    due_on: date,
    at: datetime,
    actor: str,
    reason: str,
    details: dict[str, Any],
) -> StageRecord:
    """Move a started stage's deadline, e.g. when a notice is served and its period starts.

    Idempotent: setting the deadline it already has changes nothing and appends no event, so a
    replayed run records the move once.

    Args:
        session: The caller's session.
        case_id: The case.
        stage: The stage, which must have been started.
        due_on: The new deadline.
        at: When it moved (aware).
        actor: Who or what moved it.
        reason: Why, for the case history, e.g. "s437(1) notice served".
        details: How the deadline was computed (dates, period), as JSON-compatible values.

    Returns:
        The stage record.

    Raises:
        CaseNotFoundError: The stage was never started.
    """
    require_aware(at=at)
    record = _lock_stage(session=session, case_id=case_id, stage=stage)
    if record.due_on == due_on:
        return record
    previous = record.due_on
    record.due_on = due_on
    append_event(
        session=session,
        case_id=case_id,
        event=StageDueChanged(
            stage=stage, from_due_on=previous, to=due_on, reason=reason, details=details
        ),
        actor=actor,
        occurred_at=at,
    )
    return record


def get_stage(*, session: Session, case_id: int, stage: Stage) -> StageRecord | None:
    """Find a case's record of a stage.

    Args:
        session: The caller's session.
        case_id: The case.
        stage: The stage.

    Returns:
        The stage record, or None if the stage has not started.
    """
    return session.scalars(
        select(StageRecord).where(StageRecord.case_id == case_id, StageRecord.name == stage)
    ).one_or_none()


def list_open_stages_due_by(*, session: Session, on: date) -> list[StageRecord]:
    """List the uncompleted stages of live cases whose deadline is on or before ``on``.

    Stages whose clock is paused are left out: their deadline is not running.

    Args:
        session: The caller's session.
        on: The day the sweep runs for.

    Returns:
        The due and overdue stages, earliest deadline first.
    """
    return list(
        session.scalars(
            select(StageRecord)
            .join(Case, Case.id == StageRecord.case_id)
            .where(
                StageRecord.completed_at.is_(None),
                StageRecord.due_on <= on,
                StageRecord.clock_paused_at.is_(None),
                Case.status != CaseStatus.CLOSED,
            )
            .order_by(StageRecord.due_on, StageRecord.id)
        )
    )


@dataclass(frozen=True)
class DueStage:
    """An open stage with a running clock, and what the sweep needs of its case (no child data)."""

    stage_id: int
    case_id: int
    reference: str
    stage: Stage
    due_on: date
    officer_id: str
    flow_run_id: UUID | None


def list_due_stages(*, session: Session, due_by: date) -> list[DueStage]:
    """List open stages of live cases with a running clock, due on or before ``due_by``.

    One query on the ``(completed_at, due_on)`` index, joined to the case by primary key, reading
    columns rather than objects: its cost grows with the stages due, not with every open case.

    Args:
        session: The caller's session.
        due_by: The latest due date wanted (the sweep's day plus the reminder lead time).

    Returns:
        The stages, earliest due date first.
    """
    # Through the connection, not the ORM: plain rows are several times cheaper to read.
    rows = session.connection().execute(
        select(
            StageRecord.id,
            StageRecord.case_id,
            Case.reference,
            StageRecord.name,
            StageRecord.due_on,
            Case.officer_id,
            Case.flow_run_id,
        )
        .join(Case, Case.id == StageRecord.case_id)
        .where(
            StageRecord.completed_at.is_(None),
            StageRecord.due_on.is_not(None),
            StageRecord.due_on <= due_by,
            StageRecord.clock_paused_at.is_(None),
            Case.status != CaseStatus.CLOSED,
        )
        .order_by(StageRecord.due_on, StageRecord.id)
    )
    return [
        DueStage(
            stage_id=stage_id,
            case_id=case_id,
            reference=reference,
            stage=stage,
            due_on=due_on,
            officer_id=officer_id,
            flow_run_id=flow_run_id,
        )
        for stage_id, case_id, reference, stage, due_on, officer_id, flow_run_id in rows
        if due_on is not None  # the query excludes it; this tells the type checker
    ]


def pause_stage_clock(
    *, session: Session, case_id: int, stage: Stage, at: datetime, actor: str, reason: str
) -> StageRecord:
    """Stop a stage's clock, with the reason, as a case event. Pausing a paused clock is a no-op.

    Args:
        session: The caller's session.
        case_id: The case.
        stage: The stage, which must be started and not completed.
        at: When the clock stopped (aware).
        actor: Who paused it.
        reason: Why, e.g. "awaiting a court direction".

    Returns:
        The stage record.

    Raises:
        CaseNotFoundError: The stage was never started.
        ValueError: The reason is blank, or the stage is already completed.
    """
    require_aware(at=at)
    if not reason.strip():
        raise ValueError("reason: a clock is paused only with a reason")
    record = _lock_stage(session=session, case_id=case_id, stage=stage)
    if record.completed_at is not None:
        raise ValueError(f"stage: {stage.value} is completed; its clock has stopped for good")
    if record.clock_paused_at is not None:
        return record
    record.clock_paused_at = at
    record.clock_pause_reason = reason.strip()
    append_event(
        session=session,
        case_id=case_id,
        event=StageClockPaused(stage=stage, reason=reason.strip(), due_on=record.due_on),
        actor=actor,
        occurred_at=at,
    )
    return record


def resume_stage_clock(
    *,
    session: Session,
    case_id: int,
    stage: Stage,
    at: datetime,
    actor: str,
    reason: str,
    due_on: date | None,
) -> StageRecord:
    """Restart a paused stage's clock with its new due date, as a case event.

    Resuming a running clock is a no-op.

    Args:
        session: The caller's session.
        case_id: The case.
        stage: The stage.
        at: When the clock restarted (aware).
        actor: Who resumed it.
        reason: Why, e.g. "court direction received".
        due_on: The due date from now on (the caller moves it by the time paused).

    Returns:
        The stage record.

    Raises:
        CaseNotFoundError: The stage was never started.
        ValueError: The reason is blank.
    """
    require_aware(at=at)
    if not reason.strip():
        raise ValueError("reason: a clock is resumed only with a reason")
    record = _lock_stage(session=session, case_id=case_id, stage=stage)
    if record.clock_paused_at is None:
        return record
    paused_at = record.clock_paused_at
    previous = record.due_on
    record.clock_paused_at = None
    record.clock_pause_reason = None
    record.due_on = due_on
    append_event(
        session=session,
        case_id=case_id,
        event=StageClockResumed(
            stage=stage,
            reason=reason.strip(),
            paused_at=paused_at,
            from_due_on=previous,
            to=due_on,
        ),
        actor=actor,
        occurred_at=at,
    )
    return record


def _lock_stage(*, session: Session, case_id: int, stage: Stage) -> StageRecord:
    record = session.scalars(
        select(StageRecord)
        .where(StageRecord.case_id == case_id, StageRecord.name == stage)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if record is None:
        raise CaseNotFoundError(f"stage: {stage.value} was never started on case {case_id}")
    return record
