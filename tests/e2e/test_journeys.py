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
