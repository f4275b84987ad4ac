"""Drive the product through Prefect's API as an officer does through the UI: run the case
deployment with a referral, wait for each suspended form, resume it with typed input.

A resume carries the signed-in person as the sign-in gateway writes them into it: `officer` (their
team id) and `signed_in_as` (their username), overwriting what the answer said. Until the stack runs
behind the gateway the driver writes them itself and they pass straight through to Prefect."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError
from prefect.flow_runs import resume_flow_run
from prefect.settings import PREFECT_API_AUTH_STRING, temporary_settings
from sqlalchemy import Engine

from launcher.stack import Stack
from models.referral import Referral
from store import case_events, cases, decisions
from store.database import session_scope
from store.orm import Case, StageRecord
from store.unit_of_work import bootstrap
from tests.e2e.people import Cast
from tests.factories import distinct_births, make_referral
from tests.mail import Inbox

DEFAULT_CHILD_BORN = make_referral().child_date_of_birth
_DISTINCT_BIRTHS = distinct_births()

FINAL = {StateType.COMPLETED, StateType.FAILED, StateType.CRASHED, StateType.CANCELLED}

OFFICER = "cme-officer-dspl-6-9"  # AL1 (St Albans), the factories' postcode, is DSPL 7
SIGNED_IN_AS = OFFICER  # the test people are named by their team id (tests/e2e/people.py)


@dataclass
class Driver:
    stack: Stack
    inbox: Inbox
    case_database: Engine | None = None  # default: the process's unit of work
    # Who signs in to resume a form: the officer it names, else the case's officer. None: the
    # test process's own client (a service account), which passes on what the gateway would write.
    people: Cast | None = None
    # Without `people`: who every resume says decided, as the gateway would write it.
    team_id: str = OFFICER
    username: str = SIGNED_IN_AS

    @property
    def engine(self) -> Engine:
        return self.case_database if self.case_database is not None else bootstrap().engine

    def open_case(self, referral: Referral, *, same_child: bool = False) -> UUID:
        """Run the cme-case deployment with this referral, as the UI's Run form does.

        Many tests refer tests/factories' default child, and a referral about a child with an
        open case joins that case; so each such referral is made a child of its own (a
        date of birth no other test uses), unless ``same_child`` asks for the factory's child.
        """
        if not same_child and referral.child_date_of_birth == DEFAULT_CHILD_BORN:
            referral = referral.model_copy(update={"child_date_of_birth": next(_DISTINCT_BIRTHS)})
        run = run_deployment(
            "cme-case/cme-case",
            # What was not given is left out, as the UI's Run form leaves it: a deployment of an
            # earlier release (test_upgrade.py) refuses fields it does not know, even empty ones.
            parameters={"referral": referral.model_dump(mode="json", exclude_none=True)},
            timeout=0,
        )
        assert isinstance(run, FlowRun)
        return run.id

    def read(self, run_id: UUID) -> FlowRun:
        with get_client(sync_client=True) as client:
            return client.read_flow_run(run_id)

    def wait_for_form(self, run_id: UUID, key: str, timeout: float = 90) -> FlowRun:
        """Wait until the run is suspended on the form with this key."""
        deadline = time.monotonic() + timeout
        run = self.read(run_id)
        while time.monotonic() < deadline:
            run = self.read(run_id)
            state = run.state
            assert state is not None
            if state.type in FINAL:
                raise AssertionError(f"run ended {state.type.value} ({state.message}) before {key}")
            # Prefect saves the form (schema, description) just after the run turns Suspended;
            # the form is ready, for the UI as for us, once its description is there.
            if (
                state.type is StateType.PAUSED
                and state.state_details.pause_key == key
                and self._input(run_id, f"suspended-{key}-description") is not None
            ):
                return run
            time.sleep(0.3)
        raise AssertionError(f"run never suspended on {key}; last state {run.state}")

    def _input(self, run_id: UUID, key: str) -> str | None:
        with get_client(sync_client=True) as client:
            try:
                return str(client.read_flow_run_input(run_id, key))
            except ObjectNotFound:
                return None
            except PrefectHTTPStatusError as error:
                if error.response.status_code == 404:
                    return None
                raise

    def form_description(self, run_id: UUID, key: str) -> str:
        description = self._input(run_id, f"suspended-{key}-description")
        assert description is not None, f"no description saved for the form {key}"
        return description

    def resume(self, run_id: UUID, key: str, values: dict[str, Any]) -> None:
        """Wait for the form, then submit it as the signed-in person."""
        self.wait_for_form(run_id, key)
        credential = self.credential_for(run_id, values)
        if credential is None:
            resume_flow_run(run_id, run_input=self.signed(run_id, key, values))
            return
        # Through the gateway as that person: it writes them into the form's input.
        with temporary_settings(updates={PREFECT_API_AUTH_STRING: credential}):
            resume_flow_run(run_id, run_input=values)

    def signed(self, run_id: UUID, key: str, values: dict[str, Any]) -> dict[str, Any]:
        """The answer as the gateway passes it on: the signed-in person, whatever it said.

        A form saved by a release before sign-in asks for the officer itself and admits no
        `signed_in_as` (its schema forbids extra keys), so only the officer goes to it.
        """
        signed = {**values, "officer": self.team_id}
        schema = self._input(run_id, f"suspended-{key}-schema")
        if schema is not None and "^signed_in_as$" in json.loads(schema).get(
            "patternProperties", {}
        ):
            signed["signed_in_as"] = self.username
        return signed

    def credential_for(self, run_id: UUID, values: dict[str, Any]) -> str | None:
        """The signed-in person a form is resumed as: the officer it names, else the case's."""
        if self.people is None:
            return None
        team_id = values.get("officer")
        if not isinstance(team_id, str) or self.people.by_team_id(team_id) is None:
            with session_scope(self.engine) as session:
                case = cases.get_case_by_flow_run(session=session, flow_run_id=run_id)
                team_id = case.officer_id if case is not None else None
        person = self.people.by_team_id(team_id) if team_id else None
        return person.credential if person is not None else None

    def wait_until_final(self, run_id: UUID, timeout: float = 90) -> FlowRun:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = self.read(run_id)
            if run.state is not None and run.state.type in FINAL:
                return run
            time.sleep(0.3)
        raise AssertionError(f"run {run_id} did not finish; last state {self.read(run_id).state}")

    def case(self, run_id: UUID) -> Case:
        with session_scope(self.engine) as session:
            case = cases.get_case_by_flow_run(session=session, flow_run_id=run_id)
            assert case is not None, f"no case for flow run {run_id}"
            session.expunge(case)
            return case

    def decisions(self, case: Case) -> dict[str, dict[str, Any]]:
        with session_scope(self.engine) as session:
            return {
                d.key: dict(d.values)
                for d in decisions.list_decisions(session=session, case_id=case.id)
            }

    def events(self, case: Case) -> list[str]:
        with session_scope(self.engine) as session:
            return [e.kind for e in case_events.list_events(session=session, case_id=case.id)]

    def stages(self, case: Case) -> list[StageRecord]:
        with session_scope(self.engine) as session:
            record = cases.get_case(session=session, reference=case.reference)
            assert record is not None
            stages = sorted(record.stages, key=lambda s: s.started_at)
            session.expunge_all()
            return stages
