"""The append-only record of who did what: every state-changing call through the sign-in gateway,
every refused one, and every look at a case in the front door.

Every function takes the caller's session and never commits.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.access import AccessRecord
from store.guards import require_aware
from store.orm import AccessLogEntry


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


def recent(*, session: Session, limit: int = 200) -> list[AccessRecord]:
    """The newest entries first (the team lead's and the administrator's view)."""
    entries = session.scalars(
        select(AccessLogEntry).order_by(AccessLogEntry.id.desc()).limit(limit)
    )
    return [_to_record(entry) for entry in entries]
