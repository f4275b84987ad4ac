"""Consent to withdraw (s434A): the request a deletion-return row opens, and the team's decision.

One request per intake row, made in the row's own transaction; the decision is written once. A
second answer that agrees with the first is the same decision (a replayed run); one that differs
is refused, so a recorded best-interests decision is never silently overwritten.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.orm import IntakeImport, IntakeRow, WithdrawalConsent


class ConsentNotFoundError(LookupError):
    """No consent request with this id."""


class ConsentAlreadyDecidedError(ValueError):
    """A different decision is already recorded for this request."""


def request_consent(
    *,
    session: Session,
    intake_row_id: int,
    school_urn: str | None,
    deletion_date: date,
    conditions: Sequence[str],
    sources: Sequence[str],
    requested_at: datetime,
) -> WithdrawalConsent:
    """Open the row's consent request, once: the row's existing request is returned as it is."""
    existing = get_for_row(session=session, intake_row_id=intake_row_id)
    if existing is not None:
        return existing
    request = WithdrawalConsent(
        intake_row_id=intake_row_id,
        school_urn=school_urn,
        deletion_date=deletion_date,
        conditions=list(conditions),
        sources=list(sources),
        requested_at=requested_at,
    )
    session.add(request)
    session.flush()
    return request


def get_for_row(*, session: Session, intake_row_id: int) -> WithdrawalConsent | None:
    return session.scalars(
        select(WithdrawalConsent).where(WithdrawalConsent.intake_row_id == intake_row_id)
    ).one_or_none()


def get_consent(*, session: Session, consent_id: int) -> WithdrawalConsent:
    request = session.get(WithdrawalConsent, consent_id)
    if request is None:
        raise ConsentNotFoundError(f"no consent request {consent_id}")
    return request


def row_of(*, session: Session, consent_id: int) -> tuple[IntakeRow, IntakeImport]:
    """The deletion-return row a request came from, and its import."""
    request = get_consent(session=session, consent_id=consent_id)
    row = session.get(IntakeRow, request.intake_row_id)
    entry = session.get(IntakeImport, row.import_id) if row is not None else None
    if row is None or entry is None:
        raise ConsentNotFoundError(f"consent request {consent_id} has no import row")
    return row, entry


def attach_consent_run(*, session: Session, consent_id: int, flow_run_id: UUID) -> None:
    """Note the withdrawal-consent run that asks the team about this request."""
    get_consent(session=session, consent_id=consent_id).flow_run_id = flow_run_id


def record_decision(
    *,
    session: Session,
    consent_id: int,
    decision: str,
    reasons: str,
    decided_by: str,
    signed_in_as: str | None,
    decided_on: date,
    recorded_at: datetime,
) -> WithdrawalConsent:
    """Write the team's decision once; the same decision again is a no-op.

    Raises:
        ConsentAlreadyDecidedError: Another decision (or another day or person) is recorded.
    """
    request = get_consent(session=session, consent_id=consent_id)
    if request.decision is not None:
        if (request.decision, request.decided_by, request.decided_on) != (
            decision,
            decided_by,
            decided_on,
        ):
            raise ConsentAlreadyDecidedError(
                f"{request.reference}: a decision is already recorded ({request.decision})"
            )
        return request
    request.decision = decision
    request.reasons = reasons
    request.decided_by = decided_by
    request.signed_in_as = signed_in_as
    request.decided_on = decided_on
    request.recorded_at = recorded_at
    session.flush()
    return request


def list_consents(*, session: Session, undecided_only: bool = False) -> list[WithdrawalConsent]:
    query = select(WithdrawalConsent).order_by(WithdrawalConsent.id)
    if undecided_only:
        query = query.where(WithdrawalConsent.decision.is_(None))
    return list(session.scalars(query))
