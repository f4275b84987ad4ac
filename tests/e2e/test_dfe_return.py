"""The DfE termly return as `make run` serves it: the `dfe-cme-return` deployment, run against a
seeded case database, writes the CSV files for COLLECT and publishes the same counts as artifacts,
read back through the Prefect client; the counts are those worked out by hand in dfe_scenario."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.deployments import run_deployment

from launcher.stack import Stack
from store.unit_of_work import bootstrap
from tests import dfe_scenario
from tests.dfe_scenario import (
    AS_OF,
    CENSUS_DATE,
    EXPECTED_CENSUS_DAY,
    EXPECTED_PREVIOUS_YEAR,
)

pytestmark = pytest.mark.e2e


def _counts(rows: list[dict[str, str]]) -> dict[tuple[str, str], int]:
    return {(r["breakdown"], r["category"]): int(r["count"]) for r in rows if int(r["count"])}


def test_the_deployment_writes_and_publishes_the_hand_computed_return(stack: Stack) -> None:
    # The e2e database holds other tests' cases too: all opened after AS_OF, so none counts.
    with bootstrap().transaction() as session:
        dfe_scenario.seed(session)

    run = run_deployment(
        "dfe-cme-return/dfe-cme-return",
        parameters={"census_date": CENSUS_DATE.isoformat(), "now": AS_OF.isoformat()},
        timeout=180,
    )

    assert isinstance(run, FlowRun)
    assert run.state is not None and run.state.type is StateType.COMPLETED, run.state
    folder = stack.settings.state_dir / "reports" / "dfe" / "2026-01-22"
    census_rows = _read_csv(folder / "cme_census_day.csv")
    assert _counts(census_rows) == EXPECTED_CENSUS_DAY
    assert _counts(_read_csv(folder / "cme_previous_academic_year.csv")) == EXPECTED_PREVIOUS_YEAR

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id]))
        )
    by_key = {a.key: a for a in artifacts}
    census_table = by_key["dfe-cme-2026-01-22-census-day"]
    assert census_table.type == "table"
    rows = json.loads(str(census_table.data))
    assert _counts(rows) == EXPECTED_CENSUS_DAY
    assert len(rows) == len(census_rows)
    previous_table = by_key["dfe-cme-2026-01-22-previous-year"]
    assert _counts(json.loads(str(previous_table.data))) == EXPECTED_PREVIOUS_YEAR
    summary = str(by_key["dfe-cme-2026-01-22-summary"].data)
    assert "Children missing education on census day: **8**" in summary
    assert str(folder) in summary
    published = summary + str(census_table.data) + str(previous_table.data)
    assert "Testchild" not in published and "2020-09-01" not in published


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
