"""Scheduling a crashed case run again, a bounded number of times."""

from __future__ import annotations

from uuid import UUID

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import StateType
from prefect.client.schemas.responses import OrchestrationResult, SetStateStatus
from prefect.states import Scheduled

from store.unit_of_work import INJECTED, UnitOfWork, inject_uow


@task(name="reschedule-crashed-run", cache_policy=NO_CACHE, persist_result=False, retries=3,
      retry_delay_seconds=[5, 30, 120])  # fmt: skip
@inject_uow
def reschedule_crashed_run(flow_run_id: UUID, *, uow: UnitOfWork = INJECTED) -> bool:
    """Put a Crashed run back to Scheduled ("AwaitingRetry", as the UI's Retry does).

    Only while it has crashed at most `crash_retries` times: a run that keeps crashing is a bug,
    left Crashed for the team lead (who was emailed at each crash) to retry from the UI.
    """
    limit = uow.settings.crash_retries
    logger = get_run_logger()
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(flow_run_id)
        if run.state is None or run.state.type is not StateType.CRASHED:
            logger.info("Run %s is no longer Crashed; nothing to do.", flow_run_id)
            return False
        crashes = sum(1 for state in client.read_flow_run_states(flow_run_id) if state.is_crashed())
        if crashes > limit:
            logger.warning(
                "Run %s has crashed %d times (limit %d); left for the team lead.",
                flow_run_id,
                crashes,
                limit,
            )
            return False
        result: OrchestrationResult[None] = client.set_flow_run_state(
            flow_run_id,
            Scheduled(name="AwaitingRetry", message=f"Started again after crash {crashes}"),
        )
        if result.status is not SetStateStatus.ACCEPT:
            logger.warning("The server refused to schedule run %s again: %s", flow_run_id, result)
            return False
        logger.info("Run %s scheduled again after crash %d of %d.", flow_run_id, crashes, limit)
        return True
