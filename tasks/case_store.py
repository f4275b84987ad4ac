"""Reading and writing the case database: the system of record (DESIGN.md decisions 2, 3 and 5).

Every function takes the caller's session and never commits: the caller's ``session_scope`` does.
A resumed Prefect run executes its flow again from the top, so every create here is idempotent on
a natural key (flow run, stage, suspend key, notification key): a replay returns what was recorded
and appends no second event. Two workers racing on the same key are resolved by the database's
unique constraint inside a SAVEPOINT, after which the winner's row is read back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.case_record import canonical_json, event_hash
from models.enums import CaseStatus, ClosureOutcome, Stage
from models.orm import (
    Case,
    CaseEvent,
    CaseReferenceSequence,
    Child,
    Decision,
    Notification,
    ReferralRecord,
    StageRecord,
)
from models.referral import Referral
from tasks.create_once import create_once

# A failure message is kept for the team lead, not as a log: long tracebacks are cut.
MAX_ERROR_LENGTH = 2000


class CaseNotFoundError(LookupError):
    """Raised when a case, stage or notification the caller names does not exist."""


def open_case(
    *,
    session: Session,
    referral: Referral,
    flow_run_id: UUID | None,
    officer_id: str,
    dspl_area: int | None,
    config_version: str,
    opened_at: datetime,
    actor: str,
) -> Case:
    """Open a case for a referral: child, referral as received, reference, "case_opened" event.

    Idempotent on ``flow_run_id``: a replay of the same flow run returns the case it opened.

    Args:
        session: The caller's session.
        referral: The referral as submitted; stored unchanged as JSON.
        flow_run_id: The Prefect flow run that is this case, if already known.
        officer_id: The CME officer the case is routed to (a role id, e.g. "cme-officer-dspl-1-5").
        dspl_area: The DSPL area (1-9) of the child's address, if known.
        config_version: The version of the team configuration the routing used.
        opened_at: When the case was opened (aware); its year numbers the reference.
        actor: Who or what opened it, for the case history.

    Returns:
        The new case, or the existing case of ``flow_run_id``.
    """
    _require_aware(opened_at=opened_at)
    if flow_run_id is not None:
        existing = get_case_by_flow_run(session=session, flow_run_id=flow_run_id)
        if existing is not None:
            return existing

    def create() -> Case:
        child = Child(
            forenames=referral.child_forenames,
            surname=referral.child_surname,
            aliases=list(referral.child_aliases),
            date_of_birth=referral.child_date_of_birth,
            sex=referral.child_sex,
            upn=referral.child_upn,
            address=referral.address,
            postcode=referral.postcode,
        )
        case = Case(
            reference=_allocate_reference(session=session, year=opened_at.year),
            status=CaseStatus.OPEN,
            officer_id=officer_id,
            dspl_area=dspl_area,
            opened_at=opened_at,
            flow_run_id=flow_run_id,
            config_version=config_version,
            child=child,
        )
        session.add(case)
        session.add(
            ReferralRecord(
                case=case,
                flow_run_id=flow_run_id,
                received_on=referral.received_on,
                referrer_type=referral.referrer_type,
                payload=referral.model_dump(mode="json"),
                recorded_at=opened_at,
            )
        )
        session.flush()
        # No child's name in the history: events are read widely and kept long.
        append_event(
            session=session,
            case_id=case.id,
            kind="case_opened",
            actor=actor,
            occurred_at=opened_at,
            payload={"reference": case.reference, "officer_id": officer_id, "dspl_area": dspl_area},
        )
        return case

    if flow_run_id is None:
        return create()
    case, _created = create_once(
        session=session,
        create=create,
        reread=lambda: get_case_by_flow_run(session=session, flow_run_id=flow_run_id),
    )
    return case


def get_case(*, session: Session, reference: str) -> Case | None:
    """Find a case by its reference.

    Args:
        session: The caller's session.
        reference: e.g. "CME-2026-00042".

    Returns:
        The case, or None if no case has that reference.
    """
    return session.scalars(select(Case).where(Case.reference == reference)).one_or_none()


def get_case_by_flow_run(*, session: Session, flow_run_id: UUID) -> Case | None:
    """Find the case a Prefect flow run is running.

    Args:
        session: The caller's session.
        flow_run_id: The flow run's id.

    Returns:
        The case, or None if no case is attached to that flow run.
    """
    return session.scalars(select(Case).where(Case.flow_run_id == flow_run_id)).one_or_none()


def attach_flow_run(*, session: Session, case_id: int, flow_run_id: UUID) -> None:
    """Record which Prefect flow run is running a case; set once, repeating it is a no-op.

    Args:
        session: The caller's session.
        case_id: The case.
        flow_run_id: The flow run's id.

    Raises:
        ValueError: The case already runs under a different flow run.
    """
    case = _lock_case(session=session, case_id=case_id)
    if case.flow_run_id == flow_run_id:
        return
    if case.flow_run_id is not None:
        raise ValueError(
            f"flow_run_id: case {case.reference} already runs as flow run {case.flow_run_id}, "
            f"not {flow_run_id}"
        )
    case.flow_run_id = flow_run_id
    session.flush()


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
    _require_aware(started_at=started_at)
    existing = get_stage(session=session, case_id=case_id, stage=stage)
    if existing is not None:
        return existing
    case = _require_case(session=session, case_id=case_id)

    def create() -> StageRecord:
        record = StageRecord(case_id=case_id, name=stage, started_at=started_at, due_on=due_on)
        session.add(record)
        session.flush()
        case.current_stage = stage
        append_event(
            session=session,
            case_id=case_id,
            kind="stage_started",
            actor="system",
            occurred_at=started_at,
            payload={"stage": stage.value, "due_on": due_on.isoformat() if due_on else None},
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
    _require_aware(completed_at=completed_at)
    record = _lock_stage(session=session, case_id=case_id, stage=stage)
    if record.completed_at is not None:
        return record
    record.completed_at = completed_at
    record.outcome = outcome
    append_event(
        session=session,
        case_id=case_id,
        kind="stage_completed",
        actor="system",
        occurred_at=completed_at,
        payload={"stage": stage.value, "outcome": outcome},
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
    _require_aware(at=at)
    record = _lock_stage(session=session, case_id=case_id, stage=stage)
    if record.due_on == due_on:
        return record
    previous = record.due_on
    record.due_on = due_on
    append_event(
        session=session,
        case_id=case_id,
        kind="stage_due_changed",
        actor=actor,
        occurred_at=at,
        payload={
            "stage": stage.value,
            "from": previous.isoformat() if previous else None,
            "to": due_on.isoformat(),
            "reason": reason,
            "details": details,
        },
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


def record_decision(
    *,
    session: Session,
    case_id: int,
    stage: Stage,
    key: str,
    officer_id: str,
    values: dict[str, Any],
    decided_at: datetime,
) -> Decision:
    """Record an officer's decision on a suspended run: who, when, what.

    Idempotent on ``(case_id, key)``: the first decision for a suspend key is the decision; a
    replay returns it and appends no second event.

    Args:
        session: The caller's session.
        case_id: The case.
        stage: The stage the decision belongs to.
        key: The suspend key of the wait it answers.
        officer_id: Who decided.
        values: The submitted form, as JSON-compatible values.
        decided_at: When it was decided (aware).

    Returns:
        The recorded decision.
    """
    _require_aware(decided_at=decided_at)
    existing = get_decision(session=session, case_id=case_id, key=key)
    if existing is not None:
        return existing
    _require_case(session=session, case_id=case_id)

    def create() -> Decision:
        decision = Decision(
            case_id=case_id,
            stage=stage,
            key=key,
            officer_id=officer_id,
            values=values,
            decided_at=decided_at,
        )
        session.add(decision)
        session.flush()
        append_event(
            session=session,
            case_id=case_id,
            kind="decision_recorded",
            actor=officer_id,
            occurred_at=decided_at,
            payload={"stage": stage.value, "key": key, "values": values},
        )
        return decision

    decision, _created = create_once(
        session=session,
        create=create,
        reread=lambda: get_decision(session=session, case_id=case_id, key=key),
    )
    return decision


def get_decision(*, session: Session, case_id: int, key: str) -> Decision | None:
    """Find the decision recorded for a suspend key.

    Args:
        session: The caller's session.
        case_id: The case.
        key: The suspend key.

    Returns:
        The decision, or None if none was recorded.
    """
    return session.scalars(
        select(Decision).where(Decision.case_id == case_id, Decision.key == key)
    ).one_or_none()


def list_decisions(*, session: Session, case_id: int) -> list[Decision]:
    """List a case's decisions in the order they were recorded.

    Args:
        session: The caller's session.
        case_id: The case.

    Returns:
        The decisions, oldest first.
    """
    return list(
        session.scalars(select(Decision).where(Decision.case_id == case_id).order_by(Decision.id))
    )


def append_event(
    *,
    session: Session,
    case_id: int,
    kind: str,
    actor: str,
    occurred_at: datetime,
    payload: dict[str, Any],
) -> CaseEvent:
    """Append a line to a case's history. History is never updated or deleted.

    Args:
        session: The caller's session.
        case_id: The case.
        kind: What happened, e.g. "letter_generated".
        actor: Who or what did it (an officer role id, "system", "sweeper").
        occurred_at: When it happened (aware).
        payload: The details, as JSON-compatible values.

    Returns:
        The new event, numbered and chained to the case's previous event.
    """
    _require_aware(occurred_at=occurred_at)
    # Stored as its canonical JSON reads back, so what is hashed is exactly what is kept.
    stored_payload: dict[str, Any] = json.loads(canonical_json(payload))
    # The case row lock serialises appends to one case on PostgreSQL (SQLite serialises every
    # writer), so two appends at once cannot both take the same next number and fork the chain;
    # the unique (case_id, sequence) constraint is the backstop.
    reference = session.execute(
        select(Case.reference).where(Case.id == case_id).with_for_update()
    ).scalar_one_or_none()
    if reference is None:
        raise CaseNotFoundError(f"case_id: no case with id {case_id}")
    last = session.execute(
        select(CaseEvent.sequence, CaseEvent.hash)
        .where(CaseEvent.case_id == case_id)
        .order_by(CaseEvent.sequence.desc())
        .limit(1)
    ).one_or_none()
    sequence, previous_hash = (1, None) if last is None else (last.sequence + 1, last.hash)
    event = CaseEvent(
        case_id=case_id,
        sequence=sequence,
        kind=kind,
        actor=actor,
        occurred_at=occurred_at,
        payload=stored_payload,
        previous_hash=previous_hash,
        hash=event_hash(
            reference=reference,
            sequence=sequence,
            occurred_at=occurred_at,
            actor=actor,
            kind=kind,
            payload=stored_payload,
            previous_hash=previous_hash,
        ),
    )
    session.add(event)
    session.flush()
    return event


def list_events(*, session: Session, case_id: int) -> list[CaseEvent]:
    """List a case's history in the order it was recorded.

    Args:
        session: The caller's session.
        case_id: The case.

    Returns:
        The events, oldest first.
    """
    return list(
        session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.sequence)
        )
    )


def set_case_status(
    *,
    session: Session,
    case_id: int,
    status: CaseStatus,
    at: datetime,
    actor: str,
    reason: str,
) -> Case:
    """Change a live case's status (open or under periodic review); an event records each change.

    Args:
        session: The caller's session.
        case_id: The case.
        status: The new status; closing goes through `close_case`.
        at: When it changed (aware).
        actor: Who changed it.
        reason: Why, for the case history.

    Returns:
        The case.

    Raises:
        ValueError: ``status`` is CLOSED, or the case is already closed.
    """
    _require_aware(at=at)
    if status is CaseStatus.CLOSED:
        raise ValueError("status: a case is closed with close_case, which records the outcome")
    case = _lock_case(session=session, case_id=case_id)
    if case.status is CaseStatus.CLOSED:
        raise ValueError(f"status: case {case.reference} is closed; its status cannot change")
    if case.status is status:
        return case
    previous = case.status
    case.status = status
    append_event(
        session=session,
        case_id=case_id,
        kind="case_status_changed",
        actor=actor,
        occurred_at=at,
        payload={"from": previous.value, "to": status.value, "reason": reason},
    )
    return case


def close_case(
    *,
    session: Session,
    case_id: int,
    outcome: ClosureOutcome,
    closed_at: datetime,
    actor: str,
    reason: str | None,
) -> Case:
    """Close a case with its outcome. The first closure wins; a replay changes nothing.

    Args:
        session: The caller's session.
        case_id: The case.
        outcome: Why it closed (cme-domain.md 2.1).
        closed_at: When it closed (aware).
        actor: Who closed it.
        reason: Any note for the case history.

    Returns:
        The case, carrying the first closure's outcome.
    """
    _require_aware(closed_at=closed_at)
    case = _lock_case(session=session, case_id=case_id)
    if case.closed_at is not None:
        return case
    case.status = CaseStatus.CLOSED
    case.closed_at = closed_at
    case.closure_outcome = outcome
    append_event(
        session=session,
        case_id=case_id,
        kind="case_closed",
        actor=actor,
        occurred_at=closed_at,
        payload={
            "outcome": outcome.value,
            "stage": case.current_stage.value if case.current_stage else None,
            "reason": reason,
        },
    )
    return case


def claim_notification(
    *,
    session: Session,
    natural_key: str,
    case_id: int | None,
    kind: str,
    recipients: Sequence[str],
    subject: str,
    claimed_at: datetime,
) -> Notification | None:
    """Claim the right to send a notification, once per natural key.

    Commit the claim before sending, so a crash after the send cannot lead to a second one; an
    unsent claim stays listed by `list_unsent_notifications` for a retry.

    Args:
        session: The caller's session.
        natural_key: Case, stage, kind and level, e.g. "CME-2026-00001:home_visit:reminder:1".
        case_id: The case, or None for a notification about no single case.
        kind: e.g. "reminder", "escalation", "safeguarding".
        recipients: Email addresses.
        subject: The email subject.
        claimed_at: When it was claimed (aware).

    Returns:
        The new claim, or None if the key was already claimed: then do not send again.
    """
    _require_aware(claimed_at=claimed_at)
    if get_notification(session=session, natural_key=natural_key) is not None:
        return None
    notification = Notification(
        natural_key=natural_key,
        case_id=case_id,
        kind=kind,
        recipients=list(recipients),
        subject=subject,
        claimed_at=claimed_at,
        attempts=0,
    )
    try:
        with session.begin_nested():
            session.add(notification)
    except IntegrityError:
        return None
    return notification


def mark_notification_sent(
    *, session: Session, notification_id: int, sent_at: datetime
) -> Notification:
    """Record that a claimed notification was sent; the first send time is kept.

    Args:
        session: The caller's session.
        notification_id: The claim.
        sent_at: When the mail server accepted it (aware).

    Returns:
        The notification.
    """
    _require_aware(sent_at=sent_at)
    notification = _lock_notification(session=session, notification_id=notification_id)
    if notification.sent_at is None:
        notification.sent_at = sent_at
        notification.attempts += 1
        notification.last_attempt_at = sent_at
    return notification


def record_notification_failure(
    *, session: Session, notification_id: int, error: str, failed_at: datetime
) -> Notification:
    """Record a failed send attempt, leaving the claim unsent so it is retried.

    Args:
        session: The caller's session.
        notification_id: The claim.
        error: What went wrong (cut to 2000 characters).
        failed_at: When the attempt failed (aware).

    Returns:
        The notification; unchanged if it had already been sent.
    """
    _require_aware(failed_at=failed_at)
    notification = _lock_notification(session=session, notification_id=notification_id)
    if notification.sent_at is None:
        notification.attempts += 1
        notification.last_attempt_at = failed_at
        notification.last_error = error[:MAX_ERROR_LENGTH]
    return notification


def get_notification(*, session: Session, natural_key: str) -> Notification | None:
    """Find a notification claim by its natural key.

    Args:
        session: The caller's session.
        natural_key: The key it was claimed with.

    Returns:
        The notification, or None if that key was never claimed.
    """
    return session.scalars(
        select(Notification).where(Notification.natural_key == natural_key)
    ).one_or_none()


def list_unsent_notifications(
    *, session: Session, max_attempts: int | None = None
) -> list[Notification]:
    """List claimed notifications not yet sent, oldest claim first, for a retry.

    Args:
        session: The caller's session.
        max_attempts: Leave out claims that already failed this many times (None: no limit).

    Returns:
        The unsent notifications.
    """
    query = select(Notification).where(Notification.sent_at.is_(None))
    if max_attempts is not None:
        query = query.where(Notification.attempts < max_attempts)
    return list(session.scalars(query.order_by(Notification.claimed_at, Notification.id)))


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
    _require_aware(at=at)
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
        kind="stage_clock_paused",
        actor=actor,
        occurred_at=at,
        payload={
            "stage": stage.value,
            "reason": record.clock_pause_reason,
            "due_on": record.due_on.isoformat() if record.due_on else None,
        },
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
    _require_aware(at=at)
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
        kind="stage_clock_resumed",
        actor=actor,
        occurred_at=at,
        payload={
            "stage": stage.value,
            "reason": reason.strip(),
            "paused_at": paused_at.isoformat(),
            "from": previous.isoformat() if previous else None,
            "to": due_on.isoformat() if due_on else None,
        },
    )
    return record


def lock_unsent_notifications(
    *, session: Session, notification_ids: Sequence[int]
) -> list[Notification]:
    """Lock the still-unsent notifications among these, for one send, in id order.

    The row locks last until the caller's transaction ends, so a second sweep sending the same
    notifications waits and then finds them sent. SQLite's write lock does the same.

    Args:
        session: The caller's session.
        notification_ids: The claims to send.

    Returns:
        Those not yet sent, freshly read.
    """
    if not notification_ids:
        return []
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.id.in_(list(notification_ids)), Notification.sent_at.is_(None))
            .order_by(Notification.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )


def _allocate_reference(*, session: Session, year: int) -> str:
    # One row per year, incremented in place: the UPDATE's row lock serialises concurrent openings
    # on PostgreSQL (SQLite serialises writers anyway), so numbers are unique and without gaps.
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        insert_year: postgresql.Insert | sqlite.Insert = postgresql.insert(CaseReferenceSequence)
    elif dialect == "sqlite":
        insert_year = sqlite.insert(CaseReferenceSequence)
    else:
        raise NotImplementedError(f"case references are not implemented for {dialect}")
    session.execute(
        insert_year.values(year=year, last_number=0).on_conflict_do_nothing(index_elements=["year"])
    )
    number = session.execute(
        update(CaseReferenceSequence)
        .where(CaseReferenceSequence.year == year)
        .values(last_number=CaseReferenceSequence.last_number + 1)
        .returning(CaseReferenceSequence.last_number)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return f"CME-{year}-{number:05d}"


def _require_case(*, session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise CaseNotFoundError(f"case_id: no case with id {case_id}")
    return case


def _lock_case(*, session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id, with_for_update=True, populate_existing=True)
    if case is None:
        raise CaseNotFoundError(f"case_id: no case with id {case_id}")
    return case


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


def _lock_notification(*, session: Session, notification_id: int) -> Notification:
    notification = session.get(
        Notification, notification_id, with_for_update=True, populate_existing=True
    )
    if notification is None:
        raise CaseNotFoundError(f"notification_id: no notification with id {notification_id}")
    return notification


def _require_aware(**timestamps: datetime) -> None:
    for name, value in timestamps.items():
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{name}: naive datetime {value.isoformat()} refused; pass UTC-aware")
