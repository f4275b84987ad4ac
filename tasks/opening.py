"""Opening a case: the case record (or a further referral on an open one), its allocation, and
the flow run's name and tags."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from prefect import get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.runtime import flow_run
from pydantic import ValidationError

from models.allocation import allocate_referral
from models.case import CaseHandle
from models.intake import ReceivedReferral
from models.referral import Referral, RefusalReason, refusal_reasons, validate_referral
from store import referrals
from store.unit_of_work import INJECTED, UnitOfWork, inject_uow
from tasks.caching import STABLE_CACHE
from tasks.sweep import local_day

REFERRAL_REFUSED = "Referral refused"


@task(name="check-referral", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def check_referral(
    referral: Referral | Mapping[str, Any], *, uow: UnitOfWork = INJECTED
) -> Referral | tuple[RefusalReason, ...]:
    """The referral validated as of today, or why it is refused (the fields and problems only).

    A refused referral is an outcome, not a failure: nothing here raises, and nothing typed (a
    child's name or date of birth) reaches a log line.
    """
    data = referral.model_dump() if isinstance(referral, Referral) else dict(referral)
    try:
        return validate_referral(data, today=local_day(uow.clock()))
    except ValidationError as error:
        reasons = refusal_reasons(error)
        fields = ", ".join(reason.field for reason in reasons)
        get_run_logger().warning("%s: the problems are in %s", REFERRAL_REFUSED, fields)
        return reasons


@task(name="refuse-referral", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def refuse_referral(reasons: Sequence[RefusalReason], *, uow: UnitOfWork = INJECTED) -> str:
    """Name the run as refused (no personal data) and put the reasons on it as an artifact."""
    name = f"{REFERRAL_REFUSED} {local_day(uow.clock())}"
    run_id = flow_run.get_id()
    if run_id is not None:
        with get_client(sync_client=True) as client:
            client.update_flow_run(UUID(run_id), name=name)
    create_table_artifact(
        key="referral-refused",
        table=[{"Field": reason.field, "Problem": reason.problem} for reason in reasons],
        description=f"{REFERRAL_REFUSED}: no case was opened. Correct these fields and send "
        "the referral again.",
    )
    return name


@task(name="receive-referral", cache_policy=STABLE_CACHE, persist_result=True)
@inject_uow
def receive_referral(referral: Referral, *, uow: UnitOfWork = INJECTED) -> ReceivedReferral:
    """Open the case for this referral (EA 1996 s436A), or record it on the open case of the
    same child; a replay returns what the first call did."""
    now = uow.clock()
    run_id = flow_run.get_id()
    if run_id is None:
        raise RuntimeError("a referral is received by a cme-case flow run")
    # By the home postcode, else the last school's DSPL area (its URN in `[schools]`), else the
    # team lead: a child of no fixed abode or abroad is still allocated.
    allocation = allocate_referral(referral, config=uow.config)
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
            allocation=allocation,
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
