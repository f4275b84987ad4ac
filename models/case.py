"""Values the case flow passes between its stages. No personal data: a flow run's results and
logs carry the case reference, never the child's name or address."""

from __future__ import annotations

import re
from typing import Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, model_validator

from models.enums import ClosureOutcome, Stage


class CaseHandle(BaseModel):
    """What the flow knows about its case: identifiers and allocation, nothing personal."""

    model_config = ConfigDict(frozen=True)

    case_id: int
    reference: str
    officer_id: str
    dspl_area: int | None
    flow_run_id: UUID | None = None

    @property
    def artifact_key(self) -> str:
        """Prefect artifact keys allow lowercase letters, digits and dashes only."""
        return "case-" + re.sub(r"[^a-z0-9]+", "-", self.reference.lower()).strip("-")


class StageResult(BaseModel):
    """How a stage ended: the next stage, or the case's closure outcome (never both)."""

    model_config = ConfigDict(frozen=True)

    next_stage: Stage | None = None
    closure: ClosureOutcome | None = None

    @model_validator(mode="after")
    def _not_both(self) -> Self:
        if self.next_stage is not None and self.closure is not None:
            raise ValueError("closure: a stage result that closes the case has no next stage")
        return self

    @property
    def words(self) -> str:
        """The result as an officer reads it: "Closed: Found on roll", "Next: Home visit"."""
        if self.closure is not None:
            return f"Closed: {self.closure.label}"
        if self.next_stage is not None:
            return f"Next: {self.next_stage.label}"
        raise ValueError("a stage result needs a next stage or a closure")

    def encode(self) -> str:
        if self.closure is not None:
            return f"closed:{self.closure.value}"
        if self.next_stage is not None:
            return f"next:{self.next_stage.value}"
        raise ValueError("a stage result needs a next stage or a closure")

    @classmethod
    def decode(cls, text: str) -> StageResult:
        kind, _, value = text.partition(":")
        if kind == "closed" and value in {outcome.value for outcome in ClosureOutcome}:
            return cls(closure=ClosureOutcome(value))
        if kind == "next" and value in {stage.value for stage in Stage}:
            return cls(next_stage=Stage(value))
        raise ValueError(
            f"stage outcome {text!r} is not 'closed:<closure outcome>' or 'next:<stage>'"
        )


def next_stage(stage: Stage) -> StageResult:
    return StageResult(next_stage=stage)


def closed(outcome: ClosureOutcome) -> StageResult:
    return StageResult(closure=outcome)
