"""The caseload figures on a seeded data set whose counts were worked out by hand.

The report runs on Monday 30 November 2026 at 07:00 UTC for the 7 days before it. Nine cases:

| case | officer | area | status | closed | stages (start -> end / due) |
|---|---|---|---|---|---|
| 1 | o1 | 1 | open, home visit | | RC 2/11 09:00-3/11 09:00; HV from 3/11 09:00, due 20/11 |
| 2 | o1 | 2 | open, enquiry | | RC 10/11 12:00-24/11 12:00; EE from 24/11 12:00, due 29/11 |
| 3 | o2 | 7 | periodic review | | PR from 1/11 07:00, due 15/11, clock paused 14/11 |
| 4 | o2 | 7 | open, referral check | | RC from 28/11 07:00, due 30/11 (today) |
| 5 | o1 | - | open, no stage yet | | |
| 6 | o2 | 8 | closed | 25/11 10:00 on roll | RC 20/11-25/11 07:00; HV from 25/11, due 26/11, open |
| 7 | o1 | 1 | closed | 27/11 08:00 on roll | RC 16/11-18/11 07:00; HV 18/11 07:00-27/11 07:00 |
| 8 | o2 | 9 | closed | 23/11 06:59 abroad | RC 10/11-23/11 06:00 (both before the period) |
| 9 | o1 | 3 | closed | 29/11 12:00 EHE | RC 26/11 07:00-29/11 12:00 |
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from models.caseload import CaseloadFigures, CaseRow, StageRow, caseload_figures
from models.enums import CaseStatus, ClosureOutcome, Stage
from models.school_place import SupportStep

NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
TODAY = date(2026, 11, 30)
PERIOD_START = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
OPEN, REVIEW, CLOSED = CaseStatus.OPEN, CaseStatus.UNDER_PERIODIC_REVIEW, CaseStatus.CLOSED
RC, HV, EE, PR = (
    Stage.REFERRAL_CHECK,
    Stage.HOME_VISIT,
    Stage.EDUCATION_ENQUIRY,
    Stage.PERIODIC_REVIEW,
)


def _at(day: int, hour: int = 7, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def _ref(n: int) -> str:
    return f"CME-2026-{n:05d}"


def _case(
    n: int,
    officer: str,
    area: int | None,
    status: CaseStatus,
    stage: Stage | None,
    closed: tuple[datetime, ClosureOutcome] | None = None,
) -> CaseRow:
    return CaseRow(
        reference=_ref(n),
        flow_run_id=uuid.UUID(int=n),
        officer_id=officer,
        dspl_area=area,
        status=status,
        current_stage=stage,
        opened_at=_at(1),
        closed_at=closed[0] if closed else None,
        closure_outcome=closed[1] if closed else None,
    )


def _stage(
    n: int,
    stage: Stage,
    started: datetime,
    completed: datetime | None = None,
    due: date | None = None,
    paused: datetime | None = None,
) -> StageRow:
    return StageRow(
        reference=_ref(n),
        stage=stage,
        started_at=started,
        due_on=due,
        completed_at=completed,
        clock_paused_at=paused,
    )


CASES = [
    _case(1, "o1", 1, OPEN, HV),
    _case(2, "o1", 2, OPEN, EE),
    _case(3, "o2", 7, REVIEW, PR),
    _case(4, "o2", 7, OPEN, RC),
    _case(5, "o1", None, OPEN, None),
    _case(6, "o2", 8, CLOSED, HV, (_at(25, 10), ClosureOutcome.FOUND_ON_ROLL)),
    _case(7, "o1", 1, CLOSED, HV, (_at(27, 8), ClosureOutcome.FOUND_ON_ROLL)),
    _case(8, "o2", 9, CLOSED, RC, (_at(23, 6, 59), ClosureOutcome.MOVED_ABROAD_CONFIRMED)),
    _case(9, "o1", 3, CLOSED, RC, (_at(29, 12), ClosureOutcome.ELECTIVE_HOME_EDUCATION)),
]
STAGES = [
    _stage(1, RC, _at(2, 9), completed=_at(3, 9)),
    _stage(1, HV, _at(3, 9), due=date(2026, 11, 20)),
    _stage(2, RC, _at(10, 12), completed=_at(24, 12)),
    _stage(2, EE, _at(24, 12), due=date(2026, 11, 29)),
    _stage(3, PR, _at(1), due=date(2026, 11, 15), paused=_at(14)),
    _stage(4, RC, _at(28), due=date(2026, 11, 30)),
    _stage(6, RC, _at(20), completed=_at(25)),
    _stage(6, HV, _at(25), due=date(2026, 11, 26)),
    _stage(7, RC, _at(16), completed=_at(18)),
    _stage(7, HV, _at(18), completed=_at(27)),
    _stage(8, RC, _at(10), completed=_at(23, 6)),
    _stage(9, RC, _at(26), completed=_at(29, 12)),
]


@pytest.fixture
def figures() -> CaseloadFigures:
    return caseload_figures(
        cases=CASES, stages=STAGES, now=NOW, today=TODAY, period_start=PERIOD_START
    )


def test_open_cases_are_counted_by_officer_area_and_stage(figures: CaseloadFigures) -> None:
    assert figures.open_cases == 5
    assert figures.by_officer == {"o1": 3, "o2": 2}
    assert list(figures.by_officer) == ["o1", "o2"]  # largest first
    assert figures.by_area == {7: 2, 1: 1, 2: 1, None: 1}
    assert next(iter(figures.by_area)) == 7
    assert figures.by_stage == {HV: 1, EE: 1, PR: 1, RC: 1, None: 1}


def test_overdue_stages_are_running_clocks_of_open_cases_due_before_today(
    figures: CaseloadFigures,
) -> None:
    # Case 3's clock is paused, case 4 is due today, case 6 is closed.
    assert [(o.reference, o.stage, o.days_overdue) for o in figures.overdue] == [
        (_ref(1), HV, 10),
        (_ref(2), EE, 1),
    ]
    assert figures.overdue[0].flow_run_id == uuid.UUID(int=1)
    assert figures.overdue_by_officer() == {"o1": 2}


def test_time_in_stage_has_median_and_longest_for_open_and_completed_stages(
    figures: CaseloadFigures,
) -> None:
    times = {t.stage: t for t in figures.time_in_stage}
    assert list(times) == [RC, HV, EE, PR]  # statutory order, stages with no figure left out

    # Open referral checks: case 4 only, 2 days. Completed in the period: cases 2 (14 days),
    # 6 (5 days) and 9 (3 days 5 hours); case 8 completed before the period.
    assert (times[RC].open.count, times[RC].open.median_days) == (1, 2.0)
    completed = times[RC].completed_in_period
    assert (completed.count, completed.median_days) == (3, 5.0)
    assert (completed.longest_days, completed.longest_reference) == (14.0, _ref(2))

    # Open home visits: case 1, 26 days 22 hours (case 6's is left open on a closed case).
    assert times[HV].open.count == 1
    assert times[HV].open.longest_days == pytest.approx(26 + 22 / 24)
    assert times[HV].open.longest_reference == _ref(1)
    assert (times[HV].completed_in_period.count, times[HV].completed_in_period.median_days) == (
        1,
        9.0,
    )

    assert times[EE].open.median_days == pytest.approx(5 + 19 / 24)
    assert times[EE].completed_in_period.count == 0
    assert times[EE].completed_in_period.median_days is None
    assert (times[PR].open.median_days, times[PR].open.longest_reference) == (29.0, _ref(3))


def test_closures_in_the_period_are_counted_by_outcome(figures: CaseloadFigures) -> None:
    # Case 8 closed one minute before the period began.
    assert figures.closures == {
        ClosureOutcome.FOUND_ON_ROLL: 2,
        ClosureOutcome.ELECTIVE_HOME_EDUCATION: 1,
    }
    assert figures.closed_in_period == 3


def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two() -> None:
    cases = [_case(n, "o1", 1, OPEN, HV) for n in (1, 2, 3, 4)]
    stages = [_stage(n, HV, _at(30 - days)) for n, days in ((1, 1), (2, 2), (3, 4), (4, 10))]

    figures = caseload_figures(
        cases=cases, stages=stages, now=NOW, today=TODAY, period_start=PERIOD_START
    )

    [times] = figures.time_in_stage
    assert (times.open.median_days, times.open.longest_days) == (3.0, 10.0)


def test_a_case_closed_exactly_at_the_end_of_the_period_falls_in_the_next() -> None:
    cases = [_case(1, "o1", 1, CLOSED, RC, (NOW, ClosureOutcome.NOT_CME))]

    figures = caseload_figures(
        cases=cases, stages=[], now=NOW, today=TODAY, period_start=PERIOD_START
    )

    assert (figures.closures, figures.open_cases) == ({}, 0)


def test_an_empty_caseload_has_zero_figures() -> None:
    figures = caseload_figures(cases=[], stages=[], now=NOW, today=TODAY, period_start=PERIOD_START)

    assert (figures.open_cases, figures.by_officer, figures.overdue, figures.time_in_stage) == (
        0,
        {},
        [],
        [],
    )


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match=r"period_start: .* is after now"):
        caseload_figures(cases=[], stages=[], now=PERIOD_START, today=TODAY, period_start=NOW)


def test_a_stage_of_a_case_not_given_is_refused() -> None:
    with pytest.raises(ValueError, match="stages: CME-2026-00001 is not among the cases given"):
        caseload_figures(
            cases=[], stages=STAGES[:1], now=NOW, today=TODAY, period_start=PERIOD_START
        )


# --- Support to a school place ----------------------------------------------------------------

SP = Stage.SCHOOL_PLACE_SUPPORT


def test_cases_in_support_are_shown_by_step_and_days_waiting() -> None:
    cases = [
        _case(11, "o1", 7, OPEN, SP),
        _case(12, "o2", 7, OPEN, SP),
        _case(13, "o1", 7, OPEN, SP),
        _case(14, "o1", 7, CLOSED, SP, (_at(27, 10), ClosureOutcome.FOUND_ON_ROLL)),
    ]
    stages = [
        _stage(11, SP, _at(20, 10), due=date(2026, 12, 4)),
        _stage(12, SP, _at(10, 10), due=date(2026, 12, 1)),
        _stage(13, SP, _at(2, 10), due=date(2026, 12, 7)),
        _stage(14, SP, _at(2, 10), completed=_at(27, 10)),
    ]
    decided = {
        _ref(12): [{"outcome": "in_year_application", "made_on": "2026-11-12"}],
        _ref(13): [
            {"outcome": "fair_access_referral", "made_on": "2026-11-03"},
            {"outcome": "offer_accepted", "decided_on": "2026-11-25", "school_offered": "A"},
        ],
        _ref(14): [{"outcome": "in_year_application", "made_on": "2026-11-03"}],
    }
    figures = caseload_figures(
        cases=cases, stages=stages, now=NOW, today=TODAY, period_start=PERIOD_START,
        support_decisions=decided,
    )  # fmt: skip
    lines = [
        (line.reference, line.step, line.since, line.days_waiting)
        for line in figures.school_place_support
    ]
    assert lines == [
        (_ref(11), SupportStep.AWAITING_APPLICATION, date(2026, 11, 20), 10),
        (_ref(12), SupportStep.APPLYING, date(2026, 11, 12), 18),
        (_ref(13), SupportStep.OFFERED_NOT_STARTED, date(2026, 11, 25), 5),
    ]
    assert figures.support_by_step() == {
        SupportStep.AWAITING_APPLICATION: 1,
        SupportStep.APPLYING: 1,
        SupportStep.OFFERED_NOT_STARTED: 1,
    }
