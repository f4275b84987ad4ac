"""Pausing a stage's clock: run by an officer from the `stage-clock` deployment in the UI.

A clock may be paused with a reason (for example while a court direction is awaited); the pause
and its reason are case events, the sweep sends nothing while it lasts, and on resume the due date
moves on by the days paused (docs/domain.md#periods).
"""

from __future__ import annotations

from datetime import date

from prefect import flow

from models.enums import Stage
from models.escalation import ClockAction
from tasks.sweep import change_stage_clock


@flow(name="stage-clock", description="Pause or resume a stage's clock, with a reason.")
def stage_clock(
    case_reference: str, stage: Stage, action: ClockAction, reason: str, officer: str
) -> date | None:
    """Pause or resume ``stage``'s clock on the case; returns its due date afterwards."""
    return change_stage_clock(case_reference, stage, action, reason, officer)
