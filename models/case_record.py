"""The case record's hash chain: how an event is hashed, and how a case's chain is checked.

Each case event carries its place in the case's history (``sequence`` 1, 2, 3, ...), the hash of
the event before it, and its own hash: SHA-256 over a canonical JSON of the case reference, the
sequence, when (ISO 8601 UTC, microseconds), who (actor), what (kind and payload, keys sorted) and
the previous hash. Changing, removing or reordering any event breaks the chain at that event, and
`first_broken_link` names where. Pure: the database reads and writes are in store/.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol


class ChainedEvent(Protocol):
    """What the chain needs of a stored event (a stored row, or a typed RecordedEvent)."""

    @property
    def sequence(self) -> int: ...
    @property
    def occurred_at(self) -> datetime: ...
    @property
    def actor(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def payload(self) -> Mapping[str, Any]: ...
    @property
    def previous_hash(self) -> str | None: ...
    @property
    def hash(self) -> str: ...


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as read back from the case database, for checking."""

    sequence: int
    occurred_at: datetime
    actor: str
    kind: str
    payload: Mapping[str, Any]
    previous_hash: str | None
    hash: str


class Problem(StrEnum):
    """What is wrong at a broken link."""

    MISSING_FIRST = "missing first event"
    GAP = "gap in sequence"
    PREVIOUS_HASH_MISMATCH = "previous-hash mismatch"
    HASH_MISMATCH = "hash mismatch"


@dataclass(frozen=True)
class BrokenLink:
    """The first place a case's chain does not hold: the sequence number and what is wrong."""

    reference: str
    sequence: int
    problem: Problem
    detail: str

    def describe(self) -> str:
        return f"{self.reference}: event {self.sequence}: {self.problem.value} ({self.detail})"


@dataclass
class RecordCheck:
    """What a check found: how much it read and every case whose chain is broken."""

    cases: int = 0
    events: int = 0
    broken: list[BrokenLink] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return not self.broken

    def counts(self) -> dict[str, int]:
        return {"cases": self.cases, "events": self.events, "broken": len(self.broken)}


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: the same value always gives the same text.

    NaN and infinities are refused: they are not JSON and would not survive the database.
    """
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def canonical_timestamp(value: datetime) -> str:
    """An aware instant as ISO 8601 UTC with microseconds, e.g. 2026-11-02T09:15:00.000000Z."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"occurred_at: naive datetime {value.isoformat()} refused; pass UTC-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(
    *,
    reference: str,
    sequence: int,
    occurred_at: datetime,
    actor: str,
    kind: str,
    payload: Mapping[str, Any],
    previous_hash: str | None,
) -> str:
    """The hex SHA-256 of one event, chained to the event before it.

    Args:
        reference: The case reference, e.g. "CME-2026-00042": an event cannot move between cases.
        sequence: Its place in the case's history, from 1.
        occurred_at: When it happened (aware).
        actor: Who or what did it.
        kind: What happened.
        payload: The details, JSON-compatible.
        previous_hash: The hash of event ``sequence - 1``; None for the first event.

    Returns:
        64 lower-case hex digits.
    """
    document = {
        "case": reference,
        "sequence": sequence,
        "occurred_at": canonical_timestamp(occurred_at),
        "actor": actor,
        "kind": kind,
        "payload": payload,
        "previous_hash": previous_hash,
    }
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def first_broken_link(reference: str, events: Iterable[ChainedEvent]) -> BrokenLink | None:
    """Check a case's events, in sequence order, and name the first link that does not hold.

    An edited event fails its own hash; an edited event whose hash was recomputed fails the next
    event's previous hash; a removed event leaves a gap (or a missing first event).

    Args:
        reference: The case reference the events were hashed with.
        events: The case's events ordered by sequence.

    Returns:
        The first broken link, or None if the chain holds. A case with no events at all is
        broken at its first event: every case is opened with one.
    """
    expected_sequence = 1
    previous_hash: str | None = None
    for event in events:
        if event.sequence != expected_sequence:
            if expected_sequence == 1:
                return BrokenLink(
                    reference=reference,
                    sequence=1,
                    problem=Problem.MISSING_FIRST,
                    detail=f"the history starts at event {event.sequence}",
                )
            return BrokenLink(
                reference=reference,
                sequence=expected_sequence,
                problem=Problem.GAP,
                detail=f"event {expected_sequence} is missing; the next is {event.sequence}",
            )
        if event.previous_hash != previous_hash:
            return BrokenLink(
                reference=reference,
                sequence=event.sequence,
                problem=Problem.PREVIOUS_HASH_MISMATCH,
                detail=f"it names {_short(event.previous_hash)}, the event before it is "
                f"{_short(previous_hash)}",
            )
        recomputed = event_hash(
            reference=reference,
            sequence=event.sequence,
            occurred_at=event.occurred_at,
            actor=event.actor,
            kind=event.kind,
            payload=event.payload,
            previous_hash=event.previous_hash,
        )
        if recomputed != event.hash:
            return BrokenLink(
                reference=reference,
                sequence=event.sequence,
                problem=Problem.HASH_MISMATCH,
                detail=f"stored {_short(event.hash)}, its content hashes to {_short(recomputed)}",
            )
        previous_hash = event.hash
        expected_sequence += 1
    if expected_sequence == 1:
        # Every case is opened with an event, so an empty history has lost its first one.
        return BrokenLink(
            reference=reference,
            sequence=1,
            problem=Problem.MISSING_FIRST,
            detail="the case has no events",
        )
    return None


def _short(value: str | None) -> str:
    return "none" if value is None else value[:12]
