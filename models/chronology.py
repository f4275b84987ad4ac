"""A case's chronology: every event, decision, letter and notification, one line each, in order.

Pure: it turns the case record's typed events into lines (when, who, what, details). Decisions
and letters are case events (DecisionRecorded, LetterProduced, the latter with the letter's
SHA-256), so the record gives them in the order they were recorded; notifications come from their
own table, read here through the few fields a line shows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from models.case_events import (
    DecisionRecorded,
    LetterProduced,
    RecordedEvent,
    StageCompleted,
    StageStarted,
)

CSV_COLUMNS = ("case_reference", "when_utc", "who", "what", "details")


class ChronologyLine(BaseModel):
    """One line of the chronology."""

    model_config = ConfigDict(frozen=True)

    when: datetime
    who: str
    what: str
    details: str

    @property
    def when_text(self) -> str:
        return self.when.strftime("%Y-%m-%d %H:%M:%S")


class NotificationLike(Protocol):
    """What a line needs of a notification (a stored notification row is one)."""

    @property
    def natural_key(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def recipients(self) -> list[str]: ...
    @property
    def subject(self) -> str: ...
    @property
    def claimed_at(self) -> datetime: ...
    @property
    def sent_at(self) -> datetime | None: ...
    @property
    def attempts(self) -> int: ...


def _details(payload: Mapping[str, Any], leave_out: Sequence[str] = ()) -> str:
    """A payload as "key: value" pairs, nested values as compact JSON."""
    parts = []
    for key, value in payload.items():
        if key in leave_out or value in (None, "", [], {}):
            continue
        text = value if isinstance(value, str) else json.dumps(value, separators=(", ", ": "))
        parts.append(f"{key}: {text}")
    return "; ".join(parts)


def _what(recorded: RecordedEvent) -> str:
    named = recorded.kind.replace("_", " ").capitalize()
    match recorded.event:
        case DecisionRecorded(key=key):
            return f"Decision recorded: {key}"
        case LetterProduced(letter=letter):
            return f"Letter produced: {letter.label}"
        case StageStarted(stage=stage) | StageCompleted(stage=stage):
            return f"{named}: {stage.value}"
        case _:
            return named


def _event_details(recorded: RecordedEvent) -> str:
    # In key order, as the case record's canonical JSON keeps them, not as a model declares them.
    match recorded.event:
        case DecisionRecorded(values=values):
            return _details(dict(sorted(values.items())), leave_out=("officer",))
        case LetterProduced():
            payload = dict(sorted(recorded.payload.items()))
            return _details(payload, leave_out=("letter", "template"))
        case _:
            return _details(dict(sorted(recorded.payload.items())))


def event_line(recorded: RecordedEvent, who: Callable[[str], str]) -> ChronologyLine:
    return ChronologyLine(
        when=recorded.occurred_at,
        who=who(recorded.actor),
        what=_what(recorded),
        details=_event_details(recorded),
    )


def notification_line(notification: NotificationLike) -> ChronologyLine:
    sent = notification.sent_at is not None
    status = "sent" if sent else f"not sent yet ({notification.attempts} attempts)"
    return ChronologyLine(
        when=notification.sent_at or notification.claimed_at,
        who="cme-automation",
        what=f"Notification {status}: {notification.kind}",
        details=_details(
            {
                "to": ", ".join(notification.recipients),
                "subject": notification.subject,
                "key": notification.natural_key,
            }
        ),
    )


def chronology_lines(
    events: Sequence[RecordedEvent],
    notifications: Sequence[NotificationLike],
    who: Callable[[str], str] = str,
) -> list[ChronologyLine]:
    """Every event and notification of a case, oldest first; ties keep the recorded order."""
    lines = [event_line(event, who) for event in events]
    lines += [notification_line(notification) for notification in notifications]
    return sorted(lines, key=lambda line: line.when)


def csv_rows(reference: str, lines: Sequence[ChronologyLine]) -> list[tuple[str, ...]]:
    """The CSV's rows, the case reference on each (a row read on its own still names its case)."""
    return [(reference, line.when.isoformat(), line.who, line.what, line.details) for line in lines]


class ChronologyBundle(BaseModel):
    """A chronology as produced: where its PDF and CSV are, their checksums; no personal data."""

    model_config = ConfigDict(frozen=True)

    reference: str
    pdf_path: str
    csv_path: str
    pdf_url: str
    csv_url: str
    pdf_sha256: str
    csv_sha256: str
    lines: int
