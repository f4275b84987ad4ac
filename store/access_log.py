"""The append-only record of who did what: every state-changing call through the sign-in gateway,
every refused one, and every look at a case in the front door.

Every function takes the caller's session and never commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models.access import AccessRecord
from store.guards import require_aware
from store.orm import AccessLogEntry, Case


def record_access(*, session: Session, record: AccessRecord) -> None:
    """Append one entry."""
    require_aware(occurred_at=record.occurred_at)
    session.add(
        AccessLogEntry(
            occurred_at=record.occurred_at,
            username=record.username,
            channel=record.channel,
            action=record.action,
            method=record.method,
            path=record.path,
            status_code=record.status_code,
            allowed=record.allowed,
            flow_run_id=record.flow_run_id,
            case_reference=record.case_reference,
            detail=dict(record.detail),
        )
    )
    session.flush()


def _to_record(entry: AccessLogEntry) -> AccessRecord:
    return AccessRecord(
        occurred_at=entry.occurred_at,
        username=entry.username,
        channel=entry.channel,
        action=entry.action,
        method=entry.method,
        path=entry.path,
        status_code=entry.status_code,
        allowed=entry.allowed,
        flow_run_id=entry.flow_run_id,
        case_reference=entry.case_reference,
        detail={str(k): str(v) for k, v in entry.detail.items()},
    )


def for_flow_run(*, session: Session, flow_run_id: UUID) -> list[AccessRecord]:
    """Every entry about one flow run, oldest first."""
    entries = session.scalars(
        select(AccessLogEntry)
        .where(AccessLogEntry.flow_run_id == flow_run_id)
        .order_by(AccessLogEntry.occurred_at, AccessLogEntry.id)
    )
    return [_to_record(entry) for entry in entries]


def for_case(*, session: Session, reference: str) -> list[AccessRecord]:
    """Every entry naming one case reference, oldest first."""
    entries = session.scalars(
        select(AccessLogEntry)
        .where(AccessLogEntry.case_reference == reference)
        .order_by(AccessLogEntry.occurred_at, AccessLogEntry.id)
    )
    return [_to_record(entry) for entry in entries]


def for_case_and_runs(
    *, session: Session, reference: str, flow_run_ids: Iterable[UUID]
) -> list[AccessRecord]:
    """Every entry naming the case or about one of its flow runs (its own, a further referral's),
    oldest first, each once. The gateway knows a case reference only once the run has opened its
    case, so the call that opened it is found by the run."""
    runs = list(flow_run_ids)
    condition = AccessLogEntry.case_reference == reference
    if runs:
        condition = or_(condition, AccessLogEntry.flow_run_id.in_(runs))
    entries = session.scalars(
        select(AccessLogEntry)
        .where(condition)
        .order_by(AccessLogEntry.occurred_at, AccessLogEntry.id)
    )
    return [_to_record(entry) for entry in entries]


def for_case_record(*, session: Session, case: Case) -> list[AccessRecord]:
    """Every entry about a stored case: its reference, its own run, its further referrals' runs."""
    runs = {case.flow_run_id} | {referral.flow_run_id for referral in case.referrals}
    return for_case_and_runs(
        session=session,
        reference=case.reference,
        flow_run_ids=[run for run in runs if run is not None],
    )


def recent(*, session: Session, limit: int = 200) -> list[AccessRecord]:
    """The newest entries first (the team lead's and the administrator's view)."""
    entries = session.scalars(
        select(AccessLogEntry).order_by(AccessLogEntry.id.desc()).limit(limit)
    )
    return [_to_record(entry) for entry in entries]
