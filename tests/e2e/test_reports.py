"""The team lead's deployments as `make run` serves them: the weekly caseload report publishes its
table artifacts and emails one digest per period; the case-record check finds a tampered event of a
real case and tells the team lead."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.deployments import run_deployment
from sqlalchemy import text

from launcher.stack import Stack
from models.enums import ClosureOutcome, Stage
from store import cases, stages
from store.unit_of_work import bootstrap
from tests.conftest import append_only_suspended
from tests.e2e.driver import Driver
from tests.e2e.test_journeys import enquiries
from tests.factories import make_referral
from tests.mail import Inbox, body_of

pytestmark = pytest.mark.e2e

# Officers no other test allocates to, and a week no other test closes cases in, so the figures
# checked here are this test's alone in the session's shared case database.
NORTH, SOUTH = "e2e-report-north", "e2e-report-south"
NOW = datetime(2031, 1, 6, 7, 0, tzinfo=UTC)  # a Monday, 07:00
LEAD_EMAIL = "cme.team.lead@example.gov.uk"


def _at(month: int, day: int, hour: int = 9) -> datetime:
    year = 2031 if month == 1 else 2030
    return datetime(year, month, day, hour, tzinfo=UTC)


def _seed() -> dict[str, tuple[str, uuid.UUID]]:
    """Four cases: two open (one 8 days overdue), two closed in the week; reference and run."""
    seeded: dict[str, tuple[str, uuid.UUID]] = {}
    plan = [
        # name, officer, area, opened, stage, due, closed
        ("overdue", NORTH, 1, _at(12, 1), Stage.HOME_VISIT, date(2030, 12, 29), None),
        ("waiting", NORTH, 2, _at(12, 20), Stage.REFERRAL_CHECK, date(2031, 1, 20), None),
        ("on-roll", SOUTH, 7, _at(12, 2), Stage.REFERRAL_CHECK, None, _at(1, 2)),
        ("ehe", SOUTH, 8, _at(12, 3), Stage.HOME_VISIT, None, _at(1, 3)),
    ]
    outcomes = {
        "on-roll": ClosureOutcome.FOUND_ON_ROLL,
        "ehe": ClosureOutcome.ELECTIVE_HOME_EDUCATION,
    }
    with bootstrap().transaction() as session:
        for name, officer, area, opened, stage, due, closed in plan:
            run_id = uuid.uuid4()
            case = cases.open_case(
                session=session,
                referral=make_referral(),
                flow_run_id=run_id,
                officer_id=officer,
                dspl_area=area,
                config_version="e2e",
                opened_at=opened,
                actor="intake",
            )
            stages.start_stage(
                session=session, case_id=case.id, stage=stage, started_at=opened, due_on=due
            )
            if closed is not None:
                cases.close_case(
                    session=session,
                    case_id=case.id,
                    outcome=outcomes[name],
                    closed_at=closed,
                    actor=officer,
                    reason=None,
                )
            seeded[name] = (case.reference, run_id)
    return seeded


def _run(name: str, parameters: dict[str, Any]) -> FlowRun:
    run = run_deployment(name, parameters=parameters, timeout=180)
    assert isinstance(run, FlowRun)
    assert run.state is not None and run.state.type is StateType.COMPLETED, run.state
    return run


def _artifacts(run: FlowRun) -> dict[str, Any]:
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run.id]))
        )
    found: dict[str, Any] = {}
    for artifact in artifacts:
        assert artifact.key is not None
        data = artifact.data
        # Table data comes back as a JSON string (prefect-field-notes.md section 6).
        found[artifact.key] = (
            json.loads(data) if isinstance(data, str) and artifact.type == "table" else data
        )
    return found


def _mails(inbox: Inbox, subject_part: str) -> list[Any]:
    with inbox._lock:
        return [m for m in inbox.messages if subject_part in str(m["Subject"])]


def test_caseload_report_publishes_the_weeks_tables_and_emails_the_digest_once(
    stack: Stack, inbox: Inbox
) -> None:
    stack.wait_for_deployments(["caseload-report"])
    seeded = _seed()
    ui = stack.settings.ui_url

    run = _run("caseload-report/caseload-report", {"now": NOW.isoformat()})

    tables = _artifacts(run)
    assert set(tables) == {
        "caseload-by-officer",
        "caseload-by-area",
        "caseload-by-stage",
        "caseload-overdue-stages",
        "caseload-time-in-stage",
        "caseload-closures",
        "caseload-school-place-support",
    }
    # None of the seeded cases is in support to a school place (other tests' cases may be).
    support = " ".join(str(row["case"]) for row in tables["caseload-school-place-support"])
    assert [name for name, (ref, _) in seeded.items() if ref in support] == []
    by_officer = {row["officer"]: row for row in tables["caseload-by-officer"]}
    assert by_officer[NORTH] == {"officer": NORTH, "open cases": 2, "overdue stages": 1}
    assert SOUTH not in by_officer  # both of theirs closed
    reference, run_id = seeded["overdue"]
    [overdue] = [row for row in tables["caseload-overdue-stages"] if row["officer"] == NORTH]
    assert overdue == {
        "case": f"[{reference}]({ui}/runs/flow-run/{run_id})",
        "stage": "Home visit",
        "officer": NORTH,
        "due on": "2030-12-29",
        "days overdue": 8,
    }
    assert sorted(tables["caseload-closures"], key=lambda row: row["closure outcome"]) == [
        {"closure outcome": "Elective home education (handed to the EHE team)", "cases closed": 1},
        {"closure outcome": "Found on roll", "cases closed": 1},
    ]

    digests = _mails(inbox, "CME caseload 2030-12-30 to 2031-01-06")
    assert len(digests) == 1
    assert str(digests[0]["X-Envelope-To"]) == LEAD_EMAIL
    assert f"{reference}: Home visit; due 2030-12-29; 8 days overdue" in body_of(digests[0])
    assert "Testchild" not in body_of(digests[0])

    _run("caseload-report/caseload-report", {"now": NOW.isoformat()})
    assert len(_mails(inbox, "CME caseload 2030-12-30 to 2031-01-06")) == 1


def test_record_check_finds_a_tampered_event_of_a_real_case_and_tells_the_team_lead(
    driver: Driver, stack: Stack, inbox: Inbox
) -> None:
    stack.wait_for_deployments(["verify-case-record"])
    run_id = driver.open_case(make_referral())
    driver.resume(run_id, "referral-check-reasonable-enquiries", enquiries())
    driver.wait_for_form(run_id, "home-visit-visit-1")
    case = driver.case(run_id)
    assert len(driver.events(case)) >= 4

    held = _run("verify-case-record/verify-case-record", {"reference": case.reference})
    assert "the chain holds" in _artifacts(held)["case-record-check"]

    with bootstrap().engine.begin() as connection, append_only_suspended(connection):
        connection.execute(
            text(
                "UPDATE case_event SET actor = 'someone-else' WHERE case_id = :id AND sequence = 2"
            ),
            {"id": case.id},
        )
    broken = _run("verify-case-record/verify-case-record", {"reference": case.reference})

    report = _artifacts(broken)["case-record-check"]
    assert f"| {case.reference} | 2 | hash mismatch |" in report
    # The deployment also runs on its daily schedule, over every case: the email about this
    # case's break is picked out by its reference.
    mails = [
        mail
        for mail in _mails(inbox, "CME case record: 1 case history is broken")
        if case.reference in body_of(mail)
    ]
    assert len(mails) == 1, [body_of(m) for m in mails]
    [mail] = mails
    assert str(mail["X-Envelope-To"]) == LEAD_EMAIL
    assert f"{case.reference}: event 2: hash mismatch" in body_of(mail)

    # Every other case this session's tests made through the product still holds, and the same
    # break found again over every case is not emailed twice.
    everything = _artifacts(_run("verify-case-record/verify-case-record", {}))["case-record-check"]
    assert everything.splitlines()[0] == "# Case record check: 1 broken", everything
    assert f"| {case.reference} | 2 | hash mismatch |" in everything
    assert len([m for m in _mails(inbox, "CME case record") if case.reference in body_of(m)]) == 1
