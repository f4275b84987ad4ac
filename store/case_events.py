"""The case record: an append-only, hash-chained list of events per case.

Every function takes the caller's session and never commits; creates are idempotent on a
natural key, so a resumed run that replays from the top writes nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from itertools import groupby

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.case_events import (
    CaseEventPayload,
    EventKind,
    RecordedEvent,
    checked_payload,
    read_event,
)
from models.case_record import RecordCheck, StoredEvent, event_hash, first_broken_link
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


# Rows read from the database at a time: the whole record is checked without holding it all.
BATCH_SIZE = 2000


def check_records(*, session: Session, reference: str | None = None) -> RecordCheck:
    """Check the chain of every case, or of one, and name each case's first broken link.

    Args:
        session: The caller's session.
        reference: One case to check; None checks them all.

    Returns:
        The counts read and the broken links, in case order.

    Raises:
        CaseNotFoundError: ``reference`` names no case.
    """
    query = (
        select(
            Case.id,
            Case.reference,
            CaseEvent.sequence,
            CaseEvent.occurred_at,
            CaseEvent.actor,
            CaseEvent.kind,
            CaseEvent.payload,
            CaseEvent.previous_hash,
            CaseEvent.hash,
        )
        # Outer: a case whose every event was removed must show up as broken, not be skipped.
        .outerjoin(CaseEvent, CaseEvent.case_id == Case.id)
        .order_by(Case.id, CaseEvent.sequence)
        .execution_options(yield_per=BATCH_SIZE)
    )
    if reference is not None:
        if session.scalar(select(Case.id).where(Case.reference == reference)) is None:
            raise CaseNotFoundError(f"reference: no case {reference!r}")
        query = query.where(Case.reference == reference)
    check = RecordCheck()
    rows = session.execute(query)
    for (_, case_reference), case_rows in groupby(rows, key=lambda row: (row[0], row[1])):
        events = list(_events(case_rows))
        check.cases += 1
        check.events += len(events)
        broken = first_broken_link(case_reference, events)
        if broken is not None:
            check.broken.append(broken)
    return check


def _events(rows: Iterator[Sequence[object]]) -> Iterator[StoredEvent]:
    for row in rows:
        _, _, sequence, occurred_at, actor, kind, payload, previous_hash, digest = row
        if sequence is None:  # the outer join's row for a case with no events
            continue
        assert isinstance(sequence, int) and isinstance(occurred_at, datetime)
        assert isinstance(actor, str) and isinstance(kind, str) and isinstance(payload, dict)
        assert isinstance(digest, str) and (previous_hash is None or isinstance(previous_hash, str))
        yield StoredEvent(
            sequence=sequence,
            occurred_at=occurred_at,
            actor=actor,
            kind=kind,
            payload=payload,
            previous_hash=previous_hash,
            hash=digest,
        )
