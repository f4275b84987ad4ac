"""Statutory notices served: the deemed date of service and the period that runs from it."""

from __future__ import annotations

from datetime import date

from prefect import task

from models.calendar import ServiceMethod, deemed_service_date
from models.case import CaseHandle
from models.deadlines import DeadlineStep, due_date
from models.enums import Stage
from tasks import case_store
from tasks.caching import STABLE_CACHE
from tasks.database import session_scope
from tasks.recording import AUTOMATION
from tasks.runtime import runtime, utcnow


@task(name="record-notice-served", cache_policy=STABLE_CACHE, persist_result=True)
def record_notice_served(
    case: CaseHandle,
    stage: Stage,
    step: DeadlineStep,
    notice: str,
    method: ServiceMethod,
    sent_on: date,
    period_days: int | None,
) -> date:
    """Record service of a notice and move the stage's clock to the end of the period it starts.

    The period runs from the deemed date of service, not the posting date (EA 1996 s572;
    Interpretation Act 1978 s7). `period_days` may lengthen a statutory period, never shorten it.
    """
    calendar = runtime().calendar
    deemed = deemed_service_date(sent_on, method, calendar.bank_holidays, calendar.service_rules)
    rule = calendar.deadlines[step]
    if period_days is not None and period_days > rule.amount:
        rule = rule.model_copy(update={"amount": period_days})
    ends = due_date(
        rule,
        deemed,
        bank_holidays=calendar.bank_holidays,
        school_calendar=calendar.school_calendar,
    )
    with session_scope(runtime().engine) as session:
        case_store.set_stage_due(
            session=session,
            case_id=case.case_id,
            stage=stage,
            due_on=ends,
            at=utcnow(),
            actor=AUTOMATION,
            reason=f"{notice} served",
            details={
                "notice": notice,
                "method": method.value,
                "sent_on": sent_on.isoformat(),
                "deemed_served_on": deemed.isoformat(),
                "period": f"{rule.amount} {rule.unit.value}",
                "ends_on": ends.isoformat(),
            },
        )
    return ends
