"""Cases: opening (with the child and the referral as received), status and closure.

Every function takes the caller's session and never commits; creates are idempotent on a
natural key, so a resumed run that replays from the top writes nothing twice.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models.allocation import Allocation
from models.case import CaseHandle
from models.case_events import CaseClosed, CaseOpened, CaseStatusChanged
from models.enums import CaseStatus, ClosureOutcome
from models.referral import Referral
from store.case_events import append_event
from store.create_once import create_once
from store.guards import CaseNotFoundError, require_aware
from store.orm import (
    Case,
    CaseReferenceSequence,
    Child,
    ReferralRecord,
)


def open_case(
    *,
    session: Session,
    referral: Referral,
    flow_run_id: UUID | None,
    officer_id: str,
    dspl_area: int | None,
    config_version: str,
    opened_at: datetime,
    actor: str,
    allocation: Allocation | None = None,
) -> Case:
    """Open a case for a referral: child, referral as received, reference, "case_opened" event.

    Idempotent on ``flow_run_id``: a replay of the same flow run returns the case it opened.

    Args:
        session: The caller's session.
        referral: The referral as submitted; stored unchanged as JSON.
        flow_run_id: The Prefect flow run that is this case, if already known.
        officer_id: The CME officer the case is routed to (a role id, e.g. "cme-officer-dspl-1-5").
        dspl_area: The DSPL area (1-9) of the child's address, if known.
        config_version: The version of the team configuration the routing used.
        opened_at: When the case was opened (aware); its year numbers the reference.
        actor: Who or what opened it, for the case history.
        allocation: How the officer and area were chosen, kept so the summary can say why.

    Returns:
        The new case, or the existing case of ``flow_run_id``.
    """
    require_aware(opened_at=opened_at)
    if flow_run_id is not None:
        existing = get_case_by_flow_run(session=session, flow_run_id=flow_run_id)
        if existing is not None:
            return existing

    def create() -> Case:
        child = Child(
            forenames=referral.child_forenames,
            surname=referral.child_surname,
            aliases=list(referral.child_aliases),
            date_of_birth=referral.child_date_of_birth,
            sex=referral.child_sex,
            upn=referral.child_upn,
            address=referral.address,
            postcode=referral.postcode,
            no_address_reason=referral.no_address_reason,
        )
        case = Case(
            reference=_allocate_reference(session=session, year=opened_at.year),
            status=CaseStatus.OPEN,
            officer_id=officer_id,
            dspl_area=dspl_area,
            opened_at=opened_at,
            flow_run_id=flow_run_id,
            config_version=config_version,
            allocation=None if allocation is None else allocation.model_dump(mode="json"),
            child=child,
        )
        session.add(case)
        session.add(
            ReferralRecord(
                case=case,
                flow_run_id=flow_run_id,
                received_on=referral.received_on,
                referrer_type=referral.referrer_type,
                payload=referral.model_dump(mode="json"),
                recorded_at=opened_at,
            )
        )
        session.flush()
        # No child's name in the history: events are read widely and kept long.
        append_event(
            session=session,
            case_id=case.id,
            event=CaseOpened(reference=case.reference, officer_id=officer_id, dspl_area=dspl_area),
            actor=actor,
            occurred_at=opened_at,
        )
        return case

    if flow_run_id is None:
        return create()
    case, _created = create_once(
        session=session,
        create=create,
        reread=lambda: get_case_by_flow_run(session=session, flow_run_id=flow_run_id),
    )
    return case


def get_case(*, session: Session, reference: str) -> Case | None:
    """Find a case by its reference.

    Args:
        session: The caller's session.
        reference: e.g. "CME-2026-00042".

    Returns:
        The case, or None if no case has that reference.
    """
    return session.scalars(select(Case).where(Case.reference == reference)).one_or_none()


def require_case_by_reference(*, session: Session, reference: str) -> Case:
    """The case with this reference.

    Raises:
        CaseNotFoundError: No case has that reference.
    """
    case = get_case(session=session, reference=reference)
    if case is None:
        raise CaseNotFoundError(f"case {reference} is not in the case database")
    return case


def get_case_by_flow_run(*, session: Session, flow_run_id: UUID) -> Case | None:
    """Find the case a Prefect flow run is running.

    Args:
        session: The caller's session.
        flow_run_id: The flow run's id.

    Returns:
        The case, or None if no case is attached to that flow run.
    """
    return session.scalars(select(Case).where(Case.flow_run_id == flow_run_id)).one_or_none()


def attach_flow_run(*, session: Session, case_id: int, flow_run_id: UUID) -> None:
    """Record which Prefect flow run is running a case; set once, repeating it is a no-op.

    Args:
        session: The caller's session.
        case_id: The case.
        flow_run_id: The flow run's id.

    Raises:
        ValueError: The case already runs under a different flow run.
    """
    case = lock_case(session=session, case_id=case_id)
    if case.flow_run_id == flow_run_id:
        return
    if case.flow_run_id is not None:
        raise ValueError(
            f"flow_run_id: case {case.reference} already runs as flow run {case.flow_run_id}, "
            f"not {flow_run_id}"
        )
    case.flow_run_id = flow_run_id
    session.flush()


def set_case_status(
    *,
    session: Session,
    case_id: int,
    status: CaseStatus,
    at: datetime,
    actor: str,
    reason: str,
) -> Case:
    """Change a live case's status (open or under periodic review); an event records each change.

    Args:
        session: The caller's session.
        case_id: The case.
        status: The new status; closing goes through `close_case`.
        at: When it changed (aware).
        actor: Who changed it.
        reason: Why, for the case history.

    Returns:
        The case.

    Raises:
        ValueError: ``status`` is CLOSED, or the case is already closed.
    """
    require_aware(at=at)
    if status is CaseStatus.CLOSED:
        raise ValueError("status: a case is closed with close_case, which records the outcome")
    case = lock_case(session=session, case_id=case_id)
    if case.status is CaseStatus.CLOSED:
        raise ValueError(f"status: case {case.reference} is closed; its status cannot change")
    if case.status is status:
        return case
    previous = case.status
    case.status = status
    append_event(
        session=session,
        case_id=case_id,
        event=CaseStatusChanged(from_status=previous, to=status, reason=reason),
        actor=actor,
        occurred_at=at,
    )
    return case


def close_case(
    *,
    session: Session,
    case_id: int,
    outcome: ClosureOutcome,
    closed_at: datetime,
    actor: str,
    reason: str | None,
) -> Case:
    """Close a case with its outcome. The first closure wins; a replay changes nothing.

    Args:
        session: The caller's session.
        case_id: The case.
        outcome: Why it closed (docs/domain.md#outcomes).
        closed_at: When it closed (aware).
        actor: Who closed it.
        reason: Any note for the case history.

    Returns:
        The case, carrying the first closure's outcome.
    """
    require_aware(closed_at=closed_at)
    case = lock_case(session=session, case_id=case_id)
    if case.closed_at is not None:
        return case
    case.status = CaseStatus.CLOSED
    case.closed_at = closed_at
    case.closure_outcome = outcome
    append_event(
        session=session,
        case_id=case_id,
        event=CaseClosed(outcome=outcome, stage=case.current_stage, reason=reason),
        actor=actor,
        occurred_at=closed_at,
    )
    return case


def _allocate_reference(*, session: Session, year: int) -> str:
    # One row per year, incremented in place: the UPDATE's row lock serialises concurrent openings
    # on PostgreSQL (SQLite serialises writers anyway), so numbers are unique and without gaps.
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        insert_year: postgresql.Insert | sqlite.Insert = postgresql.insert(CaseReferenceSequence)
    elif dialect == "sqlite":
        insert_year = sqlite.insert(CaseReferenceSequence)
    else:
        raise NotImplementedError(f"case references are not implemented for {dialect}")
    session.execute(
        insert_year.values(year=year, last_number=0).on_conflict_do_nothing(index_elements=["year"])
    )
    number = session.execute(
        update(CaseReferenceSequence)
        .where(CaseReferenceSequence.year == year)
        .values(last_number=CaseReferenceSequence.last_number + 1)
        .returning(CaseReferenceSequence.last_number)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return f"CME-{year}-{number:05d}"


def require_case(*, session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise CaseNotFoundError(f"case_id: no case with id {case_id}")
    return case


def lock_case(*, session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id, with_for_update=True, populate_existing=True)
    if case is None:
        raise CaseNotFoundError(f"case_id: no case with id {case_id}")
    return case


def handle_of(case: Case) -> CaseHandle:
    """What a task passes around for a case: its ids, officer and area, not its details."""
    return CaseHandle(
        case_id=case.id,
        reference=case.reference,
        officer_id=case.officer_id,
        dspl_area=case.dspl_area,
        flow_run_id=case.flow_run_id,
    )
