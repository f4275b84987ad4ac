"""A refused referral is an outcome, not a failure: the run ends Completed, "Referral refused",
named so, with the reasons in an artifact; no case, and nothing the referrer typed in a log line."""

from __future__ import annotations

import json
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
from prefect.client.schemas.objects import State
from sqlalchemy import func, select

from flows.case import cme_case
from store.database import session_scope
from store.orm import Case
from tests.factories import make_referral
from tests.flows.casework import Product

TOO_YOUNG = "2023-05-01"  # four on the day the referral is received: below compulsory school age


def _refuse(changes: dict[str, Any]) -> State[Any]:
    # As a deployment run is given it: the JSON the referral form sent, not yet validated.
    sent = make_referral().model_dump(mode="json") | changes
    state: State[Any] = cme_case(referral=sent, return_state=True)
    return state


def _artifact_rows(state: State[Any]) -> list[dict[str, str]]:
    run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
        )
    (artifact,) = [a for a in found if a.flow_run_id == run_id and a.key == "referral-refused"]
    data = artifact.data
    rows = json.loads(data) if isinstance(data, str) else data
    assert isinstance(rows, list)
    return rows


def _run_name(state: State[Any]) -> str:
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(state.state_details.flow_run_id)  # type: ignore[arg-type]
    return run.name


def _cases(product: Product) -> int:
    with session_scope(product.engine) as session:
        return int(session.scalar(select(func.count()).select_from(Case)) or 0)


def test_a_child_outside_compulsory_school_age_is_refused_as_an_outcome(
    product: Product, caplog: pytest.LogCaptureFixture
) -> None:
    state = _refuse({"child_date_of_birth": TOO_YOUNG})

    assert state.is_completed()
    assert state.name == "Referral refused"
    assert "child_date_of_birth" in str(state.message)
    assert _run_name(state) == "Referral refused 2026-11-02"
    (row,) = _artifact_rows(state)
    assert row["Field"] == "child_date_of_birth"
    assert row["Problem"].startswith("child is not of compulsory school age on 2026-11-02")
    assert _cases(product) == 0
    # The log says what was refused, and neither the date of birth nor the child's name.
    assert "Referral refused: the problems are in child_date_of_birth" in caplog.text
    assert TOO_YOUNG not in caplog.text and "Testchild" not in caplog.text


def test_a_referral_dated_in_the_future_is_refused_as_an_outcome(product: Product) -> None:
    state = _refuse({"received_on": "2026-11-03"})

    assert state.is_completed() and state.name == "Referral refused"
    (row,) = _artifact_rows(state)
    assert row == {"Field": "received_on", "Problem": "2026-11-03 is after today (2026-11-02)"}
    assert _cases(product) == 0


def test_a_date_typed_wrongly_is_refused_naming_the_field_and_the_format(product: Product) -> None:
    state = _refuse({"date_last_attended": "31/02/2026"})

    assert state.is_completed() and state.name == "Referral refused"
    (row,) = _artifact_rows(state)
    assert row == {
        "Field": "date_last_attended",
        "Problem": "not a date we can read: a date is written YYYY-MM-DD, for example 2026-12-04 "
        "for 4 December 2026",
    }
