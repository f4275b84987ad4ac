"""A case's run carries its reference, never the child: names, tags, logs, results, artifacts."""

from __future__ import annotations

from datetime import date

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterId,
    LogFilter,
    LogFilterFlowRunId,
)

from tests.e2e.driver import Driver
from tests.e2e.test_journeys import enquiries
from tests.factories import make_referral

pytestmark = pytest.mark.e2e

SURNAME = "Quillfeather"
ADDRESS = "17 Privacy Lane, St Albans"
BORN = date(2015, 5, 30)


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


def case_artifact_key(reference: str) -> str:
    return f"case-{reference.lower()}"
