"""Identity in the record: a decision names the person signed in, a resume with nobody signed in
records nothing, old decisions read as attested, and the chronology names who did what in Prefect.

The sign-in gateway writes `officer` (the signed-in person's team id) and `signed_in_as` (their
username) into every resume's input; the scripted officer does the same (tests/flows/casework.py).
The first test shows, against the real Prefect server, that the server accepts exactly those keys.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import State, StateType
from prefect.input import Keyset, keyset_from_paused_state
from prefect.states import Paused, Running
from sqlalchemy import select

from flows.forms import NOT_SIGNED_IN, SaoCompliance, with_people
from gateway.app import _signed_input
from models.access import AccessRecord, Person, Role
from models.case import CaseHandle
from models.case_events import DecisionRecorded, EventKind
from models.enums import Stage
from store import access_log, case_events, decisions, people
from store.database import session_scope
from store.orm import CaseEvent
from store.unit_of_work import bootstrap
from tasks.chronology import write_chronology
from tasks.summary import describe_decision
from tests.factories import make_referral
from tests.flows.casework import (
    OFFICER,
    SIGNED_IN_AS,
    Product,
    WithoutGateway,
    enquiries,
    only_case,
    run_case,
)

FIRST_FORM = "referral-check-reasonable-enquiries"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@flow(name="identity-probe")
def _probe() -> None:
    """Never run: a flow run to suspend by hand, so the real server holds a real form."""


def test_the_prefect_server_accepts_the_gateways_keys_and_no_others(prefect_server: None) -> None:
    team = [OFFICER, "cme-officer-dspl-1-5"]
    form = with_people(SaoCompliance, team).with_initial_data(description="Compliance?")
    answer = {"compliance": "not_complied", "checked_on": "2027-01-26"}
    with get_client(sync_client=True) as client:
        run_id = client.create_flow_run(_probe).id
        client.set_flow_run_state(run_id, Running(), force=True)

        def suspend(key: str) -> Keyset:
            # What suspend_flow_run does in the run: a paused state naming its form's inputs,
            # then the form's schema saved under them. Not rescheduled (this run has no
            # deployment to go back to); the server checks the input the same way either way.
            state: State[Any] = Paused(pause_key=key)
            keyset = keyset_from_paused_state(state)
            state.state_details.run_input_keyset = {str(k): v for k, v in keyset.items()}
            client.set_flow_run_state(run_id, state, force=True)
            form.save(keyset, flow_run_id=run_id)
            return keyset

        suspend("refused")
        for wrong in (
            {"officer": "cme-team-lead"},  # a person whose team id is not an officer's
            {"signed_in_as": "Not A Username"},
            {"offcer": OFFICER},  # any other key: still refused
        ):
            result = client.resume_flow_run(run_id, run_input={**answer, **wrong})
            assert result.status.value == "REJECT", wrong
            assert next(iter(wrong)) in str(result.details), result.details

        keyset = suspend("accepted")
        # The body exactly as the gateway forwards it, whatever officer the client claimed.
        person = Person(
            username=SIGNED_IN_AS,
            display_name="Sam South",
            team_id=OFFICER,
            roles=frozenset({Role.OFFICER}),
        )
        sent = json.dumps({"run_input": {**answer, "officer": "cme-officer-dspl-1-5"}}).encode()
        signed = json.loads(_signed_input(sent, person))["run_input"]
        result = client.resume_flow_run(run_id, run_input=signed)
        assert result.status.value == "ACCEPT", result.details
        state = client.read_flow_run(run_id).state
        assert state is not None and state.type is StateType.RUNNING

    # The flow loads the answer exactly as Prefect stored it: both keys reach the form.
    loaded = form.load(keyset, flow_run_id=run_id)
    assert isinstance(loaded, SaoCompliance)
    assert str(loaded.officer) == OFFICER
    assert loaded.signed_in_as == SIGNED_IN_AS


def test_a_resume_with_nobody_signed_in_is_asked_again_and_records_nothing(
    product: Product,
) -> None:
    without_officer = enquiries().model_dump(mode="json", exclude={"officer", "signed_in_as"})
    product.officer.answer(FIRST_FORM, WithoutGateway(without_officer))

    ran = run_case(make_referral())

    assert ran.waiting_on == f"{FIRST_FORM}-retry-1"
    record = only_case(product)
    assert record.decisions == {}
    assert "decision_recorded" not in record.events
    asked_again = product.officer.descriptions[f"{FIRST_FORM}-retry-1"]
    assert "Your last answer was not accepted." in asked_again
    assert NOT_SIGNED_IN in asked_again
    assert "sign in to the Prefect UI as yourself" in asked_again


def test_a_decision_records_the_signed_in_person(product: Product) -> None:
    # The answer names another officer: the gateway's signed-in person wins, as it overwrites.
    product.officer.answer(FIRST_FORM, enquiries(officer="cme-officer-dspl-1-5"))

    ran = run_case(make_referral())

    assert ran.waiting_on == "home-visit-visit-1"
    record = only_case(product)
    assert record.decisions[FIRST_FORM]["officer"] == OFFICER
    assert record.decisions[FIRST_FORM]["signed_in_as"] == SIGNED_IN_AS
    with session_scope(product.engine) as session:
        (decision,) = decisions.list_decisions(session=session, case_id=record.case.id)
        assert decision.officer_id == OFFICER
        recorded = [
            (event.actor, event.event.signed_in_as)
            for event in case_events.read_events(session=session, case_id=record.case.id)
            if isinstance(event.event, DecisionRecorded)
        ]
    assert recorded == [(OFFICER, SIGNED_IN_AS)]
    # The next form's summary names who made the earlier decision, and how they are known.
    next_form = product.officer.descriptions["home-visit-visit-1"]
    assert f"(signed in as {SIGNED_IN_AS})" in next_form
    assert "attested on the form" not in next_form


def _chronology_rows(product: Product, reference: str) -> list[dict[str, str]]:
    bundle = write_chronology(reference, "test")
    text = (product.home / "chronology" / bundle.csv_path).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_a_decision_made_before_sign_in_reads_and_shows_as_attested(product: Product) -> None:
    ran = run_case(make_referral())
    assert ran.waiting_on == FIRST_FORM
    record = only_case(product)
    # As the release before sign-in recorded it: no signed_in_as in the values or on the event.
    old_values = enquiries().model_dump(mode="json", exclude={"signed_in_as"})
    with session_scope(product.engine) as session:
        decisions.record_decision(
            session=session,
            case_id=record.case.id,
            stage=Stage.REFERRAL_CHECK,
            key=FIRST_FORM,
            officer_id=OFFICER,
            values=old_values,
            decided_at=T0,
        )
    with session_scope(product.engine) as session:
        stored = session.scalars(
            select(CaseEvent).where(
                CaseEvent.case_id == record.case.id,
                CaseEvent.kind == EventKind.DECISION_RECORDED.value,
            )
        ).one()
        assert "signed_in_as" not in stored.payload
        (event,) = [
            e.event
            for e in case_events.read_events(session=session, case_id=record.case.id)
            if isinstance(e.event, DecisionRecorded)
        ]
        assert event.signed_in_as is None
    # The old answer still loads as today's form, for a replay that finds it recorded.
    form = with_people(type(enquiries()), [OFFICER, "cme-officer-dspl-1-5"])
    assert form.model_validate(old_values).signed_in_as is None

    rows = _chronology_rows(product, record.case.reference)

    (decided,) = [row for row in rows if row["what"] == f"Decision recorded: {FIRST_FORM}"]
    assert decided["who"].endswith("(attested on the form)")
    assert "signed_in_as" not in decided["details"] and "officer:" not in decided["details"]


def test_the_chronology_names_who_did_what_in_prefect(product: Product) -> None:
    product.officer.answer(FIRST_FORM, enquiries())
    ran = run_case(make_referral())
    assert ran.waiting_on == "home-visit-visit-1"
    record = only_case(product)
    run_id = record.case.flow_run_id
    assert isinstance(run_id, UUID)
    reference = record.case.reference
    now = bootstrap().clock()
    with session_scope(product.engine) as session:
        people.add_person(
            session=session,
            username=SIGNED_IN_AS,
            display_name="Sam South",
            roles=[Role.OFFICER],
            password=None,
            now=now,
            team_id=OFFICER,
        )
        calls = [
            # Opening: the gateway knows the run, not yet the case it will open.
            ("open_case", T0, None, True, 201),
            ("resume", now, reference, True, 201),
            ("cancel", now, reference, False, 403),
            ("view_case", now, reference, True, 200),  # a look: not a line
        ]
        for action, at, ref, allowed, status in calls:
            access_log.record_access(
                session=session,
                record=AccessRecord(
                    occurred_at=at,
                    username=SIGNED_IN_AS,
                    channel="front_door" if action == "view_case" else "prefect",
                    action=action,
                    method="POST",
                    path=f"/api/flow_runs/{run_id}/{action}",
                    status_code=status,
                    allowed=allowed,
                    flow_run_id=run_id,
                    case_reference=ref,
                ),
            )

    rows = _chronology_rows(product, reference)

    by_person = [(row["who"], row["what"]) for row in rows if "signed in as" in row["who"]]
    assert by_person == [
        ("Sam South (signed in as officer.south)", "Case opened in Prefect"),
        (
            "CME Officer (DSPL 6-9) (signed in as officer.south)",
            f"Decision recorded: {FIRST_FORM}",
        ),
        ("Sam South (signed in as officer.south)", "Form answered (run resumed)"),
        ("Sam South (signed in as officer.south)", "Refused: run cancelled"),
    ]
    assert rows[0]["what"] == "Case opened in Prefect"  # before the case's first event
    assert all(row["case_reference"] == reference for row in rows)
    opened = rows[0]
    assert f"run: {run_id}" in opened["details"] and "status: 201" in opened["details"]


def test_the_form_shows_what_people_did_and_the_chronology_keeps_the_runners_calls_too(
    product: Product,
) -> None:
    ran = run_case(make_referral())
    assert ran.waiting_on == FIRST_FORM
    record = only_case(product)
    run_id = record.case.flow_run_id
    assert isinstance(run_id, UUID)
    reference = record.case.reference
    now = bootstrap().clock()
    with session_scope(product.engine) as session:
        people.add_person(
            session=session,
            username=SIGNED_IN_AS,
            display_name="Sam South",
            roles=[Role.OFFICER],
            password=None,
            now=now,
            team_id=OFFICER,
        )
        people.add_person(
            session=session,
            username="svc-runner",
            display_name="Service: runner",
            roles=[Role.RUNNER],
            password=None,
            now=now,
        )
        for username, action in [(SIGNED_IN_AS, "resume")] + [("svc-runner", "set_state")] * 6:
            access_log.record_access(
                session=session,
                record=AccessRecord(
                    occurred_at=now,
                    username=username,
                    channel="prefect",
                    action=action,
                    method="POST",
                    path=f"/api/flow_runs/{run_id}/{action}",
                    status_code=201,
                    allowed=True,
                    flow_run_id=run_id,
                    case_reference=reference,
                ),
            )
    handle = CaseHandle(
        case_id=record.case.id,
        reference=reference,
        officer_id=OFFICER,
        dspl_area=record.case.dspl_area,
        flow_run_id=run_id,
    )

    form = describe_decision(handle, Stage.HOME_VISIT, "Record the visit.", None, None)

    latest = form.split("**Latest in Prefect**", 1)[1]
    assert "- " in latest and "Form answered (run resumed) (Sam South" in latest
    assert "svc-runner" not in form and "Run state set" not in form
    whats = [(row["who"], row["what"]) for row in _chronology_rows(product, reference)]
    assert whats.count(("Service: runner (signed in as svc-runner)", "Run state set")) == 6
