"""A case's chronology: every event, decision, letter and notification, one line each, in order.

Pure: it turns the case record's typed events into lines (when, who, what, details). Decisions
and letters are case events (DecisionRecorded, LetterProduced, the latter with the letter's
SHA-256), so the record gives them in the order they were recorded; notifications come from their
own table, read here through the few fields a line shows. Who did what in Prefect (opened the case,
answered a form, cancelled or retried a run, started a clock change) comes from the access log the
sign-in gateway keeps; a decision names the person who signed in to make it, or says its officer
was attested on the form (decisions made before people signed in).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from models.access import AccessRecord
from models.case_events import (
    DecisionRecorded,
    LetterProduced,
    RecordedEvent,
    RegimeChosen,
    StageCompleted,
    StageStarted,
)

CSV_COLUMNS = ("case_reference", "when_utc", "who", "what", "details")

ATTESTED = "attested on the form"

# What each recorded call did, as a line says it (models/access_policy.py names the actions).
ACCESS_ACTIONS = {
    "open_case": "Case opened in Prefect",
    "resume": "Form answered (run resumed)",
    "cancel": "Run cancelled",
    "set_state": "Run state set",
    "delete": "Run deleted",
    "pause_clock": "Stage clock change started",
    "run_report": "Run started",
}
# Looking at a case changes nothing: the access log keeps the look, the chronology does not.
LOOKS = frozenset({"view_case"})


def identity_marker(signed_in_as: str | None) -> str:
    """How a decision's officer is known: the username they signed in with, or attested."""
    return f"signed in as {signed_in_as}" if signed_in_as else ATTESTED


def decision_signed_in_as(event: DecisionRecorded) -> str | None:
    """The username on a recorded decision: on the event, else in its values, else none (old)."""
    if event.signed_in_as:
        return event.signed_in_as
    value = event.values.get("signed_in_as")
    return str(value) if value else None


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
        case RegimeChosen(name=name):
            return f"Law applied to the formal stage: {name}"
        case _:
            return named


def _event_details(recorded: RecordedEvent) -> str:
    # In key order, as the case record's canonical JSON keeps them, not as a model declares them.
    match recorded.event:
        case DecisionRecorded(values=values):
            return _details(dict(sorted(values.items())), leave_out=("officer", "signed_in_as"))
        case LetterProduced():
            payload = dict(sorted(recorded.payload.items()))
            return _details(payload, leave_out=("letter", "template"))
        case _:
            return _details(dict(sorted(recorded.payload.items())))


def event_line(recorded: RecordedEvent, who: Callable[[str], str]) -> ChronologyLine:
    actor = who(recorded.actor)
    if isinstance(recorded.event, DecisionRecorded):
        actor = f"{actor} ({identity_marker(decision_signed_in_as(recorded.event))})"
    return ChronologyLine(
        when=recorded.occurred_at,
        who=actor,
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


def person_label(username: str, names: Mapping[str, str]) -> str:
    """A signed-in person as a line names them: display name and username, or the username."""
    name = names.get(username)
    return f"{name} (signed in as {username})" if name else f"signed in as {username}"


def access_what(record: AccessRecord) -> str:
    what = ACCESS_ACTIONS.get(record.action, record.action.replace("_", " ").capitalize())
    return what if record.allowed else f"Refused: {what[:1].lower()}{what[1:]}"


def access_line(record: AccessRecord, names: Mapping[str, str]) -> ChronologyLine:
    """One recorded call: who (signed in), what it did, the run and the answer Prefect gave."""
    return ChronologyLine(
        when=record.occurred_at,
        who=person_label(record.username, names),
        what=access_what(record),
        details=_details(
            {
                "via": record.channel,
                "run": str(record.flow_run_id) if record.flow_run_id else "",
                "status": record.status_code,
                **dict(sorted(record.detail.items())),
            }
        ),
    )


def chronology_lines(
    events: Sequence[RecordedEvent],
    notifications: Sequence[NotificationLike],
    who: Callable[[str], str] = str,
    access: Sequence[AccessRecord] = (),
    names: Mapping[str, str] | None = None,
) -> list[ChronologyLine]:
    """Every event, notification and recorded call of a case, oldest first; ties keep the
    recorded order. `names` gives signed-in people's display names by username."""
    lines = [event_line(event, who) for event in events]
    lines += [notification_line(notification) for notification in notifications]
    lines += [access_line(record, names or {}) for record in access if record.action not in LOOKS]
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
