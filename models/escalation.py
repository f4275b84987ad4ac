"""Which deadline notices a stage owes on a given day: the rules of the escalation sweep.

Pure: the sweep passes in the stage's due date, "today" and the bank holidays. A reminder goes to
the officer before the due date; on the due date an overdue notice goes to the officer and the
team lead; after further working days the team lead (and the head of service, if configured) get an
escalation; while the stage stays overdue the officer and team lead get a repeat every few days.
Local practice (docs/domain.md#local-targets), not statute: an officer being late is an
escalation, never a failed case (docs/design.md#deadlines). Each notice is sent once, per recipient,
by its natural key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from models.calendar import BankHolidays, add_working_days
from models.enums import Stage


class NoticeKind(StrEnum):
    """What a notice says; the order is how serious it is."""

    REMINDER = "reminder"
    OVERDUE = "overdue"
    REPEAT = "repeat"
    ESCALATION = "escalation"

    @property
    def severity(self) -> int:
        return list(NoticeKind).index(self)


class ClockAction(StrEnum):
    """What an officer does to a stage's clock."""

    PAUSE = "pause"
    RESUME = "resume"


class Audience(StrEnum):
    """Who a notice goes to, by role; the configuration names the person and address."""

    OFFICER = "officer"
    TEAM_LEAD = "team_lead"
    HEAD_OF_SERVICE = "head_of_service"


@dataclass(frozen=True)
class EscalationPolicy:
    """The configured timings ([process] in config/cme.toml)."""

    reminder_days_before_due: int
    escalate_after_working_days: int
    repeat_every_days: int

    def __post_init__(self) -> None:
        if self.reminder_days_before_due < 0:
            raise ValueError("reminder_days_before_due: must not be negative")
        if self.escalate_after_working_days < 0:
            raise ValueError("escalate_after_working_days: must not be negative")
        if self.repeat_every_days < 1:
            raise ValueError("repeat_every_days: must be at least 1")


@dataclass(frozen=True)
class DueNotice:
    """One notice a stage owes: its kind, its level (the repeat number, else 1), who gets it."""

    kind: NoticeKind
    level: int
    audiences: tuple[Audience, ...]


def notice_key(
    *, reference: str, stage: Stage, kind: NoticeKind, level: int, due_on: date, recipient: str
) -> str:
    """The natural key a notice is claimed under, once per recipient.

    The due date is part of the key: when a clock moves (a notice served, a pause lifted) the
    stage owes a fresh round of notices against its new date.
    """
    return f"{reference}:{stage.value}:{kind.value}:{level}:{due_on.isoformat()}:{recipient}"


def sweep_horizon(today: date, policy: EscalationPolicy) -> date:
    """The latest due date a sweep on ``today`` must look at: stages owed a reminder or more."""
    return today + timedelta(days=policy.reminder_days_before_due)


def escalation_day(due_on: date, policy: EscalationPolicy, bank_holidays: BankHolidays) -> date:
    """The day the team lead's escalation falls due: N working days after the due date."""
    return add_working_days(due_on, policy.escalate_after_working_days, bank_holidays)


def days_overdue(due_on: date, today: date) -> int:
    """Calendar days past the due date; zero on the day, negative before it."""
    return (today - due_on).days


def due_notices(
    *,
    due_on: date,
    today: date,
    clock_paused: bool,
    policy: EscalationPolicy,
    bank_holidays: BankHolidays,
) -> list[DueNotice]:
    """The notices a stage owes on ``today``, least serious first.

    A paused clock owes nothing. Once overdue, the reminder is superseded and not sent; of the
    repeats only the current one is owed, so a sweep that was down for weeks sends one repeat,
    not a backlog.
    """
    if clock_paused:
        return []
    overdue_by = days_overdue(due_on, today)
    if overdue_by < 0:
        if -overdue_by <= policy.reminder_days_before_due:
            return [DueNotice(NoticeKind.REMINDER, 1, (Audience.OFFICER,))]
        return []
    notices = [DueNotice(NoticeKind.OVERDUE, 1, (Audience.OFFICER, Audience.TEAM_LEAD))]
    repeat = overdue_by // policy.repeat_every_days
    if repeat >= 1:
        notices.append(DueNotice(NoticeKind.REPEAT, repeat, (Audience.OFFICER, Audience.TEAM_LEAD)))
    if today >= escalation_day(due_on, policy, bank_holidays):
        notices.append(
            DueNotice(NoticeKind.ESCALATION, 1, (Audience.TEAM_LEAD, Audience.HEAD_OF_SERVICE))
        )
    return notices


def due_on_after_pause(due_on: date, paused_on: date, resumed_on: date) -> date:
    """The due date once a paused clock runs again: moved on by the calendar days it was paused.

    A pause stops the clock (for example while a court direction is awaited), so the time left
    when it was paused is the time left when it resumes. Paused and resumed the same day: no move.
    """
    if resumed_on < paused_on:
        raise ValueError(f"resumed_on: {resumed_on} is before the pause on {paused_on}")
    return due_on + (resumed_on - paused_on)
