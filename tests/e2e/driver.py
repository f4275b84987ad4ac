"""Drive the product through Prefect's API as an officer does through the UI: run the case
deployment with a referral, wait for each suspended form, resume it with typed input."""

from __future__ import annotations

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


@dataclass
class Driver:
    stack: Stack
    inbox: Inbox
    case_database: Engine | None = None  # default: the process's unit of work
    # Who signs in to resume a form: the officer it names, else the case's officer. None: the
    # test process's own client (a service account).
    people: Cast | None = None

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
            parameters={"referral": referral.model_dump(mode="json")},
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
        """Wait for the form, then submit it."""
        self.wait_for_form(run_id, key)
        credential = self.credential_for(run_id, values)
        if credential is None:
            resume_flow_run(run_id, run_input=values)
            return
        with temporary_settings(updates={PREFECT_API_AUTH_STRING: credential}):
            resume_flow_run(run_id, run_input=values)

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
