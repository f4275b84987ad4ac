"""A case's run carries its reference, never the child: names, tags, logs, results, artifacts."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import TypeVar

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterId,
    LogFilter,
    LogFilterFlowRunId,
)
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.deployments import run_deployment
from prefect.settings import temporary_settings
from sqlalchemy import select

from store.database import engine_for, session_scope
from store.orm import Child
from tests.e2e.driver import Driver
from tests.e2e.product import client_settings
from tests.e2e.test_journeys import enquiries
from tests.factories import make_referral

pytestmark = pytest.mark.e2e

T = TypeVar("T")

SURNAME = "Quillfeather"
ADDRESS = "17 Privacy Lane, St Albans"
BORN = date(2015, 5, 30)
# A referral the product refuses (the child is below compulsory school age): it opens no case, so
# the end-of-session scan could not find its details in the case database; they are listed here.
REFUSED_SURNAME = "Wrenshallow"
REFUSED_BORN = date(2023, 6, 17)


def test_run_name_tags_logs_results_and_summary_carry_no_child_details(driver: Driver) -> None:
    run_id = driver.open_case(
        make_referral(
            child_surname=SURNAME,
            address=ADDRESS,
            child_aliases=["Kit Quill"],
            child_date_of_birth=BORN,
        )
    )
    driver.resume(run_id, "referral-check-reasonable-enquiries", enquiries())
    driver.wait_for_form(run_id, "home-visit-visit-1")
    case = driver.case(run_id)
    run = driver.read(run_id)
    personal = [SURNAME, "Privacy Lane", "Kit Quill", BORN.isoformat()]

    assert run.name == case.reference
    assert not [tag for tag in run.tags if any(p in tag for p in personal)]

    with get_client(sync_client=True) as client:
        logs = client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])), limit=200
        )
        assert logs, "the run logged nothing: this test would prove nothing"
        assert not [log.message for log in logs if any(p in log.message for p in personal)]

        summary = client.read_artifacts(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id]))
        )
        markdown = [str(a.data) for a in summary if a.key == case_artifact_key(case.reference)]
        assert markdown and case.reference in markdown[-1]
        assert not [text for text in markdown if any(p in text for p in personal)]

    results = list(driver.stack.settings.results_dir.iterdir())
    assert results, "no persisted results: this test would prove nothing"
    leaking = [f.name for f in results if any(p in f.read_text(errors="ignore") for p in personal)]
    assert leaking == []


def test_a_refused_referral_ends_as_an_outcome_under_a_name_that_says_so(driver: Driver) -> None:
    """Run as the Prefect UI's Run form does it, with a child too young for compulsory school:
    the run ends Completed, "Referral refused", named so, and opens no case. What it logged is
    scanned with everything else by the last test of the session (below)."""
    sent = make_referral(child_surname=REFUSED_SURNAME).model_dump(mode="json") | {
        "child_date_of_birth": REFUSED_BORN.isoformat()
    }
    run = run_deployment("cme-case/cme-case", parameters={"referral": sent}, timeout=0)
    assert isinstance(run, FlowRun)

    final = driver.wait_until_final(run.id)
    assert final.state is not None and final.state.type is StateType.COMPLETED
    assert final.state.name == "Referral refused"
    assert "child_date_of_birth" in str(final.state.message)
    assert final.name.startswith("Referral refused ")
    assert REFUSED_SURNAME not in final.name and REFUSED_BORN.isoformat() not in final.name
    with session_scope(driver.engine) as session:
        assert session.scalars(select(Child).where(Child.surname == REFUSED_SURNAME)).all() == []


def case_artifact_key(reference: str) -> str:
    return f"case-{reference.lower()}"


# Every test child's identifying details: the hand-written ones the end-to-end tests give
# (tests/factories.py, the journeys' overrides, this module's own), and every child the case
# database holds after the journeys (generated school returns, distinct dates of birth): full names
# and aliases, dates of birth in ISO, UK numeric and long forms, and first address lines. Initials
# and an age are allowed in summaries.
CHILD_DETAILS = [
    r"\bAlex Sample\b", r"\bAlex Example\b", r"\bAda\b", r"\bTestchild\b", r"\bKit Quill\b",
    rf"\b{SURNAME}\b", r"\bTestparent\b",
    r"2015-03-14", r"14/03/2015", r"14 March 2015", r"2014-03-09", r"09/03/2014", r"9 March 2014",
    r"1 Example Street", r"Privacy Lane", r"2 Sample Road",
    rf"\b{REFUSED_SURNAME}\b", r"2023-06-17", r"17/06/2023", r"17 June 2023",
]  # fmt: skip


def recorded_child_details(database_url: str) -> list[str]:
    """Patterns for every child in the product's case database."""
    with session_scope(engine_for(database_url)) as session:
        children = session.scalars(select(Child)).all()
        patterns: set[str] = set()
        for child in children:
            for name in [f"{child.forenames} {child.surname}", *child.aliases]:
                patterns.add(rf"\b{re.escape(name)}\b")
            born = child.date_of_birth
            for form in (born.isoformat(), born.strftime("%d/%m/%Y"), f"{born.day} {born:%B %Y}"):
                patterns.add(re.escape(form))
            first_line = (child.address or "").split(",")[0].strip()
            if len(first_line) >= 8:
                patterns.add(re.escape(first_line))
    return sorted(patterns)


PAGE = 200


def _pages(read: Callable[[int], Sequence[T]]) -> Iterator[T]:
    offset = 0
    while True:
        page = read(offset)
        yield from page
        if len(page) < PAGE:
            return
        offset += PAGE


def _leaks(personal: re.Pattern[str], where: str, text: str) -> list[str]:
    return [f"{where}: {match}" for match in personal.findall(text)]


@pytest.mark.last
def test_after_every_journey_no_run_log_artifact_form_or_result_names_a_child(
    driver: Driver,
) -> None:
    """Runs after all other tests (tests/e2e/conftest.py), over all they left behind.

    Also scanned: every log file the product's processes wrote (the Prefect server behind the
    gateway, the serving process or workers, the public form and its drainer, the documents
    server, the drop watch).

    Not scanned, by design: the cme-case run's parameters (the referral form itself) and the
    officers' answers (run inputs); both are case data in the Prefect database (docs/deployment.md).
    """
    # This stack's own case database and Prefect server: the process-wide settings may point
    # elsewhere by now (another product copy, or the in-process flow tests' temporary server).
    settings = driver.stack.settings
    recorded = recorded_child_details(settings.case_database_url)
    assert len(recorded) > 20, "the journeys left no children to look for"
    personal = re.compile("|".join([*CHILD_DETAILS, *recorded]))
    child = make_referral()
    for detail in (child.child_surname, child.child_date_of_birth.strftime("%d/%m/%Y")):
        assert personal.search(f"x {detail} x"), f"the scan would miss {detail}"
    leaks: list[str] = []
    with (
        temporary_settings(updates=client_settings(settings, driver.stack.credential("runner"))),
        get_client(sync_client=True) as client,
    ):
        runs = list(_pages(lambda o: client.read_flow_runs(limit=PAGE, offset=o)))
        assert any(run.name.startswith("CME-") for run in runs), "no case runs to scan"
        for run in runs:
            leaks += _leaks(personal, f"run {run.id} name", run.name)
            leaks += _leaks(personal, f"run {run.id} tags", " ".join(run.tags))
            for form in client.filter_flow_run_input(run.id, "suspended", 1000, set()):
                if form.key.endswith("-description"):  # what the officer reads above a form
                    leaks += _leaks(personal, f"run {run.id} form {form.key}", form.value)
        for task_run in _pages(lambda o: client.read_task_runs(limit=PAGE, offset=o)):
            leaks += _leaks(personal, f"task run {task_run.id} name", task_run.name)
            leaks += _leaks(personal, f"task run {task_run.id} tags", " ".join(task_run.tags))
        logs = list(_pages(lambda o: client.read_logs(limit=PAGE, offset=o)))
        assert logs, "no logs to scan: this test would prove nothing"
        for log in logs:
            leaks += _leaks(personal, f"log of run {log.flow_run_id}", log.message)
        artifacts = list(_pages(lambda o: client.read_artifacts(limit=PAGE, offset=o)))
        assert any(str(a.key).startswith("case-") for a in artifacts), "no case summaries"
        for artifact in artifacts:
            text = f"{artifact.key} {artifact.description} {artifact.data}"
            leaks += _leaks(
                personal, f"artifact {artifact.key} of run {artifact.flow_run_id}", text
            )
    results = [p for p in driver.stack.settings.results_dir.rglob("*") if p.is_file()]
    assert results, "no persisted results: this test would prove nothing"
    for path in results:
        leaks += _leaks(personal, f"result {path.name}", path.read_text(errors="ignore"))
    process_logs = sorted(driver.stack.log_dir.glob("*.log"))
    assert any(p.name.startswith(("serve", "worker")) for p in process_logs), process_logs
    for path in process_logs:
        leaks += _leaks(personal, f"process log {path.name}", path.read_text(errors="ignore"))
    assert leaks == []
