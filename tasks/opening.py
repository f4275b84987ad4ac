"""Opening a case: the case record, its allocation, and the flow run's name and tags."""

from __future__ import annotations

from uuid import UUID

from prefect import task
from prefect.client.orchestration import get_client
from prefect.runtime import flow_run

from models.allocation import allocate
from models.case import CaseHandle
from models.referral import Referral, validate_referral
from tasks import case_store
from tasks.caching import STABLE_CACHE
from tasks.database import session_scope
from tasks.runtime import runtime, utcnow


@task(name="open-case", cache_policy=STABLE_CACHE, persist_result=True)
def open_case(referral: Referral) -> CaseHandle:
    """Create the case record for this flow run (EA 1996 s436A), or return the one it created."""
    rt = runtime()
    now = utcnow()
    # The form cannot know today's date; a referral dated in the future is refused here.
    validate_referral(referral.model_dump(), today=now.date())
    run_id = flow_run.get_id()
    allocation = allocate(postcode=referral.postcode, config=rt.config)
    with session_scope(rt.engine) as session:
        case = case_store.open_case(
            session=session,
            referral=referral,
            flow_run_id=None if run_id is None else UUID(run_id),
            officer_id=allocation.officer_id,
            dspl_area=allocation.dspl_area,
            config_version=rt.config.version,
            opened_at=now,
            actor="cme-automation",
        )
        return CaseHandle(
            case_id=case.id,
            reference=case.reference,
            officer_id=case.officer_id,
            dspl_area=case.dspl_area,
            flow_run_id=case.flow_run_id,
        )


@task(name="label-flow-run", cache_policy=STABLE_CACHE, persist_result=True)
def label_flow_run(case: CaseHandle) -> None:
    """Name the run by its case reference and tag it with officer and area: never the child."""
    if case.flow_run_id is None:
        return
    tags = {"cme-case", f"officer:{case.officer_id}", f"dspl:{case.dspl_area or 'none'}"}
    with get_client(sync_client=True) as client:
        current = client.read_flow_run(case.flow_run_id)
        client.update_flow_run(
            case.flow_run_id, name=case.reference, tags=sorted(tags | set(current.tags))
        )
