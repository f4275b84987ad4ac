"""The chronology puts every event and notification in time order, one line each."""

from __future__ import annotations

from datetime import UTC, datetime

from models.case_events import (
    CaseEventPayload,
    CaseOpened,
    DecisionRecorded,
    LetterProduced,
    RecordedEvent,
)
from models.chronology import chronology_lines, csv_rows
from models.enums import Addressee, LetterKind, Stage
from store.orm import Notification

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
OPENED = CaseOpened(reference="CME-2026-00001", officer_id="officer", dspl_area=None)


def event(minute: int, happened: CaseEventPayload, actor: str = "system") -> RecordedEvent:
    return RecordedEvent(
        sequence=minute + 1,
        occurred_at=T0.replace(minute=minute),
        actor=actor,
        event=happened,
        previous_hash=None,
        hash="",
    )


def test_lines_interleave_events_and_notifications_by_time() -> None:
    events = [
        event(0, OPENED),
        event(5, LetterProduced(
            letter=LetterKind.S437_NOTICE, natural_key="n-1", addressed_to=Addressee.PARENT,
            path="p.pdf", sha256="ab" * 32, template="s437_notice", template_version="v",
        )),
        event(9, DecisionRecorded(
            stage=Stage.HOME_VISIT, key="k", values={"officer": "o", "decision": "x"}
        )),
    ]  # fmt: skip
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
    assert "template:" not in lines[1].details and "s437_notice" not in lines[1].details
    assert lines[2].details.startswith("to: legal@example")
    assert lines[3].details == "decision: x" and lines[3].who == "SYSTEM (attested on the form)"


def test_event_details_are_in_key_order_as_the_record_keeps_them() -> None:
    [line] = chronology_lines([event(0, OPENED)], [])

    assert line.details == "officer_id: officer; reference: CME-2026-00001"


def test_every_csv_row_carries_the_case_reference() -> None:
    lines = chronology_lines([event(0, OPENED)], [])
    assert csv_rows("CME-2026-00001", lines) == [
        (
            "CME-2026-00001",
            "2026-11-02T09:00:00+00:00",
            "system",
            "Case opened",
            "officer_id: officer; reference: CME-2026-00001",
        )
    ]
