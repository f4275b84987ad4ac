"""The chronology puts every event and notification in time order, one line each."""

from __future__ import annotations

from datetime import UTC, datetime

from models.chronology import chronology_lines, csv_rows
from store.orm import CaseEvent, Notification

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def event(minute: int, kind: str, payload: dict[str, object], actor: str = "system") -> CaseEvent:
    return CaseEvent(
        case_id=1, occurred_at=T0.replace(minute=minute), actor=actor, kind=kind, payload=payload
    )


def test_lines_interleave_events_and_notifications_by_time() -> None:
    events = [
        event(0, "case_opened", {"reference": "CME-2026-00001"}),
        event(5, "letter_produced", {"letter": "s437_notice", "sha256": "ab" * 32}),
        event(9, "decision_recorded", {"key": "k", "values": {"officer": "o", "decision": "x"}}),
    ]
    notification = Notification(
        natural_key="n", case_id=1, kind="legal_referral", recipients=["legal@example"],
        subject="[CME-2026-00001] referral", claimed_at=T0.replace(minute=6),
        sent_at=T0.replace(minute=7), attempts=1,
    )  # fmt: skip

    lines = chronology_lines(events, [notification], who=lambda actor: actor.upper())

    assert [line.what for line in lines] == [
        "Case opened",
        "Letter produced: s437(1) notice to satisfy the council",
        "Notification sent: legal_referral",
        "Decision recorded: k",
    ]
    assert "ab" * 32 in lines[1].details
    assert lines[2].details.startswith("to: legal@example")
    assert lines[3].details == "decision: x" and lines[3].who == "SYSTEM"


def test_every_csv_row_carries_the_case_reference() -> None:
    lines = chronology_lines([event(0, "case_opened", {})], [])
    assert csv_rows("CME-2026-00001", lines) == [
        ("CME-2026-00001", "2026-11-02T09:00:00+00:00", "system", "Case opened", "")
    ]
