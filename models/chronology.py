"""A case's chronology: every event, decision, letter and notification, one line each, in order.

Pure: it turns the case record's rows into lines (when, who, what, details). Decisions and letters
are case events ("decision_recorded", "letter_produced", the latter with the letter's SHA-256), so
the event table gives them in the order they were recorded; notifications come from their table.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from models.enums import LetterKind
from store.orm import CaseEvent, Notification

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


def _details(payload: dict[str, Any], leave_out: Sequence[str] = ()) -> str:
    """A payload as "key: value" pairs, nested values as compact JSON."""
    parts = []
    for key, value in payload.items():
        if key in leave_out or value in (None, "", [], {}):
            continue
        text = value if isinstance(value, str) else json.dumps(value, separators=(", ", ": "))
        parts.append(f"{key}: {text}")
    return "; ".join(parts)


def _what(event: CaseEvent) -> str:
    payload = event.payload
    match event.kind:
        case "decision_recorded":
            return f"Decision recorded: {payload.get('key', '')}"
        case "letter_produced":
            kind = payload.get("letter", "")
            label = LetterKind(kind).label if kind in set(LetterKind) else kind
            return f"Letter produced: {label}"
        case "stage_started" | "stage_completed":
            return f"{event.kind.replace('_', ' ').capitalize()}: {payload.get('stage', '')}"
        case _:
            return event.kind.replace("_", " ").capitalize()


def event_line(event: CaseEvent, who: Callable[[str], str]) -> ChronologyLine:
    payload = dict(event.payload)
    if event.kind == "decision_recorded":
        details = _details(payload.get("values") or {}, leave_out=("officer",))
    elif event.kind == "letter_produced":
        details = _details(payload, leave_out=("letter", "template"))
    else:
        details = _details(payload)
    return ChronologyLine(
        when=event.occurred_at, who=who(event.actor), what=_what(event), details=details
    )


def notification_line(notification: Notification) -> ChronologyLine:
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
    events: Sequence[CaseEvent],
    notifications: Sequence[Notification],
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
