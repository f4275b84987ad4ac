"""The escalation sweep as `make run` serves it: the hourly deployment, run with a pinned `now`,
emails the officer and the team lead once each through a real SMTP server on loopback."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.deployments import run_deployment
from pydantic import SecretStr

from launcher.automations import RUN_FAILED_AUTOMATION, apply_automations
from launcher.stack import Stack
from models.enums import Stage
from store.orm import Case
from tests.e2e.driver import Driver
from tests.factories import make_referral
from tests.mail import Inbox, body_of

pytestmark = pytest.mark.e2e

OFFICER = "cme-officer-dspl-6-9"  # AL1 (St Albans) is DSPL 7
OFFICER_EMAIL = "cme.officer.dspl6-9@example.gov.uk"
LEAD_EMAIL = "cme.team.lead@example.gov.uk"
FIRST_FORM = "referral-check-reasonable-enquiries"


def _mentioning(inbox: Inbox, reference: str) -> list[EmailMessage]:
    with inbox._lock:
        messages = list(inbox.messages)
    return [m for m in messages if reference in body_of(m)]


def _run(name: str, parameters: dict[str, object]) -> FlowRun:
    run = run_deployment(name, parameters=parameters, timeout=180)
    assert isinstance(run, FlowRun)
    assert run.state is not None and run.state.type is StateType.COMPLETED, run.state
    return run


def _open_waiting_case(driver: Driver) -> tuple[UUID, Case, date, datetime]:
    """A case waiting on its first form: a real open stage with a due date.

    Returns the run, the case, the stage's due date, and a `now` the day after it at 09:00:
    overdue, not yet escalated (2 working days).
    """
    run_id = driver.open_case(make_referral())
    driver.wait_for_form(run_id, FIRST_FORM)
    case = driver.case(run_id)
    stage = next(s for s in driver.stages(case) if s.name is Stage.REFERRAL_CHECK)
    assert stage.due_on is not None
    now = datetime.combine(stage.due_on + timedelta(days=1), time(9), tzinfo=UTC)
    return run_id, case, stage.due_on, now


def test_sweep_deployment_emails_officer_and_team_lead_once_about_an_overdue_stage(
    driver: Driver, stack: Stack, inbox: Inbox
) -> None:
    stack.wait_for_deployments(["escalation-sweep"])
    run_id, case, due_on, now = _open_waiting_case(driver)

    _run("escalation-sweep/escalation-sweep", {"now": now.isoformat()})

    mails = _mentioning(inbox, case.reference)
    assert sorted(str(m["X-Envelope-To"]) for m in mails) == sorted([OFFICER_EMAIL, LEAD_EMAIL])
    link = f"{stack.settings.ui_url}/runs/flow-run/{run_id}"
    for mail in mails:
        assert str(mail["Subject"]).startswith("CME deadlines: ")
        body = body_of(mail)
        assert link in body
        assert due_on.isoformat() in body and "1 day overdue" in body
        assert "Testchild" not in body

    _run("escalation-sweep/escalation-sweep", {"now": now.isoformat()})
    assert len(_mentioning(inbox, case.reference)) == 2


def test_a_paused_clock_is_recorded_and_the_sweep_sends_nothing_while_it_lasts(
    driver: Driver, stack: Stack, inbox: Inbox
) -> None:
    stack.wait_for_deployments(["escalation-sweep", "stage-clock"])
    _, case, _, now = _open_waiting_case(driver)
    _run(
        "stage-clock/stage-clock",
        {
            "case_reference": case.reference,
            "stage": Stage.REFERRAL_CHECK.value,
            "action": "pause",
            "reason": "awaiting a court direction",
            "officer": OFFICER,
        },
    )

    _run("escalation-sweep/escalation-sweep", {"now": (now + timedelta(days=14)).isoformat()})

    assert _mentioning(inbox, case.reference) == []
    assert "stage_clock_paused" in driver.events(case)


def test_run_failed_automation_is_applied_once_however_often_the_product_starts(
    stack: Stack,
) -> None:
    stack.wait_for_deployments(["notify-run-failed"])
    # As the launcher applies them: with its own service account (automations are its to change).
    launcher = stack.settings.model_copy(
        update={"prefect_auth_string": SecretStr(stack.credential("launcher") or "")}
    )
    first = apply_automations(stack.settings.api_url, launcher)
    second = apply_automations(stack.settings.api_url, launcher)
    assert first == second
    with get_client(sync_client=True) as client:
        found = client.read_automations_by_name(RUN_FAILED_AUTOMATION)
    assert [a.id for a in found] == [first]
    assert found[0].actions[0].type == "run-deployment"
