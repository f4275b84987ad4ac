"""The case record: an append-only, hash-chained list of events per case.

Every function takes the caller's session and never commits; creates are idempotent on a
natural key, so a resumed run that replays from the top writes nothing twice.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.case_record import canonical_json, event_hash
from store.guards import CaseNotFoundError, require_aware
from store.orm import (
    Case,
    CaseEvent,
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
    require_aware(occurred_at=occurred_at)
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
