"""A further referral about a child whose case is open: recorded on that case, its officer told,
any safeguarding indicator escalated at once, and this run named for the case it joined.

The case's own run is not touched: it keeps waiting for its officer, who reads the new referral
from the link in the email (the referral is this run's parameters) and the case history.
"""

from __future__ import annotations

from uuid import UUID

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client

from models.intake import ReceivedReferral
from models.referral import Referral
from models.replay_keys import further_referral_officer_key, further_referral_origin
from store.unit_of_work import INJECTED, UnitOfWork, inject_uow
from tasks.caching import STABLE_CACHE
from tasks.notify import notify
from tasks.screening import escalate


@task(name="screen-further-referral", cache_policy=STABLE_CACHE, persist_result=True)
def screen_further_referral(intake: ReceivedReferral, referral: Referral) -> list[str]:
    """The same safeguarding screen as a first referral: any indicator escalates at once, once
    for this referral (the case's earlier escalations do not stand in for it)."""
    indicators = sorted(set(referral.safeguarding_indicators))
    if indicators:
        escalate(intake.case, indicators, further_referral_origin(intake.referral_id))
    return [indicator.value for indicator in indicators]


@task(name="tell-officer-of-further-referral", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def tell_officer(
    intake: ReceivedReferral,
    referral: Referral,
    referral_run_id: UUID,
    *,
    uow: UnitOfWork = INJECTED,
) -> None:
    """Email the case's officer that a further referral was recorded on their case."""
    case = intake.case
    match = intake.matches[0] if intake.matches else None
    notify(
        case=case,
        natural_key=further_referral_officer_key(case.reference, intake.referral_id),
        kind="further_referral",
        recipients=[uow.config.person(case.officer_id).email],
        template="further_referral",
        context={
            "officer_name": uow.config.person(case.officer_id).display_name,
            "received_on": referral.received_on.isoformat(),
            "referrer": referral.referrer_type.label,
            "score": f"{match.score:.2f}" if match else "",
            "reasons": list(match.reasons) if match else [],
            "indicators": [i.label for i in sorted(set(referral.safeguarding_indicators))],
            "referral_link": f"{uow.settings.ui_url}/runs/flow-run/{referral_run_id}",
        },
    )


@task(name="label-further-referral-run", cache_policy=STABLE_CACHE, persist_result=True)
def label_further_referral_run(intake: ReceivedReferral, referral_run_id: UUID) -> str:
    """Name this run for the case it joined ("CME-2026-00042 further referral"); never the child."""
    case = intake.case
    name = f"{case.reference} further referral"
    tags = {"cme-further-referral", f"officer:{case.officer_id}", f"case:{case.reference}"}
    with get_client(sync_client=True) as client:
        current = client.read_flow_run(referral_run_id)
        client.update_flow_run(referral_run_id, name=name, tags=sorted(tags | set(current.tags)))
    return name
