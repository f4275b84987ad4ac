"""The case record's hash chain: the canonical form, and the first broken link of a history."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest

from models.case_record import (
    Problem,
    StoredEvent,
    canonical_json,
    event_hash,
    first_broken_link,
)

REFERENCE = "CME-2026-00001"
OPENED_AT = datetime(2026, 11, 2, 9, 15, tzinfo=UTC)


def _chain(count: int, reference: str = REFERENCE) -> list[StoredEvent]:
    events: list[StoredEvent] = []
    previous: str | None = None
    for sequence in range(1, count + 1):
        fields = {
            "sequence": sequence,
            "occurred_at": OPENED_AT + timedelta(hours=sequence),
            "actor": "system",
            "kind": f"step_{sequence}",
            "payload": {"n": sequence, "stage": "home_visit"},
            "previous_hash": previous,
        }
        digest = event_hash(reference=reference, **fields)  # type: ignore[arg-type]
        events.append(StoredEvent(hash=digest, **fields))  # type: ignore[arg-type]
        previous = digest
    return events


def test_the_hash_is_sha256_of_the_canonical_json_written_out_by_hand() -> None:
    canonical = (
        '{"actor":"intake","case":"CME-2026-00001","kind":"case_opened",'
        '"occurred_at":"2026-11-02T09:15:00.000000Z","payload":{"a":1,"b":["x","é"]},'
        '"previous_hash":null,"sequence":1}'
    )

    digest = event_hash(
        reference=REFERENCE,
        sequence=1,
        occurred_at=OPENED_AT,
        actor="intake",
        kind="case_opened",
        payload={"b": ["x", "é"], "a": 1},
        previous_hash=None,
    )

    assert digest == hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def test_the_same_instant_in_another_offset_and_keys_in_another_order_hash_the_same() -> None:
    fields = {"reference": REFERENCE, "sequence": 2, "actor": "a", "kind": "k"}
    in_utc = event_hash(
        occurred_at=OPENED_AT,
        payload={"x": 1, "y": {"b": 2, "a": 1}},
        previous_hash="0" * 64,
        **fields,  # type: ignore[arg-type]
    )
    in_bst = event_hash(
        occurred_at=OPENED_AT.astimezone(timezone(timedelta(hours=1))),
        payload={"y": {"a": 1, "b": 2}, "x": 1},
        previous_hash="0" * 64,
        **fields,  # type: ignore[arg-type]
    )

    assert in_utc == in_bst


def test_an_event_moved_to_another_case_breaks_that_cases_chain() -> None:
    broken = first_broken_link("CME-2026-00002", _chain(1))

    assert broken is not None and (broken.sequence, broken.problem) == (1, Problem.HASH_MISMATCH)


def test_an_intact_history_has_no_broken_link() -> None:
    assert first_broken_link(REFERENCE, _chain(5)) is None


def test_a_changed_payload_breaks_the_chain_at_that_event() -> None:
    events = _chain(5)
    events[2] = dataclasses.replace(events[2], payload={"n": 3, "stage": "sao_notice"})

    broken = first_broken_link(REFERENCE, events)

    assert broken is not None
    assert (broken.sequence, broken.problem) == (3, Problem.HASH_MISMATCH)


@pytest.mark.parametrize("field", ["actor", "kind"])
def test_a_changed_actor_or_kind_breaks_the_chain_at_that_event(field: str) -> None:
    events = _chain(4)
    events[1] = dataclasses.replace(events[1], **{field: "someone_else"})  # type: ignore[arg-type]

    broken = first_broken_link(REFERENCE, events)

    assert broken is not None and (broken.sequence, broken.problem) == (2, Problem.HASH_MISMATCH)


def test_a_changed_time_breaks_the_chain_at_that_event() -> None:
    events = _chain(4)
    earlier = events[3].occurred_at - timedelta(days=1)
    events[3] = dataclasses.replace(events[3], occurred_at=earlier)

    broken = first_broken_link(REFERENCE, events)

    assert broken is not None and (broken.sequence, broken.problem) == (4, Problem.HASH_MISMATCH)


def test_an_edit_with_its_hash_recomputed_breaks_the_link_to_the_next_event() -> None:
    events = _chain(5)
    forged = dataclasses.replace(events[1], payload={"n": 2, "stage": "closed"})
    events[1] = dataclasses.replace(
        forged,
        hash=event_hash(
            reference=REFERENCE,
            sequence=2,
            occurred_at=forged.occurred_at,
            actor=forged.actor,
            kind=forged.kind,
            payload=forged.payload,
            previous_hash=forged.previous_hash,
        ),
    )

    broken = first_broken_link(REFERENCE, events)

    assert broken is not None
    assert (broken.sequence, broken.problem) == (3, Problem.PREVIOUS_HASH_MISMATCH)


def test_a_removed_event_is_a_gap_named_by_the_missing_number() -> None:
    events = _chain(5)
    del events[3]

    broken = first_broken_link(REFERENCE, events)

    assert broken is not None
    assert (broken.sequence, broken.problem) == (4, Problem.GAP)
    assert broken.describe() == (
        "CME-2026-00001: event 4: gap in sequence (event 4 is missing; the next is 5)"
    )


def test_a_removed_first_event_is_named_as_missing() -> None:
    broken = first_broken_link(REFERENCE, _chain(3)[1:])

    assert broken is not None and (broken.sequence, broken.problem) == (1, Problem.MISSING_FIRST)


def test_a_case_with_no_events_has_lost_its_first() -> None:
    broken = first_broken_link(REFERENCE, [])

    assert broken is not None and (broken.sequence, broken.problem) == (1, Problem.MISSING_FIRST)


def test_a_first_event_naming_a_previous_hash_is_a_previous_hash_mismatch() -> None:
    [first] = _chain(1)
    claimed = "ab" * 32
    forged = dataclasses.replace(
        first,
        previous_hash=claimed,
        hash=event_hash(
            reference=REFERENCE,
            sequence=1,
            occurred_at=first.occurred_at,
            actor=first.actor,
            kind=first.kind,
            payload=first.payload,
            previous_hash=claimed,
        ),
    )

    broken = first_broken_link(REFERENCE, [forged])

    assert broken is not None
    assert (broken.sequence, broken.problem) == (1, Problem.PREVIOUS_HASH_MISMATCH)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="occurred_at: naive datetime"):
        event_hash(
            reference=REFERENCE,
            sequence=1,
            occurred_at=datetime(2026, 11, 2, 9, 15),
            actor="a",
            kind="k",
            payload={},
            previous_hash=None,
        )


def test_canonical_json_refuses_nan() -> None:
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})
