"""Opening a case: the case record (or a further referral on an open one), its allocation, and
the flow run's name and tags."""

from __future__ import annotations

from uuid import UUID

from prefect import task
from prefect.client.orchestration import get_client
from prefect.runtime import flow_run

from models.allocation import allocate
from models.case import CaseHandle
from models.intake import ReceivedReferral
from models.referral import Referral, validate_referral
from store import referrals
from store.unit_of_work import INJECTED, UnitOfWork, inject_uow
from tasks.caching import STABLE_CACHE


@task(name="receive-referral", cache_policy=STABLE_CACHE, persist_result=True)
@inject_uow
def receive_referral(referral: Referral, *, uow: UnitOfWork = INJECTED) -> ReceivedReferral:
    """Open the case for this referral (EA 1996 s436A), or record it on the open case of the
    same child; a replay returns what the first call did."""
    now = uow.clock()
    # The form cannot know today's date; a referral dated in the future is refused here.
    validate_referral(referral.model_dump(), today=now.date())
    run_id = flow_run.get_id()
    if run_id is None:
        raise RuntimeError("a referral is received by a cme-case flow run")
    allocation = allocate(postcode=referral.postcode, config=uow.config)
    with uow.transaction() as session:
        receipt = referrals.receive_referral(
            session=session,
            referral=referral,
            flow_run_id=UUID(run_id),
            thresholds=uow.config.matching.thresholds,
            officer_id=allocation.officer_id,
            dspl_area=allocation.dspl_area,
            config_version=uow.config.version,
            received_at=now,
            actor="cme-automation",
        )
        case = receipt.case
        return ReceivedReferral(
            case=CaseHandle(
                case_id=case.id,
                reference=case.reference,
                officer_id=case.officer_id,
                dspl_area=case.dspl_area,
                flow_run_id=case.flow_run_id,
            ),
            further_referral=receipt.further_referral,
            referral_id=receipt.referral.id,
            matches=receipt.matches,
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
