"""Closing a case from outside its run: request, wake, carry out (models/closure.py).

Intake records the request and wakes the case's suspended run. Prefect refuses a plain resume of a
run suspended for a form without a valid answer to that form, so the run is moved from Suspended
to Scheduled ("Resuming"), as the server's own resume does; the serving process picks it up and it
replays from the top. Its next form finds the request (flows/decisions.py) and the stage closes
with the requested outcome. A run that is executing when the request is recorded is not touched:
it finds the request at its next form.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import State, StateType
from prefect.states import Scheduled

from models.case import CaseHandle
from models.closure import ClosureRequest
from models.enums import Stage
from models.replay_keys import closed_elsewhere_key
from store import closure_requests
from store.unit_of_work import INJECTED, UnitOfWork, inject_uow
from tasks.caching import STABLE_CACHE
from tasks.notify import notify


@inject_uow
def closure_request_for(case: CaseHandle, *, uow: UnitOfWork = INJECTED) -> ClosureRequest | None:
    """The closure requested for this case from outside its run, if any."""
    with uow.transaction() as session:
        record = closure_requests.get_closure_request(session=session, case_id=case.case_id)
        if record is None:
            return None
        return ClosureRequest(
            request_id=record.id,
            outcome=record.outcome,
            reason=record.reason,
            requested_by=record.requested_by,
            details=dict(record.details),
        )


@task(name="carry-out-closure-request", cache_policy=STABLE_CACHE, persist_result=True)
@inject_uow
def carry_out_closure_request(
    case: CaseHandle, stage: Stage, request: ClosureRequest, *, uow: UnitOfWork = INJECTED
) -> None:
    """Record that this run carried the request out, and tell the officer, once."""
    with uow.transaction() as session:
        closure_requests.mark_closure_carried_out(
            session=session, case_id=case.case_id, stage=stage, at=uow.clock()
        )
    details = request.details
    notify(
        case=case,
        natural_key=closed_elsewhere_key(case.reference, stage, request.request_id),
        kind="closed_elsewhere",
        recipients=[uow.config.person(case.officer_id).email],
        template="closed_found_on_roll",
        context={
            "officer_name": uow.config.person(case.officer_id).display_name,
            "outcome": request.outcome.label,
            "stage": stage.label,
            "reason": request.reason,
            "school_name": str(details.get("school_name") or "not given"),
            "school_urn": str(details.get("school_urn") or "not given"),
            "admission_date": str(details.get("admission_date") or "not given"),
        },
    )


def wake_case_run(flow_run_id: UUID, *, at: datetime) -> bool:
    """Move a suspended case run to Scheduled so it replays and finds its closure request.

    Returns True if the run was woken; False if it was not suspended (a running run finds the
    request at its next form; a finished one has nothing to carry out).
    """
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(flow_run_id)
        if run.state is None or run.state.type is not StateType.PAUSED:
            return False
        # Not forced: the server's rules for leaving a pause still apply (an expired pause fails).
        woken: State[None] = Scheduled(name="Resuming", scheduled_time=at)
        result = client.set_flow_run_state(flow_run_id, woken, force=False)
        return result.state is not None and result.state.type is StateType.SCHEDULED


@task(name="wake-case-run", cache_policy=NO_CACHE, persist_result=False, retries=2)
@inject_uow
def wake(flow_run_id: UUID, *, uow: UnitOfWork = INJECTED) -> bool:
    """Wake one case run (see `wake_case_run`)."""
    return wake_case_run(flow_run_id, at=uow.clock())


@task(name="list-outstanding-closures", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def outstanding_closure_runs(*, uow: UnitOfWork = INJECTED) -> list[UUID]:
    """The runs of open cases with a closure request not yet carried out."""
    with uow.transaction() as session:
        return closure_requests.list_outstanding_runs(session=session)
