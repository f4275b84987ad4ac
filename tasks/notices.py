"""Statutory notices served: the deemed date of service and the period that runs from it."""

from __future__ import annotations

from datetime import date

from prefect import task

from models.calendar import ServiceMethod
from models.case import CaseHandle
from models.deadlines import DeadlineStep
from models.enums import Stage
from models.letters import notice_period
from store import stages
from store.unit_of_work import INJECTED, UnitOfWork, inject_uow
from tasks.caching import STABLE_CACHE
from tasks.recording import AUTOMATION


@task(name="record-notice-served", cache_policy=STABLE_CACHE, persist_result=True)
@inject_uow
def record_notice_served(
    case: CaseHandle,
    stage: Stage,
    step: DeadlineStep,
    notice: str,
    method: ServiceMethod,
    sent_on: date,
    period_days: int | None,
    *,
    uow: UnitOfWork = INJECTED,
) -> date:
    """Record service of a notice and move the stage's clock to the end of the period it starts.

    The period runs from the deemed date of service, not the posting date (EA 1996 s572;
    Interpretation Act 1978 s7). `period_days` may lengthen a statutory period, never shorten it.
    """
    # The same computation as the letter's dates (models/letters.py), so the two always agree.
    period = notice_period(uow.calendar, step, method, sent_on, period_days)
    deemed, ends = period.deemed_served_on, period.ends_on
    with uow.transaction() as session:
        stages.set_stage_due(
            session=session,
            case_id=case.case_id,
            stage=stage,
            due_on=ends,
            at=uow.clock(),
            actor=AUTOMATION,
            reason=f"{notice} served",
            details={
                "notice": notice,
                "method": method.value,
                "sent_on": sent_on.isoformat(),
                "deemed_served_on": deemed.isoformat(),
                "period": f"{period.amount} {period.unit}",
                "ends_on": ends.isoformat(),
            },
        )
    return ends
