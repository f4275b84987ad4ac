"""Consent to withdraw (s434A): one request per deletion-return row, and a decision written once.

Runs on SQLite here and on PostgreSQL in CI's production pass (tests/store/conftest.py).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session

from store import imports, withdrawal_consent
from store.orm import WithdrawalConsent

AT = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def _row_id(session: Session) -> int:
    entry, _ = imports.receive_import(
        session=session, sha256="c" * 64, file_name="r.csv", kind="deletion_return", received_at=AT
    )
    claim = imports.claim_row(
        session=session,
        import_id=entry.id,
        row_number=2,
        natural_key="k" * 64,
        school_urn="999004",
        deletion_ground="f",
        route="consent_decision",
        outcome="consent_requested",
        reason="s434A",
        payload={"row": 2},
        recorded_at=AT,
    )
    return claim.row.id


def _request(session: Session, row_id: int) -> WithdrawalConsent:
    return withdrawal_consent.request_consent(
        session=session,
        intake_row_id=row_id,
        school_urn="999004",
        deletion_date=date(2026, 11, 13),
        conditions=["a_special_school"],
        sources=["Condition A: school URN 999004 is a configured special school"],
        requested_at=AT,
    )


def _decide(session: Session, consent_id: int, decision: str, by: str = "cme-officer-a") -> None:
    withdrawal_consent.record_decision(
        session=session,
        consent_id=consent_id,
        decision=decision,
        reasons="Discussed with the child's social worker.",
        decided_by=by,
        signed_in_as="officer.a",
        decided_on=date(2026, 11, 17),
        recorded_at=AT,
    )


def test_a_row_opens_one_request_and_its_run_is_noted(session: Session) -> None:
    row_id = _row_id(session)
    first = _request(session, row_id)
    again = _request(session, row_id)
    assert again.id == first.id
    assert first.reference == f"WC-2026-{first.id:05d}"
    assert first.conditions == ["a_special_school"]

    run = uuid.uuid4()
    withdrawal_consent.attach_consent_run(session=session, consent_id=first.id, flow_run_id=run)
    row, entry = withdrawal_consent.row_of(session=session, consent_id=first.id)
    assert row.id == row_id and entry.file_name == "r.csv"
    session.commit()
    session.expire_all()
    stored = withdrawal_consent.get_consent(session=session, consent_id=first.id)
    assert stored.flow_run_id == run
    assert [c.id for c in withdrawal_consent.list_consents(session=session, undecided_only=True)]


def test_a_decision_is_written_once_and_a_different_one_is_refused(session: Session) -> None:
    request = _request(session, _row_id(session))
    _decide(session, request.id, "consent_refused")
    _decide(session, request.id, "consent_refused")  # a replay: the same decision
    with pytest.raises(withdrawal_consent.ConsentAlreadyDecidedError, match="consent_refused"):
        _decide(session, request.id, "consent_given")
    with pytest.raises(withdrawal_consent.ConsentAlreadyDecidedError):
        _decide(session, request.id, "consent_refused", by="cme-officer-b")
    session.commit()
    session.expire_all()
    stored = withdrawal_consent.get_consent(session=session, consent_id=request.id)
    assert (stored.decision, stored.decided_on, stored.signed_in_as) == (
        "consent_refused",
        date(2026, 11, 17),
        "officer.a",
    )
    assert withdrawal_consent.list_consents(session=session, undecided_only=True) == []


def test_an_unknown_request_is_named(session: Session) -> None:
    with pytest.raises(withdrawal_consent.ConsentNotFoundError, match="no consent request 999"):
        withdrawal_consent.get_consent(session=session, consent_id=999)
