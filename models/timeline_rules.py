"""The case's own timeline: which dates a decision may carry, given what was served and when.

A prosecution under s443 stands or falls on the sequence of what was served, when, and what the
parent had time to do. Each rule below is one check of one decision against that sequence; it
returns the problem (the field, the date and why) or None. Pure: "today" and every date of the case
are parameters. The table of rules for officers is docs/statutory-timeline.md; the sections cited
are of the Education Act 1996 (/work/shared/reference/cme-domain.md, section 1.5).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Timeline:
    """Where the case stands when a decision is given: the day its stage began, and today."""

    stage_began: date
    today: date


@dataclass(frozen=True)
class Problem:
    """One date a decision may not carry: the field, and why, in words an officer reads."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def not_after_today(field: str, day: date, today: date) -> Problem | None:
    """A decision records what has happened: a date after today is a record of nothing yet.

    The s443 file (EA 1996 s443, s446) is evidence of steps taken; a step dated in the future was
    not taken when it was recorded.
    """
    if day <= today:
        return None
    return Problem(field, f"{day} is after today ({today}); record it on or after the day itself")


def not_before_stage(field: str, day: date, stage_began: date, stage: str) -> Problem | None:
    """No decision of a stage is dated before the stage began: the steps of ss437-443 (and the
    enquiries under s436A that lead to them) follow one another in that order."""
    if day >= stage_began:
        return None
    return Problem(field, f"{day} is before this stage ({stage}) began on {stage_began}")


def not_before_today(field: str, day: date, today: date) -> Problem | None:
    """A letter approved today is prepared after the approval, so it cannot be sent earlier:
    the day a notice is sent fixes the day it is served (EA 1996 s572) and every period after."""
    if day >= today:
        return None
    return Problem(
        field, f"{day} is before today ({today}); the letter is prepared after you approve it, "
        "so it can be sent today at the earliest",
    )  # fmt: skip


def sent_on_or_after_approved_day(today: date, sent_on: date) -> Problem | None:
    """A notice cannot be confirmed as sent before the day it was approved to be sent: service
    (EA 1996 s572) and the s437(2) / s438 periods are counted from that day, as the letter states.
    """
    if today >= sent_on:
        return None
    return Problem(
        "sent", f"the letter states it is sent on {sent_on}; today is {today}, so it cannot "
        f"have been sent as it states yet. Confirm it on or after {sent_on}, or have it re-issued",
    )  # fmt: skip


def after_period(field: str, day: date, period_ends: date, period: str) -> Problem | None:
    """A decision that waits for a period to run may be dated the day after its last day at the
    earliest: the parent has the whole of the last day (for a notice, the day the letter states).
    """
    if day > period_ends:
        return None
    return Problem(
        field, f"{day} is not after {period}, which ends on {period_ends}; this can be "
        f"recorded from {period_ends + _ONE_DAY}",
    )  # fmt: skip


def s437_not_satisfied_after_period(
    satisfied: bool, decided_on: date, period_ends: date
) -> Problem | None:
    """EA 1996 s437(1)-(3): the parent has the period the notice specifies (not less than 15 days
    beginning with the day served) to satisfy the authority; only when it has ended may the
    authority find that they failed to. An answer that satisfies the authority may be recorded on
    any day, in the period or before it ends."""
    if satisfied:
        return None
    return after_period(
        "decided_on", decided_on, period_ends,
        "the parent's s437(1) period (its last day is the one the notice states)",
    )  # fmt: skip


def sao_after_s438_period(parent_chose: bool, served_on: date, choice_ends: date) -> Problem | None:
    """EA 1996 s438(2)-(4): the parent has 15 days beginning with the day the notice of intention
    is served to choose a school; an order naming the authority's proposed school may be sent only
    after that. Where the parent has chosen (an alternative, or a place offered elsewhere), their
    answer is in and the order naming that school may be sent before the period ends."""
    if parent_chose:
        return None
    return after_period(
        "served_on", served_on, choice_ends,
        "the parent's s438 choice period (its last day is the one the notice states)",
    )  # fmt: skip


def sao_not_complied_after_period(
    complied: bool, checked_on: date, compliance_ends: date
) -> Problem | None:
    """EA 1996 s437(3) and s443(1): the order requires the parent to cause the child to become a
    registered pupil at the named school, and the offence is failing to comply with it. The order
    states no date, so the council's own time for registering the child (config/calendar.toml,
    sao_compliance) is the earliest day "not complied" may be recorded. Compliance (registration,
    or revocation under s442) may be recorded on any day."""
    if complied:
        return None
    return after_period(
        "checked_on", checked_on, compliance_ends,
        "the time the council gives the parent to register the child at the named school",
    )  # fmt: skip


def not_before(field: str, day: date, earlier: date, what: str) -> Problem | None:
    """One step of a school-place request follows another: an offer follows the application it
    answers, a start follows the offer it takes up."""
    if day >= earlier:
        return None
    return Problem(field, f"{day} is before {what} on {earlier}")


def no_application_after_period(applied: bool, made_on: date, apply_by: date) -> Problem | None:
    """Support to a school place comes before any formal notice (School Admissions Code 2021 para
    2.28; docs/domain.md#local-targets): the family has the time the council gives to apply
    (config/calendar.toml, school_place_application), and only after it may the officer record
    that no application came and move to the s437(1) notice. An application or a referral may be
    recorded on any day."""
    if applied:
        return None
    return after_period(
        "made_on", made_on, apply_by, "the time the council gives the family to apply for a place"
    )


def not_started_after_period(started: bool, checked_on: date, start_by: date) -> Problem | None:
    """A place accepted is taken up by the start date the school gave, with the council's few
    school days' grace (config/calendar.toml, school_place_start); only after them may the officer
    record that the child has not started and move to the s437(1) notice. A start may be recorded
    on any day."""
    if started:
        return None
    return after_period(
        "checked_on", checked_on, start_by,
        "the time given for the child to start at the school offered",
    )  # fmt: skip
