"""A closure decided outside the case's own run (a school's new-pupil return), carried into it.

Intake cannot close a case itself: the case is a flow run, usually suspended on an officer's form,
and its stages, closure and summary are the run's to record. Intake records a closure request in
the case database and wakes the run; at its next form the run finds the request and raises
`CaseClosedElsewhere`, which the stage turns into its closure outcome, the normal way.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from models.enums import ClosureOutcome


class ClosureRequest(BaseModel):
    """A pending closure of one case: the outcome, why, and who asked (no child data)."""

    model_config = ConfigDict(frozen=True)

    request_id: int
    outcome: ClosureOutcome
    reason: str
    requested_by: str
    details: dict[str, Any]


class CaseClosedElsewhereError(Exception):
    """Raised in a waiting case when its closure was requested from outside (see module)."""

    def __init__(self, request: ClosureRequest) -> None:
        super().__init__(f"closure requested: {request.outcome.value} ({request.reason})")
        self.request = request
