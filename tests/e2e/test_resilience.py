"""Officers make mistakes and machines restart: neither may fail a case or do anything twice."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from prefect.client.schemas.objects import StateType
from prefect.exceptions import NotPausedError
from prefect.flow_runs import resume_flow_run

from models.enums import ClosureOutcome
from tests.e2e.driver import Driver
from tests.e2e.test_journeys import enquiries, visit
from tests.factories import make_referral

# Restarts and waiting runs: what production's workers and PostgreSQL must survive too.
pytestmark = [pytest.mark.e2e, pytest.mark.production]


def test_the_same_resume_submitted_twice_is_refused_the_second_time(driver: Driver) -> None:
    run_id = driver.open_case(make_referral())
    driver.wait_for_form(run_id, "referral-check-reasonable-enquiries")
    answer = enquiries()
    resume_flow_run(run_id, run_input=answer)
    with pytest.raises(NotPausedError):  # the run is no longer waiting for this form
        resume_flow_run(run_id, run_input=answer)

    driver.wait_for_form(run_id, "home-visit-visit-1")
    # Submitting the old answer to the new form is refused by its schema, and changes nothing.
    # (The schema admits no other key: only the signed-in identity beside the form's fields.)
    with pytest.raises(RuntimeError, match=r"do not match any of the regexes"):
        resume_flow_run(run_id, run_input=answer)
    case = driver.case(run_id)
    assert list(driver.decisions(case)) == ["referral-check-reasonable-enquiries"]
    assert driver.events(case).count("decision_recorded") == 1
    assert driver.read(run_id).state_name == "Suspended"


def test_a_case_waiting_across_a_restart_of_the_serving_process_or_workers_completes(
    driver: Driver,
) -> None:
    run_id = driver.open_case(make_referral())
    driver.resume(run_id, "referral-check-reasonable-enquiries", enquiries())
    driver.wait_for_form(run_id, "home-visit-visit-1")

    driver.stack.stop_runners()
    assert driver.read(run_id).state_name == "Suspended"  # nothing held it, nothing cancelled it
    driver.stack.start_runners()
    driver.stack.wait_for_deployments(["cme-case"])

    driver.resume(run_id, "home-visit-visit-1", visit("moved_abroad_believed", visit_date=_today()))
    run = driver.wait_until_final(run_id)
    assert run.state is not None and run.state.type is StateType.COMPLETED
    case = driver.case(run_id)
    assert case.closure_outcome is ClosureOutcome.MOVED_ABROAD_BELIEVED
    assert driver.events(case).count("case_opened") == 1
    assert driver.events(case).count("decision_recorded") == 2


def test_a_waiting_case_holds_no_process(driver: Driver) -> None:
    run_id = driver.open_case(make_referral())
    driver.wait_for_form(run_id, "referral-check-reasonable-enquiries")
    # The flow-run subprocess exits once the run is suspended.
    assert driver.stack.drain_runners(timeout=30)
    assert driver.stack.runner_children() == []
    assert driver.read(run_id).state_name == "Suspended"


def test_a_case_waiting_across_a_restart_of_the_prefect_server_completes(driver: Driver) -> None:
    run_id = driver.open_case(make_referral())
    driver.wait_for_form(run_id, "referral-check-reasonable-enquiries")
    assert driver.stack.drain_runners(timeout=30)

    driver.stack.stop("prefect-server")
    driver.stack.start_server()
    assert driver.read(run_id).state_name == "Suspended"

    driver.resume(run_id, "referral-check-reasonable-enquiries", enquiries())
    driver.resume(
        run_id,
        "home-visit-visit-1",
        visit("moved_abroad_confirmed", country="Portugal", visit_date=_today()),
    )
    run = driver.wait_until_final(run_id)
    assert run.state is not None and run.state.type is StateType.COMPLETED
    assert driver.case(run_id).closure_outcome is ClosureOutcome.MOVED_ABROAD_CONFIRMED


def _today() -> str:
    """The visit is recorded on the day it is answered: the case's timeline refuses a visit dated
    before its stage began, and these cases start today (the wall clock, not a test clock)."""
    return datetime.now(ZoneInfo("Europe/London")).date().isoformat()
