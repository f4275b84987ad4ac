"""Read models of the reports: the caseload, the open-cases pages and the DfE CME return.

Each query reads across cases and stages (or decisions) for one report, and returns the report's
own pure rows (models/caseload.py, models/dfe_return.py), never ORM objects. Like the rest of
store/, every function takes the caller's session and never commits.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from models.caseload import CaseRow, OpenCaseLine, StageRow
from models.dfe_return import AcademicYear, CmeEpisode, Finding, SupportDecision
from models.enums import AgencyKind, CaseStatus, Stage
from store.orm import Case, Decision, StageRecord

# --- Caseload -------------------------------------------------------------------------------------


def read_caseload(
    *, session: Session, period_start: datetime
) -> tuple[list[CaseRow], list[StageRow]]:
    """Every open case and every case closed since ``period_start``, with their stages.

    Args:
        session: The caller's session.
        period_start: The start of the report's period (aware).

    Returns:
        The case rows (in id order) and their stage rows (in id order).
    """
    in_report = or_(Case.status != CaseStatus.CLOSED, Case.closed_at >= period_start)
    cases = [
        CaseRow(
            reference=row.reference,
            flow_run_id=row.flow_run_id,
            officer_id=row.officer_id,
            dspl_area=row.dspl_area,
            status=row.status,
            current_stage=row.current_stage,
            opened_at=row.opened_at,
            closed_at=row.closed_at,
            closure_outcome=row.closure_outcome,
        )
        for row in session.execute(
            select(
                Case.reference,
                Case.flow_run_id,
                Case.officer_id,
                Case.dspl_area,
                Case.status,
                Case.current_stage,
                Case.opened_at,
                Case.closed_at,
                Case.closure_outcome,
            )
            .where(in_report)
            .order_by(Case.id)
        )
    ]
    stages = [
        StageRow(
            reference=row.reference,
            stage=row.name,
            started_at=row.started_at,
            due_on=row.due_on,
            completed_at=row.completed_at,
            clock_paused_at=row.clock_paused_at,
        )
        for row in session.execute(
            select(
                Case.reference,
                StageRecord.name,
                StageRecord.started_at,
                StageRecord.due_on,
                StageRecord.completed_at,
                StageRecord.clock_paused_at,
            )
            .join(Case, Case.id == StageRecord.case_id)
            .where(in_report)
            .order_by(StageRecord.id)
        )
    ]
    return cases, stages


def read_support_decisions(*, session: Session) -> dict[str, list[dict[str, Any]]]:
    """The support-to-a-school-place decisions of every open case, in the order they were made,
    by case reference (for the caseload's steps and days waiting; no child data)."""
    rows = session.execute(
        select(Case.reference, Decision.values)
        .join(Case, Case.id == Decision.case_id)
        .where(Decision.stage == Stage.SCHOOL_PLACE_SUPPORT, Case.status != CaseStatus.CLOSED)
        .order_by(Decision.id)
    )
    found: dict[str, list[dict[str, Any]]] = {}
    for reference, values in rows:
        if isinstance(values, dict):
            found.setdefault(reference, []).append(values)
    return found


# --- Open-cases pages -----------------------------------------------------------------------------


def list_open_case_lines(*, session: Session) -> list[OpenCaseLine]:
    """Every case not closed, with its current stage's due date; earliest deadline first."""
    current = and_(
        StageRecord.case_id == Case.id,
        StageRecord.name == Case.current_stage,
        StageRecord.completed_at.is_(None),
    )
    rows = session.execute(
        select(Case, StageRecord)
        .outerjoin(StageRecord, current)
        .where(Case.status != CaseStatus.CLOSED)
        .order_by(Case.opened_at, Case.id)
    ).all()
    cases = [
        OpenCaseLine(
            reference=case.reference,
            flow_run_id=case.flow_run_id,
            officer_id=case.officer_id,
            stage=case.current_stage,
            due_on=stage.due_on if stage is not None else None,
            clock_paused=stage is not None and stage.clock_paused_at is not None,
            status=case.status,
            opened_at=case.opened_at,
        )
        for case, stage in rows
    ]
    # Undated stages last; among equals the oldest case first (the sort is stable).
    return sorted(cases, key=lambda c: (c.due_on is None, c.due_on or date.min))


# --- DfE CME return -------------------------------------------------------------------------------


def _may_count(*, as_of: datetime, active_from: datetime) -> ColumnElement[bool]:
    # A superset of what can count: opened by as_of, and not closed before the previous year began.
    return and_(
        Case.opened_at <= as_of, or_(Case.closed_at.is_(None), Case.closed_at >= active_from)
    )


def list_cme_episodes(*, session: Session, census_date: date, as_of: datetime) -> list[CmeEpisode]:
    """Every case that may count in the return for ``census_date``, with the facts the rules need.

    Args:
        session: The caller's session.
        census_date: The census day.
        as_of: The instant the return is as at (aware); later cases are not read.

    Returns:
        One episode per case opened by ``as_of`` and not closed before the previous academic year.
    """
    first_day = AcademicYear.containing(census_date).previous.first_day
    # A day early in UTC, so no case closed on that day in England is missed; the rules decide.
    active_from = datetime.combine(first_day - timedelta(days=1), time(), tzinfo=UTC)
    cases = session.scalars(
        select(Case)
        .where(_may_count(as_of=as_of, active_from=active_from))
        .options(joinedload(Case.child), selectinload(Case.referrals))
        .order_by(Case.id)
    ).unique()
    findings: dict[int, list[Finding]] = {}
    decisions = session.execute(
        select(Decision.case_id, Decision.values, Decision.decided_at)
        .join(Case, Case.id == Decision.case_id)
        .where(
            Decision.stage == Stage.HOME_VISIT,
            Decision.decided_at <= as_of,
            _may_count(as_of=as_of, active_from=active_from),
        )
    )
    for case_id, values, decided_at in decisions:
        finding = values.get("finding") if isinstance(values, dict) else None
        if isinstance(finding, str):
            findings.setdefault(case_id, []).append(Finding(finding, decided_at))
    support: dict[int, list[SupportDecision]] = {}
    support_decisions = session.execute(
        select(Decision.case_id, Decision.values, Decision.decided_at)
        .join(Case, Case.id == Decision.case_id)
        .where(
            Decision.stage == Stage.SCHOOL_PLACE_SUPPORT,
            Decision.decided_at <= as_of,
            _may_count(as_of=as_of, active_from=active_from),
        )
        .order_by(Decision.id)
    )
    for case_id, values, decided_at in support_decisions:
        if isinstance(values, dict):
            support.setdefault(case_id, []).append(SupportDecision(values, decided_at))
    return [_episode(case, findings.get(case.id, []), support.get(case.id, [])) for case in cases]


def _episode(case: Case, findings: list[Finding], support: list[SupportDecision]) -> CmeEpisode:
    referral = min(case.referrals, key=lambda r: (r.received_on, r.id), default=None)
    payload: dict[str, Any] = referral.payload if referral is not None else {}
    agency = payload.get("agency_kind")
    return CmeEpisode(
        reference=case.reference,
        upn=case.child.upn,
        forenames=case.child.forenames,
        surname=case.child.surname,
        date_of_birth=case.child.date_of_birth,
        sex=case.child.sex,
        opened_at=case.opened_at,
        received_on=referral.received_on if referral is not None else None,
        closed_at=case.closed_at,
        closure_outcome=case.closure_outcome,
        closing_stage=case.current_stage,
        agency_kind=AgencyKind(agency) if agency in set(AgencyKind) else None,
        destination_country=payload.get("destination_country") or None,
        destination_local_authority=payload.get("destination_local_authority") or None,
        findings=tuple(findings),
        support=tuple(support),
    )
