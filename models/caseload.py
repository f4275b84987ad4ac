"""The team lead's caseload figures, from case and stage rows and the moment of the report.

Pure: the rows are read in store/reports.py, the report published and emailed in
tasks/caseload.py. The figures are what the team lead manages the team by
(docs/domain.md#reports): open cases by officer, DSPL area and stage; stages past their due date;
how long stages take; and how cases closed in the period.

Definitions:
- A case is open until it is closed (a case under periodic review is open).
- A stage is overdue when its case is open, it is not completed, its clock is running (not paused)
  and its due date is before today: days overdue are calendar days since the due date.
- Time in stage is elapsed calendar time, clock pauses included: for open stages of open cases,
  from the stage's start to now; for stages completed in the period, from start to completion.
- The period is ``[period_start, now)``: closures and completed stages inside it are counted.
- A case in support to a school place (Stage.SCHOOL_PLACE_SUPPORT) waits at one step
  (models/school_place.py); days waiting are calendar days from the day it reached that step.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from models.enums import CaseStatus, ClosureOutcome, Stage
from models.school_place import SupportStep, support_position

# A stage's start is an instant; the day a case reached a step is a day in England.
ENGLAND = ZoneInfo("Europe/London")

SECONDS_PER_DAY = 86_400

_Key = TypeVar("_Key")


@dataclass(frozen=True, slots=True)
class CaseRow:
    """What the report needs of a case: identifiers, allocation, status, no child data."""

    reference: str
    flow_run_id: UUID | None
    officer_id: str
    dspl_area: int | None
    status: CaseStatus
    current_stage: Stage | None
    opened_at: datetime
    closed_at: datetime | None
    closure_outcome: ClosureOutcome | None

    @property
    def is_open(self) -> bool:
        return self.status is not CaseStatus.CLOSED


@dataclass(frozen=True, slots=True)
class StageRow:
    """What the report needs of a stage."""

    reference: str
    stage: Stage
    started_at: datetime
    due_on: date | None
    completed_at: datetime | None
    clock_paused_at: datetime | None


@dataclass(frozen=True)
class OpenCaseLine:
    """One line of an open-cases page: identifiers, stage and dates, no child data."""

    reference: str
    flow_run_id: UUID | None
    officer_id: str
    stage: Stage | None
    due_on: date | None
    clock_paused: bool
    status: CaseStatus
    opened_at: datetime


@dataclass(frozen=True, slots=True)
class OverdueStage:
    reference: str
    flow_run_id: UUID | None
    officer_id: str
    stage: Stage
    due_on: date
    days_overdue: int


@dataclass(frozen=True, slots=True)
class SupportLine:
    """An open case in support to a school place: the step it waits at and since when."""

    reference: str
    flow_run_id: UUID | None
    officer_id: str
    step: SupportStep
    since: date
    days_waiting: int
    due_on: date | None


@dataclass(frozen=True, slots=True)
class Durations:
    """How long a set of stages took (or have taken so far), in days."""

    count: int
    median_days: float | None
    longest_days: float | None
    longest_reference: str | None


@dataclass(frozen=True, slots=True)
class TimeInStage:
    stage: Stage
    open: Durations
    completed_in_period: Durations


@dataclass(frozen=True)
class CaseloadFigures:
    """Every figure of one report."""

    now: datetime
    today: date
    period_start: datetime
    open_cases: int
    by_officer: dict[str, int]
    by_area: dict[int | None, int]
    by_stage: dict[Stage | None, int]
    overdue: list[OverdueStage]
    time_in_stage: list[TimeInStage]
    closures: dict[ClosureOutcome, int]
    flow_runs: dict[str, UUID | None]
    school_place_support: list[SupportLine] = field(default_factory=list)

    @property
    def closed_in_period(self) -> int:
        return sum(self.closures.values())

    def overdue_by_officer(self) -> dict[str, int]:
        return dict(Counter(item.officer_id for item in self.overdue))

    def support_by_step(self) -> dict[SupportStep, int]:
        """Cases in support to a school place by the step they wait at, in the steps' order."""
        counts = Counter(line.step for line in self.school_place_support)
        return {step: counts[step] for step in SupportStep if counts[step]}


def _days(span: timedelta) -> float:
    return span.total_seconds() / SECONDS_PER_DAY


def _durations(spans: Iterable[tuple[str, timedelta]]) -> Durations:
    measured = [(_days(span), reference) for reference, span in spans]
    if not measured:
        return Durations(count=0, median_days=None, longest_days=None, longest_reference=None)
    longest_days, longest_reference = max(measured, key=lambda item: (item[0], item[1]))
    return Durations(
        count=len(measured),
        median_days=statistics.median(days for days, _ in measured),
        longest_days=longest_days,
        longest_reference=longest_reference,
    )


def _in_period(moment: datetime | None, start: datetime, end: datetime) -> bool:
    return moment is not None and start <= moment < end


def caseload_figures(
    *,
    cases: Sequence[CaseRow],
    stages: Sequence[StageRow],
    now: datetime,
    today: date,
    period_start: datetime,
    support_decisions: Mapping[str, Sequence[Mapping[str, object]]] | None = None,
) -> CaseloadFigures:
    """Work out one report's figures.

    Args:
        cases: Every open case, and every case closed in the period (others are ignored).
        stages: The stages of those cases.
        now: The end of the period (aware).
        today: The day in England at ``now``, against which due dates are compared.
        period_start: The start of the period (aware).
        support_decisions: The stored values of the support stage's decisions, in the order
            they were made, by case reference (cases with none may be left out).

    Returns:
        The figures; every breakdown is sorted for display (largest first, then by name).

    Raises:
        ValueError: The period ends before it starts, or a stage names an unknown case.
    """
    if period_start > now:
        raise ValueError(
            f"period_start: {period_start.isoformat()} is after now ({now.isoformat()})"
        )
    by_reference = {case.reference: case for case in cases}
    open_cases = [case for case in cases if case.is_open]

    overdue: list[OverdueStage] = []
    support: list[SupportLine] = []
    open_spans: dict[Stage, list[tuple[str, timedelta]]] = {}
    completed_spans: dict[Stage, list[tuple[str, timedelta]]] = {}
    for row in stages:
        case = by_reference.get(row.reference)
        if case is None:
            raise ValueError(f"stages: {row.reference} is not among the cases given")
        if row.completed_at is None:
            if not case.is_open:
                continue
            open_spans.setdefault(row.stage, []).append((row.reference, now - row.started_at))
            if row.stage is Stage.SCHOOL_PLACE_SUPPORT:
                began = row.started_at.astimezone(ENGLAND).date()
                decided = (support_decisions or {}).get(row.reference, ())
                position = support_position(began, decided)
                support.append(
                    SupportLine(
                        reference=row.reference, flow_run_id=case.flow_run_id,
                        officer_id=case.officer_id, step=position.step, since=position.since,
                        days_waiting=max((today - position.since).days, 0), due_on=row.due_on,
                    )
                )  # fmt: skip
            if row.clock_paused_at is None and row.due_on is not None and row.due_on < today:
                overdue.append(
                    OverdueStage(
                        reference=row.reference,
                        flow_run_id=case.flow_run_id,
                        officer_id=case.officer_id,
                        stage=row.stage,
                        due_on=row.due_on,
                        days_overdue=(today - row.due_on).days,
                    )
                )
        elif _in_period(row.completed_at, period_start, now):
            span = row.completed_at - row.started_at
            completed_spans.setdefault(row.stage, []).append((row.reference, span))

    closures = Counter(
        case.closure_outcome
        for case in cases
        if case.closure_outcome is not None and _in_period(case.closed_at, period_start, now)
    )
    return CaseloadFigures(
        now=now,
        today=today,
        period_start=period_start,
        open_cases=len(open_cases),
        by_officer=_ranked(Counter(case.officer_id for case in open_cases)),
        by_area=_ranked(Counter(case.dspl_area for case in open_cases)),
        by_stage=_ranked(Counter(case.current_stage for case in open_cases)),
        overdue=sorted(overdue, key=lambda item: (-item.days_overdue, item.reference)),
        time_in_stage=[
            TimeInStage(
                stage=stage,
                open=_durations(open_spans.get(stage, [])),
                completed_in_period=_durations(completed_spans.get(stage, [])),
            )
            for stage in Stage  # statutory order
            if stage in open_spans or stage in completed_spans
        ],
        closures=_ranked(closures),
        flow_runs={case.reference: case.flow_run_id for case in cases},
        school_place_support=sorted(
            support, key=lambda line: (list(SupportStep).index(line.step), -line.days_waiting)
        ),
    )


def _ranked(counts: Counter[_Key]) -> dict[_Key, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], str(item[0]))))
