"""The full journey of a case, driven end to end through the served `cme-case` deployment.

Every branch of the case flow is driven in process by tests/flows; this journey is the final proof
that the served flow suspends, resumes and replays through all five stages to prosecution, each
form answered on a day the case's timeline allows (the stack's clock moved to it)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from models.enums import CaseStatus, ClosureOutcome, Stage
from tests.e2e.driver import Driver
from tests.e2e.product import StackClock
from tests.factories import make_referral
from tests.mail import body_of

pytestmark = [pytest.mark.e2e, pytest.mark.production]

OFFICER = "cme-officer-dspl-6-9"  # AL1 (St Albans) is DSPL 7


def enquiries(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "officer": OFFICER,
        "school": "no_trace",
        "admissions": "no_trace",
        "other_local_authorities": "no_trace",
        "s2s_lost_pupil_database": "no_trace",
        "health": "information_found",
        "childrens_social_care": "no_trace",
        "district_council_tax_and_housing": "information_found",
        "police": "not_made",
        "border_force": "not_applicable",
        "findings": "GP and council tax confirm the family at the address.",
        "decision": "continue_to_home_visit",
    }
    values.update(overrides)
    return values


def visit(finding: str, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "officer": OFFICER,
        "visit_date": "2026-11-10",
        "child_seen": False,
        "seen": "",
        "finding": finding,
    }
    values.update(overrides)
    return values


def located(**overrides: Any) -> dict[str, Any]:
    return visit("located_no_education", child_seen=True, seen="father and child", **overrides)


def place_request(**overrides: Any) -> dict[str, Any]:
    """The family's in-year application, made the day they were found (10 November)."""
    values: dict[str, Any] = {
        "officer": OFFICER,
        "outcome": "in_year_application",
        "made_on": "2026-11-10",
        "schools_applied_for": "Example Primary School; Sample Academy",
    }
    values.update(overrides)
    return values


def place_offer(outcome: str, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "officer": OFFICER,
        "outcome": outcome,
        "decided_on": "2026-11-10",
        "school_offered": "Example Primary School",
    }
    values.update(overrides)
    return values


def through_school_place_support(driver: Driver, run_id: Any) -> None:
    """Found not in education on 10 November: an application made, the place offered refused
    that day with every other, so the s437(1) notice follows (naming the school)."""
    driver.resume(run_id, "school-place-support-place-request", place_request())
    driver.resume(run_id, "school-place-support-offer-1", place_offer("refused_every_offer"))


def s437_notice(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "officer": OFFICER,
        "decision": "serve_notice",
        "service_method": "first_class_post",
        "served_on": "2026-11-19",  # a Thursday: deemed served Monday 23 November
        "served_on_parent": "Sam Testparent",
        "period_days": 15,
    }
    values.update(overrides)
    return values


def sent_as_stated() -> dict[str, Any]:
    """The officer confirms the letter linked in the form went out as it states."""
    return {"officer": OFFICER, "sent": "sent_as_stated"}


def not_satisfied() -> dict[str, Any]:
    return {
        "officer": OFFICER,
        "answer": "not_satisfied",
        "decided_on": "2026-12-08",  # the day after the period of `s437_notice()` ends
        "expedient_that_child_attend_school": True,
        "notes": "No evidence of any education was provided.",
    }


def sao_served() -> dict[str, Any]:
    return {
        "officer": OFFICER,
        "decision": "serve_notice",
        "service_method": "by_hand",
        "served_on": "2026-12-14",
        "served_on_parent": "Sam Testparent",
        "proposed_school": "Example Primary School",
        "alternative_schools": "Sample Academy",
    }


def _on(clock: StackClock | None, day: date) -> None:
    if clock is not None:
        clock.move_to(day)


def answer_on(
    driver: Driver, run_id: Any, clock: StackClock, day: date, key: str, values: dict[str, Any]
) -> None:
    """Answer the form on `day`: the clock is moved once the run waits on it (so the stage it
    belongs to began before), then the form is submitted."""
    driver.wait_for_form(run_id, key)
    clock.move_to(day)
    driver.resume(run_id, key, values)


def to_prosecution_outcome(driver: Driver, run_id: Any, clock: StackClock | None = None) -> None:
    """From the SAO compliance form: not complied with, an ESO considered and prosecution
    decided, until the run waits on the prosecution outcome."""
    _on(clock, date(2027, 1, 26))
    driver.resume(
        run_id,
        "sao-notice-sao-compliance",
        {"officer": OFFICER, "compliance": "not_complied", "checked_on": "2027-01-26"},
    )
    driver.wait_for_form(run_id, "prosecution-referral-eso-consideration")
    _on(clock, date(2027, 1, 28))
    driver.resume(
        run_id,
        "prosecution-referral-eso-consideration",
        {
            "officer": OFFICER,
            "eso_considered": True,
            "decision": "prosecute",
            "decided_on": "2027-01-28",
            "reasons": "An ESO was considered; the family has refused all engagement.",
        },
    )
    driver.wait_for_form(run_id, "prosecution-referral-prosecution-outcome")


def to_sao_compliance(driver: Driver, run_id: Any, clock: StackClock | None = None) -> None:
    """Referral check, a home visit, the s437(1) notice and the SAO up to compliance, each form
    answered (with a `clock`) on a day the case's timeline allows."""
    steps: list[tuple[date, str, dict[str, Any]]] = [
        (date(2026, 11, 2), "referral-check-reasonable-enquiries", enquiries()),
        (date(2026, 11, 10), "home-visit-visit-1", located()),
        (date(2026, 11, 10), "school-place-support-place-request", place_request()),
        (date(2026, 11, 10), "school-place-support-offer-1", place_offer("refused_every_offer")),
        (date(2026, 11, 10), "education-enquiry-s437-notice", s437_notice()),
        (date(2026, 11, 19), "education-enquiry-s437-notice-served-1", sent_as_stated()),
        (date(2026, 12, 8), "education-enquiry-s437-response", not_satisfied()),
        (date(2026, 12, 8), "sao-notice-s438-notice", sao_served()),
        (date(2026, 12, 14), "sao-notice-s438-notice-served-1", sent_as_stated()),
        (
            date(2026, 12, 14),
            "sao-notice-sao-service",
            {
                "officer": OFFICER,
                "decision": "serve_order",
                "parent_choice": "proposed_school",
                "named_school": "Example Primary School",
                "service_method": "by_hand",
                "served_on": "2027-01-05",
            },
        ),
        (date(2027, 1, 5), "sao-notice-sao-service-served-1", sent_as_stated()),
    ]
    for day, key, values in steps:
        # Moved only once the run waits on the form: the stage it belongs to began before.
        driver.wait_for_form(run_id, key)
        _on(clock, day)
        driver.resume(run_id, key, values)


def test_sao_not_complied_with_goes_to_prosecution_referral_and_its_outcome(
    driver: Driver, test_clock: StackClock
) -> None:
    test_clock.move_to(date(2026, 11, 2))  # the day the referral is received
    run_id = driver.open_case(make_referral())
    to_sao_compliance(driver, run_id, test_clock)
    to_prosecution_outcome(driver, run_id, test_clock)
    case = driver.case(run_id)
    # Admissions was told of the application; then legal services of the referral.
    admissions, referral_to_legal = driver.inbox.wait_for(case.reference, count=2)
    assert admissions["X-Envelope-To"] == "admissions@example.gov.uk"
    assert referral_to_legal["X-Envelope-To"] == "legal.education@example.gov.uk"
    assert "s447" in body_of(referral_to_legal)

    test_clock.move_to(date(2027, 3, 2))
    driver.resume(
        run_id,
        "prosecution-referral-prosecution-outcome",
        {"officer": OFFICER, "outcome": "convicted", "decided_on": "2027-03-02"},
    )
    driver.wait_until_final(run_id)
    case = driver.case(run_id)
    assert case.closure_outcome is ClosureOutcome.PROSECUTION_CONVICTED
    assert case.status is CaseStatus.CLOSED
    assert driver.events(case).count("case_closed") == 1
    assert len(driver.inbox.about(case.reference)) == 2


def test_found_at_home_supported_to_a_place_and_started_closes_on_roll(
    driver: Driver, test_clock: StackClock
) -> None:
    """Found not in education, an in-year application, an offer accepted, the school told before
    the start date, and the start recorded: closed as on roll, with no notice served."""
    test_clock.move_to(date(2026, 11, 2))  # the day the referral is received
    run_id = driver.open_case(make_referral())
    driver.resume(run_id, "referral-check-reasonable-enquiries", enquiries())
    answer_on(driver, run_id, test_clock, date(2026, 11, 10), "home-visit-visit-1", located())
    answer_on(
        driver, run_id, test_clock, date(2026, 11, 12),
        "school-place-support-place-request", place_request(made_on="2026-11-12"),
    )  # fmt: skip
    answer_on(
        driver, run_id, test_clock, date(2026, 11, 20), "school-place-support-offer-1",
        place_offer(
            "offer_accepted", decided_on="2026-11-20", start_date="2026-11-30",
            school_email="admissions.example-primary@example.gov.uk",
        ),
    )  # fmt: skip
    driver.wait_for_form(run_id, "school-place-support-school-start")
    case = driver.case(run_id)
    stage = next(s for s in driver.stages(case) if s.name is Stage.SCHOOL_PLACE_SUPPORT)
    # Start Mon 30 Nov + 5 school days (local target): Mon 7 December.
    assert stage.due_on == date(2026, 12, 7)
    admissions, school = driver.inbox.wait_for(case.reference, count=2)
    assert admissions["X-Envelope-To"] == "admissions@example.gov.uk"
    # Thu 12 Nov + 15 school days (School Admissions Code 2021 para 2.28): Thu 3 December.
    assert "Outcome due by: 2026-12-03" in body_of(admissions)
    assert "admissions.example-primary@example.gov.uk" in school["X-Envelope-To"]
    assert "2026-11-30" in body_of(school)

    # A restart while the case waits replays the run from the top: nothing is sent twice.
    driver.stack.stop_runners()
    driver.stack.start_runners()
    driver.stack.wait_for_deployments(["cme-case"])
    answer_on(
        driver, run_id, test_clock, date(2026, 11, 30), "school-place-support-school-start",
        {"officer": OFFICER, "outcome": "started", "checked_on": "2026-11-30",
         "started_on": "2026-11-30"},
    )  # fmt: skip
    driver.wait_until_final(run_id)
    case = driver.case(run_id)
    assert case.status is CaseStatus.CLOSED
    assert case.closure_outcome is ClosureOutcome.FOUND_ON_ROLL
    assert [s.name for s in driver.stages(case)][-1] is Stage.SCHOOL_PLACE_SUPPORT
    assert len(driver.inbox.about(case.reference)) == 2
