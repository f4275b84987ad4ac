"""Each rule of the case's timeline at its boundary day: the last day refused, the first allowed."""

from __future__ import annotations

from datetime import date

from models.timeline_rules import (
    Problem,
    no_application_after_period,
    not_after_today,
    not_before,
    not_before_stage,
    not_before_today,
    not_started_after_period,
    s437_not_satisfied_after_period,
    sao_after_s438_period,
    sao_not_complied_after_period,
    sent_on_or_after_approved_day,
)

TODAY = date(2026, 12, 4)
# The notice: approved to be sent 18 December by first class post, deemed served on the
# 22nd, period ending 5 January 2027.
SENT_ON = date(2026, 12, 18)
PERIOD_ENDS = date(2027, 1, 5)


def _said(problem: Problem | None) -> str:
    assert problem is not None
    return str(problem)


def test_a_decision_may_be_dated_today_but_not_tomorrow() -> None:
    assert not_after_today("checked_on", TODAY, TODAY) is None
    assert _said(not_after_today("checked_on", date(2026, 12, 5), TODAY)) == (
        "checked_on: 2026-12-05 is after today (2026-12-04); record it on or after the day itself"
    )


def test_a_decision_may_be_dated_the_day_its_stage_began_but_not_the_day_before() -> None:
    began = date(2026, 11, 10)
    assert not_before_stage("visit_date", began, began, "Home visit") is None
    assert _said(not_before_stage("visit_date", date(2026, 11, 9), began, "Home visit")) == (
        "visit_date: 2026-11-09 is before this stage (Home visit) began on 2026-11-10"
    )


def test_a_letter_may_be_approved_to_be_sent_today_but_not_yesterday() -> None:
    assert not_before_today("served_on", TODAY, TODAY) is None
    said = _said(not_before_today("served_on", date(2026, 12, 3), TODAY))
    assert said.startswith("served_on: 2026-12-03 is before today (2026-12-04)")


def test_a_notice_is_confirmed_sent_on_the_day_it_states_not_the_day_before() -> None:
    assert sent_on_or_after_approved_day(SENT_ON, SENT_ON) is None
    assert sent_on_or_after_approved_day(date(2026, 12, 19), SENT_ON) is None
    said = _said(sent_on_or_after_approved_day(date(2026, 12, 17), SENT_ON))
    assert said.startswith("sent: the letter states it is sent on 2026-12-18; today is 2026-12-17")
    # The case: confirmed on 4 December, two weeks before.
    assert sent_on_or_after_approved_day(TODAY, SENT_ON) is not None


def test_not_satisfied_is_refused_on_the_s437_periods_last_day_and_allowed_the_day_after() -> None:
    assert s437_not_satisfied_after_period(False, date(2027, 1, 6), PERIOD_ENDS) is None
    said = _said(s437_not_satisfied_after_period(False, PERIOD_ENDS, PERIOD_ENDS))
    assert said.startswith("decided_on: 2027-01-05 is not after the parent's s437(1) period")
    assert said.endswith("which ends on 2027-01-05; this can be recorded from 2027-01-06")


def test_a_satisfactory_answer_is_allowed_on_any_day_of_the_s437_period() -> None:
    assert s437_not_satisfied_after_period(True, date(2026, 12, 22), PERIOD_ENDS) is None


def test_an_order_naming_the_proposed_school_waits_for_the_s438_period() -> None:
    ends = date(2026, 12, 28)
    assert sao_after_s438_period(False, date(2026, 12, 29), ends) is None
    said = _said(sao_after_s438_period(False, ends, ends))
    assert said.startswith("served_on: 2026-12-28 is not after the parent's s438 choice period")


def test_an_order_naming_the_parents_choice_may_be_sent_within_the_s438_period() -> None:
    assert sao_after_s438_period(True, date(2026, 12, 15), date(2026, 12, 28)) is None


def test_not_complied_waits_for_the_time_given_to_register_but_compliance_does_not() -> None:
    ends = date(2027, 1, 19)
    assert sao_not_complied_after_period(False, date(2027, 1, 20), ends) is None
    said = _said(sao_not_complied_after_period(False, ends, ends))
    assert said.startswith("checked_on: 2027-01-19 is not after the time the council gives")
    assert sao_not_complied_after_period(True, date(2027, 1, 6), ends) is None


def test_no_application_waits_for_the_time_given_to_apply_but_an_application_does_not() -> None:
    apply_by = date(2026, 11, 24)
    assert _said(no_application_after_period(False, apply_by, apply_by)) == (
        "made_on: 2026-11-24 is not after the time the council gives the family to apply for a "
        "place, which ends on 2026-11-24; this can be recorded from 2026-11-25"
    )
    assert no_application_after_period(False, date(2026, 11, 25), apply_by) is None
    assert no_application_after_period(True, date(2026, 11, 10), apply_by) is None


def test_not_started_waits_for_the_time_given_to_start_but_a_start_does_not() -> None:
    start_by = date(2027, 1, 11)
    assert _said(not_started_after_period(False, start_by, start_by)).startswith(
        "checked_on: 2027-01-11 is not after the time given for the child to start"
    )
    assert not_started_after_period(False, date(2027, 1, 12), start_by) is None
    assert not_started_after_period(True, date(2027, 1, 5), start_by) is None


def test_an_offer_may_be_dated_the_day_of_its_application_but_not_the_day_before() -> None:
    applied = date(2026, 11, 16)
    assert not_before("decided_on", applied, applied, "the application") is None
    assert _said(not_before("decided_on", date(2026, 11, 15), applied, "the application")) == (
        "decided_on: 2026-11-15 is before the application on 2026-11-16"
    )
