"""The register of children not in school, run in process against the case database: refused
before the 2026 Act is in force, an eligible child registered and an ineligible one refused with
the reason, the information, home-visit and support requests recorded, and a new-pupil return
naming a registered child taking the entry out of the register's scope."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
from prefect.client.schemas.objects import State
from sqlalchemy import func, select

import flows.register
from flows.new_pupil_returns import intake_new_pupil_returns
from flows.register import (
    record_register_information,
    register_child_not_in_school,
    register_support_request,
    request_register_home_visit,
    request_register_provider_update,
)
from models.regime import RegimeId
from models.school_returns import NEW_PUPIL_RETURN_COLUMNS
from store import register
from store.database import session_scope
from store.orm import RegisterEntry, RegisterSupportRequest
from store.unit_of_work import bootstrap, install
from tests.flows.casework import OFFICER, Product

COMMENCES = date(2027, 1, 4)
NOW = datetime(2027, 3, 1, 10, tzinfo=UTC)
LATER = datetime(2027, 4, 6, 10, tzinfo=UTC)


def application(**changes: Any) -> dict[str, Any]:
    # As a deployment run is given it: the JSON the form sent, not yet validated.
    data: dict[str, Any] = {
        "child_forenames": "Jas",
        "child_surname": "Registered",
        "date_of_birth": "2014-12-12",
        "home_address": "11 Example Street, St Albans",
        "home_postcode": "AL1 3ER",
        "lives_in_area": True,
        "school_status": "not_registered",
        "living_at_address_since": "2020-01-01",
        "parents": [
            {"name": "Sam Registered", "address": "11 Example Street", "provides_education": True}
        ],
        "hours_educated_by_parents": 20,
        "hours_educated_by_others": 4,
    }
    return data | changes


@pytest.fixture
def act_in_force(product: Product) -> Iterator[Product]:
    """The product with the council's commencement day for the 2026 Act set."""
    uow = bootstrap()
    commenced = uow.regimes.model_copy(update={"commences_on": {RegimeId.CWSA_2026: COMMENCES}})
    install(replace(uow, regimes=commenced))
    yield product


def _entries(product: Product) -> list[RegisterEntry]:
    with session_scope(product.engine) as session:
        return list(session.scalars(select(RegisterEntry).order_by(RegisterEntry.id)))


def _history(product: Product, entry_id: int) -> list[str]:
    with session_scope(product.engine) as session:
        return [line.kind for line in register.history(session=session, entry_id=entry_id)]


def _run_name(state: State[Any]) -> str:
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(state.state_details.flow_run_id)  # type: ignore[arg-type]
    return run.name


def _refusal_rows(state: State[Any]) -> list[dict[str, str]]:
    run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
        )
    (artifact,) = [a for a in found if a.key == "register-refused"]
    data = artifact.data
    rows = json.loads(data) if isinstance(data, str) else data
    assert isinstance(rows, list)
    return rows


def _register(now: datetime = NOW) -> str:
    state: State[Any] = register_child_not_in_school(
        application=application(), now=now, return_state=True
    )
    reference = state.result()
    assert isinstance(reference, str)
    return reference


def test_before_the_act_is_in_force_every_register_flow_refuses_and_records_nothing(
    product: Product, caplog: pytest.LogCaptureFixture
) -> None:
    state: State[Any] = register_child_not_in_school(
        application=application(), now=NOW, return_state=True
    )

    assert state.is_completed()
    assert state.name == "Register not in force"
    assert state.message is not None
    assert "not in force on 2027-03-01" in state.message
    assert "[regimes.commences_on] cwsa_2026" in state.message
    assert _entries(product) == []
    home_visit: State[Any] = request_register_home_visit(
        entry_reference="CNIS-000001", now=NOW, return_state=True
    )
    assert home_visit.name == "Register not in force"
    assert "Registered" not in caplog.text


def test_an_eligible_child_is_registered_and_the_run_is_named_by_the_entry(
    act_in_force: Product, caplog: pytest.LogCaptureFixture
) -> None:
    # `now` as a deployment run sends it: JSON text, which this flow reads itself.
    state: State[Any] = register_child_not_in_school(
        application=application(), now=NOW.isoformat(), return_state=True
    )

    reference = state.result()
    (entry,) = _entries(act_in_force)
    assert reference == entry.reference
    assert _run_name(state) == entry.reference
    assert entry.conditions == ["not_a_registered_pupil"]
    assert (entry.registered_on, entry.home_visit_request_by) == (
        date(2027, 3, 1),
        date(2027, 3, 16),
    )
    assert entry.content["parents"][0]["name"] == "Sam Registered"
    assert _history(act_in_force, entry.id) == [register.REGISTERED]
    assert "Registered" not in caplog.text and "Jas" not in caplog.text


def test_an_ineligible_child_is_refused_with_the_reason_and_nothing_recorded(
    act_in_force: Product, caplog: pytest.LogCaptureFixture
) -> None:
    state: State[Any] = register_child_not_in_school(
        application=application(
            lives_in_area=False, school_status="registered", school_urn="999001"
        ),
        now=NOW,
        return_state=True,
    )

    assert state.is_completed()
    assert state.name == "Registration refused"
    assert state.message is not None and "lives_in_area, school_status" in state.message
    rows = _refusal_rows(state)
    assert [row["Field"] for row in rows] == ["lives_in_area", "school_status"]
    assert "does not live in the area" in rows[0]["Problem"]
    assert _entries(act_in_force) == []
    assert "Registered" not in caplog.text


def test_information_and_a_home_visit_request_are_recorded_on_the_entry(
    act_in_force: Product,
) -> None:
    reference = _register()

    information: State[Any] = record_register_information(
        entry_reference=reference,
        update={
            "given_by": "parent",
            "given_on": "2027-03-01",
            "changed_on": "2027-02-01",
            "summary": "A tutor two mornings a week",
            "hours_educated_by_others": 8,
        },
        now=NOW,
        return_state=True,
    )
    visit = request_register_home_visit(
        entry_reference=reference, requested_on=date(2027, 3, 10), now=NOW
    )
    too_late: State[Any] = request_register_home_visit(
        entry_reference=reference, requested_on=date(2027, 3, 17), now=NOW, return_state=True
    )

    assert information.result() == f"{reference}: information recorded (notice late, s436D)"
    assert visit == f"{reference}: home visit requested on 2027-03-10"
    assert too_late.name == "Input refused"
    assert [row["Field"] for row in _refusal_rows(too_late)] == ["requested_on"]
    (entry,) = _entries(act_in_force)
    assert entry.content["hours_educated_by_others"] == 8
    assert _history(act_in_force, entry.id) == [
        register.REGISTERED,
        register.INFORMATION_GIVEN,
        register.HOME_VISIT_REQUESTED,
    ]


def test_a_provider_is_asked_for_an_update_no_more_than_every_three_months(
    act_in_force: Product,
) -> None:
    reference = _register()

    first = request_register_provider_update(
        entry_reference=reference, provider="Example Tutors", requested_on=date(2027, 3, 1), now=NOW
    )
    again: State[Any] = request_register_provider_update(
        entry_reference=reference,
        provider="Example Tutors",
        requested_on=date(2027, 5, 31),
        now=datetime(2027, 5, 31, 10, tzinfo=UTC),
        return_state=True,
    )
    other = request_register_provider_update(
        entry_reference=reference, provider="Other Academy", requested_on=date(2027, 3, 1), now=NOW
    )

    assert first == f"{reference}: provider update requested on 2027-03-01"
    assert again.name == "Input refused"
    (row,) = _refusal_rows(again)
    assert row["Field"] == "requested_on" and "from 2027-06-01" in row["Problem"]
    assert other == f"{reference}: provider update requested on 2027-03-01"
    unknown: State[Any] = request_register_provider_update(
        entry_reference="CNIS-999999", provider="Example Tutors", now=NOW, return_state=True
    )
    assert unknown.name == "No such entry"


class _EverySupportRequest(dict[str, Any]):
    """The officer's answer to whichever support request the run asks about."""

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.startswith("register-support-")

    def __getitem__(self, key: str) -> Any:
        return {"answered_on": "2027-03-02", "outcome": "offered", "answer": "A tutor is offered"}


def test_a_support_request_waits_for_the_officers_answer_and_records_it(
    act_in_force: Product, monkeypatch: pytest.MonkeyPatch
) -> None:
    officer = act_in_force.officer
    monkeypatch.setattr(flows.register, "suspend_flow_run", officer.suspend)
    officer.answers = _EverySupportRequest()
    reference = _register()

    state: State[Any] = register_support_request(
        entry_reference=reference,
        request={"received_on": "2027-03-01", "request": "Help with science equipment"},
        now=NOW,
        return_state=True,
    )

    assert state.result() == f"{reference}: support request answered"
    # Named by the entry and the request; the form reads what was asked.
    assert _run_name(state) == f"{reference}-support-1"
    (asked,) = officer.asked
    assert "The parents asked for: Help with science equipment" in officer.descriptions[asked]
    assert [key.rsplit("-", 1)[1] for key in officer.asked] == ["0"]
    with session_scope(act_in_force.engine) as session:
        (request,) = session.scalars(select(RegisterSupportRequest))
        assert (request.outcome, request.answered_by) == ("offered", OFFICER)
        assert request.answered_on == date(2027, 3, 2)
    (entry,) = _entries(act_in_force)
    assert _history(act_in_force, entry.id) == [
        register.REGISTERED,
        register.SUPPORT_REQUESTED,
        register.SUPPORT_ANSWERED,
    ]


def _new_pupil_return(product: Product, forenames: str) -> Path:
    folder = product.home / "intake" / "new-pupil-returns"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "new-pupils.csv"
    row = {
        "pupil_forenames": forenames,
        "pupil_surname": "Registered",
        "date_of_birth": "12/12/2014",
        "address": "11 Example Street, St Albans",
        "postcode": "AL1 3ER",
        "school_name": "Example Primary School",
        "school_urn": "999001",
        "admission_date": "22/03/2027",
    }
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=[c for c in NEW_PUPIL_RETURN_COLUMNS if c in row]
        )
        writer.writeheader()
        writer.writerow(row)
    return path


def test_a_new_pupil_return_naming_a_registered_child_takes_the_entry_out_of_scope(
    act_in_force: Product,
) -> None:
    reference = _register()
    other = _register()  # a second entry of another run: the same child twice is a question

    path = _new_pupil_return(act_in_force, "Jas")
    with session_scope(act_in_force.engine) as session:
        second = register.get_entry(session=session, reference=other)
        assert second is not None
        second.forenames = "Kit"  # another child, whose entry stays
    totals = intake_new_pupil_returns(path=str(path), now=LATER)

    assert totals["register_entries_left_scope"] == 1
    first, kept = _entries(act_in_force)
    assert first.reference == reference
    assert (first.status, first.left_scope_on, first.left_scope_school_urn) == (
        "left_scope",
        date(2027, 3, 22),
        "999001",
    )
    assert first.left_scope_reason is not None
    assert "Example Primary School (URN 999001)" in first.left_scope_reason
    assert _history(act_in_force, first.id) == [register.REGISTERED, register.LEFT_SCOPE]
    assert kept.status == "in_scope"


def test_before_the_act_is_in_force_a_new_pupil_return_does_what_it_did(
    product: Product,
) -> None:
    path = _new_pupil_return(product, "Jas")

    totals = intake_new_pupil_returns(path=str(path), now=LATER)

    assert "register_entries_left_scope" not in totals
    assert totals["pupils_recorded"] == 1
    with session_scope(product.engine) as session:
        assert session.scalar(select(func.count()).select_from(RegisterEntry)) == 0
