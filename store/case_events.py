"""The case record: an append-only, hash-chained list of events per case.

Every function takes the caller's session and never commits; creates are idempotent on a
natural key, so a resumed run that replays from the top writes nothing twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.case_events import (
    CaseEventPayload,
    EventKind,
    RecordedEvent,
    checked_payload,
    read_event,
)
from models.case_record import event_hash
from store.guards import CaseNotFoundError, require_aware
from store.orm import (
    Case,
    CaseEvent,
)


def append_event(
    *,
    session: Session,
    case_id: int,
    event: CaseEventPayload,
    actor: str,
    occurred_at: datetime,
) -> CaseEvent:
    """Append a line to a case's history. History is never updated or deleted.

    Args:
        session: The caller's session.
        case_id: The case.
        event: What happened, one of the case record's event kinds with its details.
        actor: Who or what did it (an officer role id, "system", "sweeper").
        occurred_at: When it happened (aware).

    Returns:
        The new event, numbered and chained to the case's previous event.

    Raises:
        InvalidEventError: The event is of no known kind or its details do not fit its kind;
            nothing is written.
    """
    require_aware(occurred_at=occurred_at)
    # Checked before the case is even locked: a wrong event must never join the chain.
    stored_payload = checked_payload(event)
    kind = EventKind(event.kind).value
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
    row = CaseEvent(
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
    session.add(row)
    session.flush()
    return row


def read_events(*, session: Session, case_id: int) -> list[RecordedEvent]:
    """A case's history, typed, in the order it was recorded.

    Args:
        session: The caller's session.
        case_id: The case.

    Returns:
        The events, oldest first.

    Raises:
        InvalidEventError: A stored event is of no known kind or does not fit its kind.
    """
    return [
        RecordedEvent(
            sequence=row.sequence,
            occurred_at=row.occurred_at,
            actor=row.actor,
            event=read_event(row.kind, row.payload),
            previous_hash=row.previous_hash,
            hash=row.hash,
        )
        for row in list_events(session=session, case_id=case_id)
    ]


def list_events(*, session: Session, case_id: int) -> list[CaseEvent]:
    """List a case's history as stored rows, in the order it was recorded.

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
