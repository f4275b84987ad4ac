"""Recording the case's progress in the case database: stages, clocks, decisions, closure.

Every function here is safe to call again when a resumed flow replays from the top: what the
database already records is returned as it is, and nothing is written twice.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.input import keyset_from_paused_state, read_flow_run_input
from prefect.states import Suspended

from models.case import CaseHandle, StageResult
from models.deadlines import DeadlineStep
from models.enums import CaseStatus, Stage
from models.regime import FORMAL_STAGE
from models.timeline_rules import Timeline
from store import cases, decisions, regime, stages
from store.unit_of_work import INJECTED, UnitOfWork, inject_uow
from tasks.caching import STABLE_CACHE
from tasks.sweep import local_day

AUTOMATION = "cme-automation"

# The clock each stage starts with (docs/domain.md#periods, #local-targets); later steps in a
# stage move it.
STAGE_CLOCKS: dict[Stage, DeadlineStep] = {
    Stage.REFERRAL_CHECK: DeadlineStep.REASONABLE_ENQUIRIES,
    Stage.HOME_VISIT: DeadlineStep.HOME_VISIT,
    Stage.SCHOOL_PLACE_SUPPORT: DeadlineStep.SCHOOL_PLACE_APPLICATION,
    Stage.EDUCATION_ENQUIRY: DeadlineStep.EDUCATION_ENQUIRY_DECISION,
    Stage.SAO_NOTICE: DeadlineStep.S438_PARENT_CHOICE,
    Stage.PROSECUTION_REFERRAL: DeadlineStep.ESO_CONSIDERATION,
    Stage.PERIODIC_REVIEW: DeadlineStep.PERIODIC_REVIEW,
}


@inject_uow
def recorded_stage_result(
    case: CaseHandle, stage: Stage, *, uow: UnitOfWork = INJECTED
) -> StageResult | None:
    """How a stage ended, if the case database says it has."""
    with uow.transaction() as session:
        record = stages.get_stage(session=session, case_id=case.case_id, stage=stage)
        if record is None or record.completed_at is None or record.outcome is None:
            return None
        return StageResult.decode(record.outcome)


@inject_uow
def recorded_decision(
    case: CaseHandle, key: str, *, uow: UnitOfWork = INJECTED
) -> dict[str, Any] | None:
    """The values of a decision already recorded under this key."""
    with uow.transaction() as session:
        decision = decisions.get_decision(session=session, case_id=case.case_id, key=key)
        return None if decision is None else dict(decision.values)


@task(name="begin-stage", cache_policy=STABLE_CACHE, persist_result=True)
@inject_uow
def begin_stage(case: CaseHandle, stage: Stage, *, uow: UnitOfWork = INJECTED) -> date | None:
    """Start a stage once, with its due date from the configured table; returns the due date."""
    now = uow.clock()
    due = uow.due_on(STAGE_CLOCKS[stage], now.date())
    with uow.transaction() as session:
        record = stages.start_stage(
            session=session, case_id=case.case_id, stage=stage, started_at=now, due_on=due
        )
        if stage is FORMAL_STAGE:
            # By the day the stage began, in the same transaction: never a formal stage without
            # the law it runs under.
            regime.choose_case_regime(
                session=session,
                case_id=case.case_id,
                regimes=uow.regimes,
                begins_on=local_day(record.started_at),
                at=record.started_at,
            )
        return record.due_on


@task(name="case-timeline", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def case_timeline(case: CaseHandle, stage: Stage, *, uow: UnitOfWork = INJECTED) -> Timeline:
    """The day `stage` began and today (in England), read afresh each time: a decision is checked
    against the day it is given, which on a resumed run is not the day the run first asked."""
    with uow.transaction() as session:
        record = stages.get_stage(session=session, case_id=case.case_id, stage=stage)
        assert record is not None, f"{stage.value}: the stage has not begun"
        began = local_day(record.started_at)
    return Timeline(stage_began=began, today=local_day(uow.clock()))


@task(name="set-stage-clock", cache_policy=STABLE_CACHE, persist_result=True)
@inject_uow
def set_stage_clock(
    case: CaseHandle,
    stage: Stage,
    step: DeadlineStep,
    start: date,
    school_urn: str | None = None,
    *,
    uow: UnitOfWork = INJECTED,
) -> date:
    """Move a stage's due date to the next step's clock, counted from `start`."""
    due = uow.due_on(step, start, school_urn)
    with uow.transaction() as session:
        stages.set_stage_due(
            session=session,
            case_id=case.case_id,
            stage=stage,
            due_on=due,
            reason=f"clock: {step.value}",
            details={"step": step.value, "from": start.isoformat(), "due_on": due.isoformat()},
            at=uow.clock(),
            actor=AUTOMATION,
        )
    return due


@task(name="record-decision", cache_policy=STABLE_CACHE, persist_result=True)
@inject_uow
def record_decision(
    case: CaseHandle,
    stage: Stage,
    key: str,
    officer_id: str,
    values: dict[str, Any],
    *,
    uow: UnitOfWork = INJECTED,
) -> None:
    """Store an officer's decision (who, when, what) and its case event, once per key."""
    with uow.transaction() as session:
        decisions.record_decision(
            session=session,
            case_id=case.case_id,
            stage=stage,
            key=key,
            officer_id=officer_id,
            values=values,
            decided_at=uow.clock(),
        )


@task(name="finish-stage", cache_policy=STABLE_CACHE, persist_result=True)
@inject_uow
def finish_stage(
    case: CaseHandle, stage: Stage, result: StageResult, actor: str, *, uow: UnitOfWork = INJECTED
) -> None:
    """Complete the stage with its result; a closure closes the case in the same transaction."""
    now = uow.clock()
    with uow.transaction() as session:
        stages.complete_stage(
            session=session,
            case_id=case.case_id,
            stage=stage,
            outcome=result.encode(),
            completed_at=now,
        )
        if result.closure is not None:
            cases.close_case(
                session=session,
                case_id=case.case_id,
                outcome=result.closure,
                closed_at=now,
                actor=actor,
                reason=f"{stage.value}: {result.closure.label}",
            )


@task(name="set-case-status", cache_policy=STABLE_CACHE, persist_result=True)
@inject_uow
def set_case_status(
    case: CaseHandle, status: CaseStatus, reason: str, *, uow: UnitOfWork = INJECTED
) -> None:
    with uow.transaction() as session:
        cases.set_case_status(
            session=session,
            case_id=case.case_id,
            status=status,
            at=uow.clock(),
            actor=AUTOMATION,
            reason=reason,
        )


def answer_key(pause_key: str) -> str:
    """Where Prefect stores the answer to a form suspended under `pause_key`: derived from the
    state suspend_flow_run proposes, as Prefect itself derives it, not from a copy of its format."""
    return keyset_from_paused_state(Suspended(pause_key=pause_key))["response"]


def has_answer(pause_key: str) -> bool:
    """Whether the officer has already answered the form suspended under this key."""
    return read_flow_run_input(answer_key(pause_key)) is not None
