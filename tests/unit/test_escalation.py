"""The escalation rules: which notices a stage owes on a given day (models/escalation.py)."""

from __future__ import annotations

from datetime import date

import pytest

from models.calendar import BankHolidays
from models.enums import Stage
from models.escalation import (
    Audience,
    DueNotice,
    EscalationPolicy,
    NoticeKind,
    due_notices,
    due_on_after_pause,
    escalation_day,
    notice_key,
    sweep_horizon,
)

HOLIDAYS = BankHolidays.england(2026, 2027)
POLICY = EscalationPolicy(
    reminder_days_before_due=2, escalate_after_working_days=2, repeat_every_days=7
)
OFFICER = (Audience.OFFICER,)
OFFICER_AND_LEAD = (Audience.OFFICER, Audience.TEAM_LEAD)
LEAD_AND_HEAD = (Audience.TEAM_LEAD, Audience.HEAD_OF_SERVICE)


def owed(due_on: date, today: date, *, paused: bool = False) -> list[tuple[NoticeKind, int]]:
    notices = due_notices(
        due_on=due_on, today=today, clock_paused=paused, policy=POLICY, bank_holidays=HOLIDAYS
    )
    return [(n.kind, n.level) for n in notices]


# Due Wednesday 11 November 2026, no bank holiday near: escalation on Friday 13 November.
@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 11, 8), []),  # three days before: outside the two-day lead
        (date(2026, 11, 9), [(NoticeKind.REMINDER, 1)]),  # lead time starts
        (date(2026, 11, 10), [(NoticeKind.REMINDER, 1)]),
        (date(2026, 11, 11), [(NoticeKind.OVERDUE, 1)]),  # due day: overdue supersedes reminder
        (date(2026, 11, 12), [(NoticeKind.OVERDUE, 1)]),
        (date(2026, 11, 13), [(NoticeKind.OVERDUE, 1), (NoticeKind.ESCALATION, 1)]),
        (
            date(2026, 11, 18),
            [(NoticeKind.OVERDUE, 1), (NoticeKind.REPEAT, 1), (NoticeKind.ESCALATION, 1)],
        ),
        (
            date(2026, 11, 25),
            [(NoticeKind.OVERDUE, 1), (NoticeKind.REPEAT, 2), (NoticeKind.ESCALATION, 1)],
        ),
    ],
)
def test_notices_owed_follow_the_due_date_when_no_bank_holiday_intervenes(
    today: date, expected: list[tuple[NoticeKind, int]]
) -> None:
    assert owed(date(2026, 11, 11), today) == expected


@pytest.mark.parametrize(
    ("due_on", "not_yet", "escalated_on"),
    [
        # Christmas 2026: Fri 25 and Mon 28 (Boxing Day observed) are bank holidays.
        (date(2026, 12, 24), date(2026, 12, 29), date(2026, 12, 30)),
        # Easter 2027: Good Friday 26 March and Easter Monday 29 March.
        (date(2027, 3, 25), date(2027, 3, 30), date(2027, 3, 31)),
        # Due on a Friday: the weekend is not counted.
        (date(2026, 11, 13), date(2026, 11, 16), date(2026, 11, 17)),
    ],
)
def test_escalation_waits_for_working_days_when_weekends_and_bank_holidays_follow_the_due_date(
    due_on: date, not_yet: date, escalated_on: date
) -> None:
    assert escalation_day(due_on, POLICY, HOLIDAYS) == escalated_on
    assert (NoticeKind.ESCALATION, 1) not in owed(due_on, not_yet)
    assert (NoticeKind.ESCALATION, 1) in owed(due_on, escalated_on)


def test_only_the_current_repeat_is_owed_when_a_stage_stays_overdue_for_weeks() -> None:
    notices = owed(date(2026, 10, 1), date(2026, 10, 30))  # 29 days overdue
    assert [n for n in notices if n[0] is NoticeKind.REPEAT] == [(NoticeKind.REPEAT, 4)]


def test_a_paused_clock_owes_nothing_even_when_long_overdue() -> None:
    assert owed(date(2026, 10, 1), date(2026, 12, 1), paused=True) == []
    assert owed(date(2026, 11, 11), date(2026, 11, 10), paused=True) == []


def test_each_notice_goes_to_the_people_its_kind_names() -> None:
    notices = due_notices(
        due_on=date(2026, 11, 11),
        today=date(2026, 11, 18),
        clock_paused=False,
        policy=POLICY,
        bank_holidays=HOLIDAYS,
    )
    assert notices == [
        DueNotice(NoticeKind.OVERDUE, 1, OFFICER_AND_LEAD),
        DueNotice(NoticeKind.REPEAT, 1, OFFICER_AND_LEAD),
        DueNotice(NoticeKind.ESCALATION, 1, LEAD_AND_HEAD),
    ]
    reminder = due_notices(
        due_on=date(2026, 11, 11),
        today=date(2026, 11, 10),
        clock_paused=False,
        policy=POLICY,
        bank_holidays=HOLIDAYS,
    )
    assert reminder == [DueNotice(NoticeKind.REMINDER, 1, OFFICER)]


def test_notice_key_changes_when_the_clock_moves_so_a_new_due_date_gets_new_notices() -> None:
    common = {
        "reference": "CME-2026-00042",
        "stage": Stage.HOME_VISIT,
        "kind": NoticeKind.OVERDUE,
        "level": 1,
        "recipient": "cme-team-lead",
    }
    first = notice_key(due_on=date(2026, 11, 11), **common)  # type: ignore[arg-type]
    moved = notice_key(due_on=date(2026, 11, 25), **common)  # type: ignore[arg-type]
    assert first == "CME-2026-00042:home_visit:overdue:1:2026-11-11:cme-team-lead"
    assert moved != first


def test_sweep_horizon_reaches_the_reminder_lead_time() -> None:
    assert sweep_horizon(date(2026, 11, 9), POLICY) == date(2026, 11, 11)


def test_a_resumed_clock_moves_the_due_date_on_by_the_days_paused() -> None:
    assert due_on_after_pause(date(2026, 11, 11), date(2026, 11, 2), date(2026, 11, 12)) == date(
        2026, 11, 21
    )
    assert due_on_after_pause(date(2026, 11, 11), date(2026, 11, 2), date(2026, 11, 2)) == date(
        2026, 11, 11
    )
    with pytest.raises(ValueError, match="resumed_on"):
        due_on_after_pause(date(2026, 11, 11), date(2026, 11, 2), date(2026, 11, 1))


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("reminder_days_before_due", (-1, 2, 7)),
        ("escalate_after_working_days", (2, -1, 7)),
        ("repeat_every_days", (2, 2, 0)),
    ],
)
def test_policy_refuses_impossible_timings_naming_the_field(
    field: str, values: tuple[int, int, int]
) -> None:
    with pytest.raises(ValueError, match=field):
        EscalationPolicy(*values)
