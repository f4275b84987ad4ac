"""The case record's vocabulary: each kind stores what its writer always stored, and anything
that is not one of its kinds, or does not fit its kind, is refused before it is written."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from models.case_events import (
    EventKind,
    InvalidEventError,
    SafeguardingEscalation,
    StageStarted,
    checked_payload,
    read_event,
)
from models.case_record import canonical_json
from models.enums import Stage
from store import case_events
from tests.old_events import OLD_EVENTS


def test_every_kind_the_record_holds_has_an_example_as_the_old_code_wrote_it() -> None:
    assert {kind for kind, _, _ in OLD_EVENTS} == set(EventKind)


@pytest.mark.parametrize(("kind", "old", "typed"), OLD_EVENTS, ids=[k for k, _, _ in OLD_EVENTS])
def test_a_typed_event_stores_the_very_json_the_old_writer_stored(
    kind: str, old: dict[str, Any], typed: Any
) -> None:
    stored = checked_payload(typed)

    assert typed.kind == kind
    assert canonical_json(stored) == canonical_json(json.loads(canonical_json(old)))


@pytest.mark.parametrize(("kind", "old", "typed"), OLD_EVENTS, ids=[k for k, _, _ in OLD_EVENTS])
def test_an_old_payload_reads_back_typed_and_dumps_to_itself(
    kind: str, old: dict[str, Any], typed: Any
) -> None:
    stored = json.loads(canonical_json(old))

    event = read_event(kind, stored)

    assert event == typed
    assert canonical_json(event.stored_payload()) == canonical_json(stored)


class _NoDatabase:
    """A session that fails the test if anything reaches for the database."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the database was touched ({name}) before the event was refused")


def _append(event: Any) -> None:
    case_events.append_event(
        session=_NoDatabase(),  # type: ignore[arg-type]
        case_id=1,
        event=event,
        actor="system",
        occurred_at=datetime(2026, 11, 2, 9, tzinfo=UTC),
    )


# Each of these is already a type error; the check is for code that gets past the type checker.
@pytest.mark.parametrize(
    ("event", "message"),
    [
        pytest.param(
            StageStarted.model_construct(kind="note_added", stage=Stage.HOME_VISIT, due_on=None),  # type: ignore[arg-type]
            "'note_added' event refused: kind: no such event kind",
            id="unknown-kind",
        ),
        pytest.param(
            {"kind": "stage_started", "stage": "home_visit", "due_on": None},
            "dict is not a case event",
            id="a-plain-dict",
        ),
        pytest.param(
            StageStarted.model_construct(stage="nowhere", due_on=None),  # type: ignore[arg-type]
            "'stage_started' cannot be stored",
            id="bad-value",
        ),
        pytest.param(
            StageStarted.model_construct(stage=Stage.HOME_VISIT),  # type: ignore[call-arg]
            "'stage_started' event refused: due_on: Field required",
            id="missing-field",
        ),
        pytest.param(
            SafeguardingEscalation.model_construct(origin=3, indicators=["nearby"]),  # type: ignore[arg-type,list-item]
            "'safeguarding_escalation' cannot be stored",
            id="wrong-types",
        ),
    ],
)
def test_append_event_refuses_what_is_not_a_case_event_before_touching_the_database(
    event: Any, message: str
) -> None:
    with pytest.raises(InvalidEventError, match=message):
        _append(event)


@pytest.mark.parametrize(
    ("kind", "payload", "message"),
    [
        ("note_added", {}, "kind: no such event kind"),
        ("stage_started", {"stage": "hme_visit", "due_on": None}, "stage: Input should be"),
        ("case_closed", {"outcome": "found_on_roll", "stage": None}, "reason: Field required"),
        ("possible_duplicate", {"other_reference": "x", "score": "high", "reasons": []}, "score"),
    ],
)
def test_a_stored_event_that_fits_no_kind_is_named_when_read(
    kind: str, payload: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidEventError, match=message):
        read_event(kind, payload)
