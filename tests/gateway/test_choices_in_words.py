"""The UI reads each choice in words and the server stores its code: the gateway translates both
ways, on a waiting run's form and on a deployment's parameters (Prefect's real application)."""

from __future__ import annotations

import json
from typing import Any

from prefect._internal.pydantic.v2_schema import create_v2_schema
from prefect.utilities.callables import parameter_schema

from flows import forms
from flows.case import cme_case
from tests.factories import make_referral
from tests.gateway.conftest import KEYSET, Api, PrefectApp


def _home_visit_schema() -> dict[str, Any]:
    form = forms.with_people(forms.HomeVisitRecord, ["cme-officer-alice", "cme-team-lead"])
    return create_v2_schema("HomeVisitRecord", model_base=form)


def test_a_waiting_form_reads_in_words_and_its_answer_is_stored_in_codes(
    api: Api, prefect: PrefectApp
) -> None:
    run_id = prefect.suspended_run(_home_visit_schema())

    shown = api.call("GET", f"/api/flow_runs/{run_id}/input/{KEYSET['schema']}", user="alice")
    finding = json.loads(shown.text)["properties"]["finding"]
    answer = api.call(
        "POST",
        f"/api/flow_runs/{run_id}/resume",
        user="alice",
        json_body={
            "run_input": {
                "visit_date": "2026-12-03",
                "seen": "The child",
                "finding": "Found, not in education",
                "closure_outcome": None,
                "safeguarding_indicators": ["Private fostering"],
            }
        },
    )

    assert shown.status_code == 200
    assert "Found, not in education" in finding["enum"]
    assert "located_no_education" not in finding["enum"]
    assert answer.status_code == 201, answer.text
    assert answer.json()["status"] == "ACCEPT", answer.text
    stored = prefect.call(prefect.app, "GET", f"/api/flow_runs/{run_id}/input/{KEYSET['response']}")
    kept = json.loads(stored.text)
    assert kept["finding"] == "located_no_education"
    assert kept["safeguarding_indicators"] == ["private_fostering"]
    assert "closure_outcome" not in kept
    assert kept["officer"] == "cme-officer-alice"


def test_the_referral_form_reads_in_words_and_the_new_case_gets_codes(
    api: Api, prefect: PrefectApp
) -> None:
    # A flow of its own, so its `cme-case` deployment can carry the referral's schema.
    flow_id = prefect.direct("POST", "/api/flows/", {"name": "cme-case-in-words"})["id"]
    schema = parameter_schema(cme_case).model_dump()
    deployment_id = prefect.direct(
        "POST",
        "/api/deployments/",
        {
            "name": "cme-case",
            "flow_id": flow_id,
            "parameter_openapi_schema": schema,
            "enforce_parameter_schema": True,
        },
    )["id"]
    referral = make_referral().model_dump(mode="json")
    referral.update(referrer_type="Member of the public", child_sex="Not known", agency_kind="")

    shown = api.call("GET", f"/api/deployments/{deployment_id}", user="alice").json()
    created = api.call(
        "POST",
        f"/api/deployments/{deployment_id}/create_flow_run",
        user="alice",
        json_body={"parameters": {"referral": referral}},
    )

    definition = shown["parameter_openapi_schema"]["definitions"]["Referral"]
    assert "Member of the public" in definition["properties"]["referrer_type"]["enum"]
    assert created.status_code == 201, created.text
    parameters = created.json()["parameters"]["referral"]
    assert parameters["referrer_type"] == "member_of_public"
    assert parameters["child_sex"] == "not_known"
    assert "agency_kind" not in parameters
