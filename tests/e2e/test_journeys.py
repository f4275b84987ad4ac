"""The seven journeys of a case, driven end to end through the served `cme-case` deployment."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from prefect.client.schemas.objects import StateType

from models.enums import CaseStatus, ClosureOutcome, Stage
from tests.e2e.driver import Driver
from tests.factories import make_referral
from tests.mail import body_of

pytestmark = pytest.mark.e2e

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


def test_found_on_roll_at_referral_check_closes_without_asking_anyone(driver: Driver) -> None:
    # Ada Testchild, born 2014-03-09, is on the shipped pupil-roll extract.
    run_id = driver.open_case(
        make_referral(child_forenames="Ada", child_surname="Testchild",
                      child_aliases=[], child_date_of_birth=date(2014, 3, 9))
    )  # fmt: skip
    run = driver.wait_until_final(run_id)
    assert run.state is not None and run.state.type is StateType.COMPLETED
    case = driver.case(run_id)
    assert case.status is CaseStatus.CLOSED
    assert case.closure_outcome is ClosureOutcome.FOUND_ON_ROLL
    assert run.name == case.reference
    assert f"officer:{OFFICER}" in run.tags and "dspl:7" in run.tags
    assert driver.decisions(case) == {}


def test_elective_home_education_after_a_home_visit_hands_the_child_to_the_ehe_team(
    driver: Driver,
) -> None:
    run_id = driver.open_case(make_referral())
    driver.resume(run_id, "referral-check-reasonable-enquiries", enquiries())
    driver.resume(
        run_id,
        "home-visit-visit-1",
        visit("elective_home_education", child_seen=True, seen="mother and child"),
    )
    run = driver.wait_until_final(run_id)
    assert run.state is not None and run.state.type is StateType.COMPLETED
    case = driver.case(run_id)
    assert case.closure_outcome is ClosureOutcome.ELECTIVE_HOME_EDUCATION
    assert case.current_stage is Stage.HOME_VISIT
    assert set(driver.decisions(case)) == {
        "referral-check-reasonable-enquiries",
        "home-visit-visit-1",
    }
    (email,) = driver.inbox.wait_for(case.reference)
    assert "ehe.team" in email["X-Envelope-To"] or "ehe" in email["X-Envelope-To"]
    assert case.reference in body_of(email)


def located(**overrides: Any) -> dict[str, Any]:
    return visit("located_no_education", child_seen=True, seen="father and child", **overrides)


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


def to_prosecution_outcome(driver: Driver, run_id: Any) -> None:
    """From the SAO compliance form: not complied with, an ESO considered and prosecution
    decided, until the run waits on the prosecution outcome."""
    driver.resume(
        run_id,
        "sao-notice-sao-compliance",
        {"officer": OFFICER, "compliance": "not_complied", "checked_on": "2027-01-26"},
    )
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


def to_sao_compliance(driver: Driver, run_id: Any) -> None:
    """Referral check, a home visit, the s437(1) notice and the SAO up to compliance."""
    driver.resume(run_id, "referral-check-reasonable-enquiries", enquiries())
    driver.resume(run_id, "home-visit-visit-1", located())
    driver.resume(run_id, "education-enquiry-s437-notice", s437_notice())
    driver.resume(run_id, "education-enquiry-s437-notice-served-1", sent_as_stated())
    driver.resume(run_id, "education-enquiry-s437-response", not_satisfied())
    driver.resume(run_id, "sao-notice-s438-notice", sao_served())
    driver.resume(run_id, "sao-notice-s438-notice-served-1", sent_as_stated())
    driver.resume(
        run_id,
        "sao-notice-sao-service",
        {
            "officer": OFFICER,
            "decision": "serve_order",
            "parent_choice": "proposed_school",
            "named_school": "Example Primary School",
            "service_method": "by_hand",
            "served_on": "2027-01-05",
        },
    )
    driver.resume(run_id, "sao-notice-sao-service-served-1", sent_as_stated())


def test_moved_to_another_local_authority_is_notified_and_closes_on_acknowledgement(
    driver: Driver,
) -> None:
    run_id = driver.open_case(make_referral())
    driver.resume(run_id, "referral-check-reasonable-enquiries", enquiries())
    driver.resume(
        run_id,
        "home-visit-visit-1",
        visit(
            "moved_to_other_la",
            seen="neighbour",
            other_local_authority="Luton Borough Council",
            other_local_authority_email="cme@luton.example.gov.uk",
            new_address="2 Sample Road, Luton LU1 1AA",
        ),
    )
    driver.wait_for_form(run_id, "home-visit-la-acknowledgement")
    case = driver.case(run_id)
    (notice,) = driver.inbox.wait_for(case.reference)
    assert notice["X-Envelope-To"] == "cme@luton.example.gov.uk"
    assert "2 Sample Road, Luton LU1 1AA" in body_of(notice)
    assert case.status is CaseStatus.OPEN  # open until the other authority acknowledges

    driver.resume(
        run_id,
        "home-visit-la-acknowledgement",
        {
            "officer": OFFICER,
            "acknowledged_on": "2026-11-20",
            "acknowledged_by": "CME Officer, Luton",
        },
    )
    driver.wait_until_final(run_id)
    case = driver.case(run_id)
    assert case.closure_outcome is ClosureOutcome.MOVED_TO_OTHER_LA
    assert len(driver.inbox.about(case.reference)) == 1  # the replays sent nothing twice


def test_no_contact_leads_to_whereabouts_unknown_and_periodic_review(driver: Driver) -> None:
    run_id = driver.open_case(
        make_referral(safeguarding_indicators=["whereabouts_unknown_safety_concern"])
    )
    driver.resume(run_id, "referral-check-reasonable-enquiries", enquiries())
    for number in (1, 2, 3):  # config/cme.toml: max_home_visits = 3
        driver.resume(run_id, f"home-visit-visit-{number}", visit("no_contact"))
    driver.resume(
        run_id,
        "home-visit-whereabouts-unknown",
        {
            "officer": OFFICER,
            "police_referral_on": "2026-11-24",
            "childrens_social_care_referral_on": "2026-11-24",
            "s2s_search_on": "2026-11-25",
            "s2s_result": "no_trace",
        },
    )
    driver.resume(
        run_id,
        "periodic-review-review-1",
        {"officer": OFFICER, "reviewed_on": "2026-11-27", "outcome": "still_missing"},
    )
    driver.wait_for_form(run_id, "periodic-review-review-2")
    case = driver.case(run_id)
    assert case.status is CaseStatus.UNDER_PERIODIC_REVIEW
    assert case.current_stage is Stage.PERIODIC_REVIEW
    stage = next(s for s in driver.stages(case) if s.name is Stage.PERIODIC_REVIEW)
    assert stage.due_on == date(2026, 12, 25)  # 28 days after the review of 27 November
    assert "review 2" in driver.form_description(run_id, "periodic-review-review-2").lower()

    (escalation,) = driver.inbox.wait_for(case.reference)
    assert "Safeguarding" in str(escalation["Subject"])
    recipients = escalation["X-Envelope-To"]
    assert "mash@example.gov.uk" in recipients and "cme.team.lead@example.gov.uk" in recipients
    assert "safeguarding_escalation" in driver.events(case)


def test_s437_notice_then_suitable_education_shown_closes_the_case(driver: Driver) -> None:
    run_id = driver.open_case(make_referral())
    driver.resume(run_id, "referral-check-reasonable-enquiries", enquiries())
    # A concern that arises at a visit escalates at once, as one at referral would.
    driver.resume(
        run_id,
        "home-visit-visit-1",
        located(safeguarding_indicators=["exploitation_or_trafficking"]),
    )
    driver.resume(run_id, "education-enquiry-s437-notice", s437_notice())
    driver.resume(run_id, "education-enquiry-s437-notice-served-1", sent_as_stated())
    driver.wait_for_form(run_id, "education-enquiry-s437-response")
    case = driver.case(run_id)
    stage = next(s for s in driver.stages(case) if s.name is Stage.EDUCATION_ENQUIRY)
    # Deemed served Mon 23 Nov; 15 days beginning with that day end on Mon 7 Dec 2026.
    assert stage.due_on == date(2026, 12, 7)
    assert "2026-12-07" in driver.form_description(run_id, "education-enquiry-s437-response")

    (escalation,) = driver.inbox.wait_for(case.reference)
    assert "Safeguarding" in str(escalation["Subject"])
    assert "mash@example.gov.uk" in escalation["X-Envelope-To"]
    assert "exploitation" in body_of(escalation).lower()

    driver.resume(
        run_id,
        "education-enquiry-s437-response",
        {"officer": OFFICER, "answer": "suitable_education_shown", "notes": "Portfolio seen."},
    )
    driver.wait_until_final(run_id)
    case = driver.case(run_id)
    assert case.closure_outcome is ClosureOutcome.ELECTIVE_HOME_EDUCATION
    assert driver.events(case).count("safeguarding_escalation") == 1
    assert len(driver.inbox.about(case.reference)) == 1  # replays escalated nothing twice


def test_school_attendance_order_served_and_complied_with_closes_the_case(
    driver: Driver,
) -> None:
    run_id = driver.open_case(make_referral())
    to_sao_compliance(driver, run_id)
    driver.resume(
        run_id,
        "sao-notice-sao-compliance",
        {
            "officer": OFFICER,
            "compliance": "registered_at_named_school",
            "checked_on": "2027-01-12",
        },
    )
    run = driver.wait_until_final(run_id)
    assert run.state is not None and run.state.type is StateType.COMPLETED
    case = driver.case(run_id)
    assert case.closure_outcome is ClosureOutcome.SAO_COMPLIED
    assert [s.name for s in driver.stages(case)] == [
        Stage.REFERRAL_CHECK,
        Stage.HOME_VISIT,
        Stage.EDUCATION_ENQUIRY,
        Stage.SAO_NOTICE,
    ]
    assert len(driver.decisions(case)) == 10  # with the three letters' service confirmed


def test_sao_not_complied_with_goes_to_prosecution_referral_and_its_outcome(
    driver: Driver,
) -> None:
    run_id = driver.open_case(make_referral())
    to_sao_compliance(driver, run_id)
    to_prosecution_outcome(driver, run_id)
    case = driver.case(run_id)
    (referral_to_legal,) = driver.inbox.wait_for(case.reference)
    assert referral_to_legal["X-Envelope-To"] == "legal.education@example.gov.uk"
    assert "s447" in body_of(referral_to_legal)

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
    assert len(driver.inbox.about(case.reference)) == 1
