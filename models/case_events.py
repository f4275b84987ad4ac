"""The vocabulary of the case record: every kind of event a case's history holds, and its details.

Each kind is one pydantic model, and `CaseEventPayload` is their union, told apart by ``kind``.
What is stored is the kind and the model's JSON (`stored_payload`), key for key what the record
has always held, so events written before these models existed read back as them and their hashes
still hold. A field that older events lack has a default and is left out of the stored JSON
unless it was given: it is written on every new event, and an old event reads back unchanged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, TypeAdapter, ValidationError

from models.case_record import canonical_json
from models.enums import (
    Addressee,
    CaseStatus,
    ClosureOutcome,
    LetterKind,
    ReferrerType,
    SafeguardingIndicator,
    Stage,
)
from models.extracts import ExtractFinding
from models.regime import RegimeId


class EventKind(StrEnum):
    """What happened. The values are stored: never rename one, add a new kind instead."""

    CASE_OPENED = "case_opened"
    CASE_STATUS_CHANGED = "case_status_changed"
    CASE_CLOSED = "case_closed"
    STAGE_STARTED = "stage_started"
    STAGE_COMPLETED = "stage_completed"
    STAGE_DUE_CHANGED = "stage_due_changed"
    STAGE_CLOCK_PAUSED = "stage_clock_paused"
    STAGE_CLOCK_RESUMED = "stage_clock_resumed"
    DECISION_RECORDED = "decision_recorded"
    LETTER_PRODUCED = "letter_produced"
    CHRONOLOGY_PRODUCED = "chronology_produced"
    CLOSURE_REQUESTED = "closure_requested"
    CLOSURE_REQUEST_CARRIED_OUT = "closure_request_carried_out"
    FURTHER_REFERRAL_RECEIVED = "further_referral_received"
    POSSIBLE_DUPLICATE = "possible_duplicate"
    REFERRAL_RECEIVED = "referral_received"
    SAFEGUARDING_ESCALATION = "safeguarding_escalation"
    DATA_EXTRACTS_CHECKED = "data_extracts_checked"
    REGIME_CHOSEN = "regime_chosen"


class InvalidEventError(ValueError):
    """An event of no known kind, or whose details do not fit its kind: it is never recorded."""


# Instants inside a payload were written with datetime.isoformat() ("+00:00", not "Z"); they are
# written back the same way, so an old event's JSON, and with it its hash, is reproduced exactly.
IsoDatetime = Annotated[datetime, PlainSerializer(lambda value: value.isoformat(), return_type=str)]


class _Event(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", validate_by_name=True, validate_by_alias=True
    )

    def stored_payload(self) -> dict[str, Any]:
        """The details as the case record stores them: JSON values, without the kind."""
        # warnings="error": a model built without validation and holding a wrong value fails
        # here instead of being written out as whatever it holds.
        return self.model_dump(
            mode="json", by_alias=True, exclude_unset=True, exclude={"kind"}, warnings="error"
        )


class CaseOpened(_Event):
    kind: Literal[EventKind.CASE_OPENED] = EventKind.CASE_OPENED
    # The reference and who has it; never the child's name: events are read widely and kept long.
    reference: str
    officer_id: str
    dspl_area: int | None


class CaseStatusChanged(_Event):
    kind: Literal[EventKind.CASE_STATUS_CHANGED] = EventKind.CASE_STATUS_CHANGED
    from_status: CaseStatus = Field(alias="from")
    to: CaseStatus
    reason: str


class CaseClosed(_Event):
    kind: Literal[EventKind.CASE_CLOSED] = EventKind.CASE_CLOSED
    outcome: ClosureOutcome
    stage: Stage | None
    reason: str | None


class StageStarted(_Event):
    kind: Literal[EventKind.STAGE_STARTED] = EventKind.STAGE_STARTED
    stage: Stage
    due_on: date | None


class StageCompleted(_Event):
    kind: Literal[EventKind.STAGE_COMPLETED] = EventKind.STAGE_COMPLETED
    stage: Stage
    # The stage's typed outcome as its encoded string.
    outcome: str


class StageDueChanged(_Event):
    kind: Literal[EventKind.STAGE_DUE_CHANGED] = EventKind.STAGE_DUE_CHANGED
    stage: Stage
    from_due_on: date | None = Field(alias="from")
    to: date
    reason: str
    # How the new date was computed (notice, method, period, ...), as JSON values.
    details: dict[str, Any]


class StageClockPaused(_Event):
    kind: Literal[EventKind.STAGE_CLOCK_PAUSED] = EventKind.STAGE_CLOCK_PAUSED
    stage: Stage
    reason: str
    due_on: date | None


class StageClockResumed(_Event):
    kind: Literal[EventKind.STAGE_CLOCK_RESUMED] = EventKind.STAGE_CLOCK_RESUMED
    stage: Stage
    reason: str
    paused_at: IsoDatetime
    from_due_on: date | None = Field(alias="from")
    to: date | None


class DecisionRecorded(_Event):
    kind: Literal[EventKind.DECISION_RECORDED] = EventKind.DECISION_RECORDED
    stage: Stage
    key: str
    # The submitted form, as JSON values: each form has its own fields.
    values: dict[str, Any]
    # The username the decider signed in with, as the sign-in gateway wrote it into the form's
    # input; absent from decisions made before people signed in (their officer was attested).
    signed_in_as: str | None = None


class LetterProduced(_Event):
    kind: Literal[EventKind.LETTER_PRODUCED] = EventKind.LETTER_PRODUCED
    letter: LetterKind
    natural_key: str
    addressed_to: Addressee
    path: str
    # Absent from letters recorded before checksums were kept.
    sha256: str | None = None
    template: str
    template_version: str


class ChronologyProduced(_Event):
    kind: Literal[EventKind.CHRONOLOGY_PRODUCED] = EventKind.CHRONOLOGY_PRODUCED
    trigger: str
    pdf: str
    csv: str
    lines: int
    # Absent from chronologies recorded before checksums were kept.
    pdf_sha256: str | None = None
    csv_sha256: str | None = None


class ClosureRequested(_Event):
    kind: Literal[EventKind.CLOSURE_REQUESTED] = EventKind.CLOSURE_REQUESTED
    outcome: ClosureOutcome
    reason: str
    # Where the request came from (return, row, school, score), as JSON values.
    details: dict[str, Any]


class ClosureRequestCarriedOut(_Event):
    kind: Literal[EventKind.CLOSURE_REQUEST_CARRIED_OUT] = EventKind.CLOSURE_REQUEST_CARRIED_OUT
    outcome: ClosureOutcome
    stage: Stage


class FurtherReferralReceived(_Event):
    kind: Literal[EventKind.FURTHER_REFERRAL_RECEIVED] = EventKind.FURTHER_REFERRAL_RECEIVED
    # The score and why; never the child's name or what the referrer wrote.
    referral_id: int
    flow_run_id: UUID
    received_on: date
    referrer_type: ReferrerType
    score: float
    reasons: list[str]
    safeguarding_indicators: list[SafeguardingIndicator]


class PossibleDuplicate(_Event):
    kind: Literal[EventKind.POSSIBLE_DUPLICATE] = EventKind.POSSIBLE_DUPLICATE
    other_reference: str
    score: float
    reasons: list[str]


class ReferralReceived(_Event):
    """A school return's row recorded on a case already open for the child."""

    kind: Literal[EventKind.REFERRAL_RECEIVED] = EventKind.REFERRAL_RECEIVED
    referral_id: int
    referrer_type: ReferrerType
    import_reference: str = Field(alias="import")
    row: int
    route: str


class SafeguardingEscalation(_Event):
    kind: Literal[EventKind.SAFEGUARDING_ESCALATION] = EventKind.SAFEGUARDING_ESCALATION
    # The referral check or the decision that raised it; absent from the earliest escalations.
    origin: str | None = None
    indicators: list[SafeguardingIndicator]


class DataExtractsChecked(_Event):
    kind: Literal[EventKind.DATA_EXTRACTS_CHECKED] = EventKind.DATA_EXTRACTS_CHECKED
    # The school, never the child.
    finding: ExtractFinding
    school_name: str | None
    school_urn: str | None


class RegimeChosen(_Event):
    """The law the case's formal stage runs under, chosen once when it begins (models/regime.py)."""

    kind: Literal[EventKind.REGIME_CHOSEN] = EventKind.REGIME_CHOSEN
    regime: RegimeId
    # As the regime was named when chosen, so the record reads the same after a release renames it.
    name: str
    # The commencement day the choice rested on; None for the law in force before any was set.
    commenced_on: date | None


CaseEventPayload = Annotated[
    CaseOpened
    | CaseStatusChanged
    | CaseClosed
    | StageStarted
    | StageCompleted
    | StageDueChanged
    | StageClockPaused
    | StageClockResumed
    | DecisionRecorded
    | LetterProduced
    | ChronologyProduced
    | ClosureRequested
    | ClosureRequestCarriedOut
    | FurtherReferralReceived
    | PossibleDuplicate
    | ReferralReceived
    | SafeguardingEscalation
    | DataExtractsChecked
    | RegimeChosen,
    Field(discriminator="kind"),
]

_PAYLOAD: TypeAdapter[CaseEventPayload] = TypeAdapter(CaseEventPayload)


def read_event(kind: str, payload: dict[str, Any]) -> CaseEventPayload:
    """The typed event for a stored kind and payload.

    Raises:
        InvalidEventError: The kind is unknown, or the payload does not fit it (the message names
            the field and the problem).
    """
    try:
        return _PAYLOAD.validate_python({**payload, "kind": kind})
    except ValidationError as error:
        problems = "; ".join(
            "kind: no such event kind"
            if problem["type"] == "union_tag_invalid"
            else f"{'.'.join(str(part) for part in problem['loc'][1:])}: {problem['msg']}"
            for problem in error.errors()
        )
        raise InvalidEventError(f"{kind!r} event refused: {problems}") from error


def checked_payload(event: CaseEventPayload) -> dict[str, Any]:
    """What is stored for an event, after proving it reads back as the very same event.

    A model built without validation (``model_construct``) or carrying a kind no model has is
    refused here, before it can be written and hash-chained for good.

    Raises:
        InvalidEventError: It is not a case event, or its details do not fit its kind.
    """
    if not isinstance(event, _Event):
        raise InvalidEventError(f"event: {type(event).__name__} is not a case event")
    try:
        # As its canonical JSON reads back, so what is hashed is exactly what is kept.
        payload: dict[str, Any] = json.loads(canonical_json(event.stored_payload()))
    except (ValueError, TypeError) as error:
        raise InvalidEventError(f"event: {str(event.kind)!r} cannot be stored: {error}") from error
    again = read_event(str(event.kind), payload)
    if again.stored_payload() != payload:
        raise InvalidEventError(f"event: {str(event.kind)!r} does not read back as it was given")
    return payload


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """An event as the case record holds it: its place, when, who, and what (typed)."""

    sequence: int
    occurred_at: datetime
    actor: str
    event: CaseEventPayload
    previous_hash: str | None
    hash: str

    @property
    def kind(self) -> EventKind:
        return self.event.kind

    @property
    def payload(self) -> dict[str, Any]:
        """The stored details, rebuilt from the typed event: the hash chain holds over them."""
        return self.event.stored_payload()
