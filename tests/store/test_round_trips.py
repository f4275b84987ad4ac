"""Every table keeps what is written to it, and timestamps come back timezone-aware in UTC."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from models.case_record import event_hash
from models.enums import CaseStatus, ClosureOutcome, ReferrerType, Sex, Stage
from store.database import session_scope
from store.orm import (
    AppendOnlyError,
    Case,
    CaseEvent,
    CaseReferenceSequence,
    Child,
    Decision,
    Notification,
    ReferralRecord,
    StageRecord,
)

# 10:30 in London during British Summer Time is 09:30 UTC.
BST = timezone(timedelta(hours=1))
OPENED_AT = datetime(2026, 7, 1, 10, 30, tzinfo=BST)
OPENED_AT_UTC = datetime(2026, 7, 1, 9, 30, tzinfo=UTC)
LATER = datetime(2026, 7, 8, 16, 0, 0, 123456, tzinfo=UTC)
FLOW_RUN_ID = uuid.UUID("0b6c2a52-3c1e-4a7e-9d55-6c43b3f0a001")


def _write_one_of_everything(engine: Engine) -> int:
    with session_scope(engine) as session:
        session.add(CaseReferenceSequence(year=2026, last_number=41))
        child = Child(
            forenames="Alex Sample",
            surname="Testchild",
            aliases=["Alex Example", "A. Sample"],
            date_of_birth=date(2015, 3, 14),
            sex=Sex.NOT_KNOWN,
            upn="A12345678901B",
            address="1 Example Street, St Albans",
            postcode="AL1 3ER",
        )
        case = Case(
            reference="CME-2026-00042",
            status=CaseStatus.CLOSED,
            current_stage=Stage.HOME_VISIT,
            officer_id="cme-officer-dspl-1-5",
            dspl_area=3,
            opened_at=OPENED_AT,
            closed_at=LATER,
            closure_outcome=ClosureOutcome.FOUND_ON_ROLL,
            flow_run_id=FLOW_RUN_ID,
            config_version="2026.1",
            process_version=2,
            child=child,
        )
        session.add(case)
        session.flush()
        session.add_all(
            [
                ReferralRecord(
                    case_id=case.id,
                    received_on=date(2026, 7, 1),
                    referrer_type=ReferrerType.SCHOOL,
                    payload={"child_surname": "Testchild", "parents": [{"name": "Sam"}]},
                    recorded_at=OPENED_AT,
                ),
                StageRecord(
                    case_id=case.id,
                    name=Stage.HOME_VISIT,
                    started_at=OPENED_AT,
                    due_on=date(2026, 7, 8),
                    completed_at=LATER,
                    outcome="child_seen",
                    clock_paused_at=OPENED_AT,
                    clock_pause_reason="family abroad for a funeral",
                ),
                Decision(
                    case_id=case.id,
                    stage=Stage.HOME_VISIT,
                    key="home_visit:outcome",
                    officer_id="cme-officer-dspl-1-5",
                    values={"outcome": "child_seen", "notes": None, "visits": 2},
                    decided_at=LATER,
                ),
                CaseEvent(
                    case_id=case.id,
                    sequence=1,
                    occurred_at=OPENED_AT,
                    actor="system",
                    kind="case_opened",
                    payload={"reference": "CME-2026-00042"},
                    previous_hash=None,
                    hash=event_hash(
                        reference="CME-2026-00042",
                        sequence=1,
                        occurred_at=OPENED_AT,
                        actor="system",
                        kind="case_opened",
                        payload={"reference": "CME-2026-00042"},
                        previous_hash=None,
                    ),
                ),
                Notification(
                    case_id=case.id,
                    natural_key="CME-2026-00042:home_visit:reminder:1",
                    kind="reminder",
                    recipients=["cme.officer.1@example.gov.uk"],
                    subject="CME-2026-00042: home visit due",
                    claimed_at=OPENED_AT,
                    sent_at=LATER,
                    attempts=2,
                    last_attempt_at=LATER,
                    last_error="421 try again later",
                ),
            ]
        )
        return case.id


def test_every_table_reads_back_what_was_written(engine: Engine) -> None:
    case_id = _write_one_of_everything(engine)

    with Session(engine) as session:
        sequence = session.get(CaseReferenceSequence, 2026)
        case = session.get(Case, case_id)
        assert sequence is not None and case is not None
        referral = session.scalars(select(ReferralRecord)).one()
        stage = session.scalars(select(StageRecord)).one()
        decision = session.scalars(select(Decision)).one()
        event = session.scalars(select(CaseEvent)).one()
        notification = session.scalars(select(Notification)).one()

        assert sequence.last_number == 41
        assert (case.reference, case.status, case.current_stage) == (
            "CME-2026-00042",
            CaseStatus.CLOSED,
            Stage.HOME_VISIT,
        )
        assert (case.officer_id, case.dspl_area, case.config_version, case.process_version) == (
            "cme-officer-dspl-1-5",
            3,
            "2026.1",
            2,
        )
        assert case.closure_outcome is ClosureOutcome.FOUND_ON_ROLL
        assert case.flow_run_id == FLOW_RUN_ID
        assert case.child.aliases == ["Alex Example", "A. Sample"]
        assert (case.child.date_of_birth, case.child.sex, case.child.upn) == (
            date(2015, 3, 14),
            Sex.NOT_KNOWN,
            "A12345678901B",
        )
        assert referral.payload == {"child_surname": "Testchild", "parents": [{"name": "Sam"}]}
        assert referral.referrer_type is ReferrerType.SCHOOL
        assert (stage.name, stage.due_on, stage.outcome) == (
            Stage.HOME_VISIT,
            date(2026, 7, 8),
            "child_seen",
        )
        assert stage.clock_pause_reason == "family abroad for a funeral"
        assert decision.values == {"outcome": "child_seen", "notes": None, "visits": 2}
        assert event.payload == {"reference": "CME-2026-00042"}
        assert notification.recipients == ["cme.officer.1@example.gov.uk"]
        assert (notification.attempts, notification.last_error) == (2, "421 try again later")


def test_timestamps_come_back_aware_in_utc_as_the_same_instant(engine: Engine) -> None:
    case_id = _write_one_of_everything(engine)

    with Session(engine) as session:
        case = session.get(Case, case_id)
        assert case is not None
        stage = session.scalars(select(StageRecord)).one()
        notification = session.scalars(select(Notification)).one()
        timestamps = [
            case.opened_at,
            case.closed_at,
            case.referrals[0].recorded_at,
            stage.started_at,
            stage.completed_at,
            stage.clock_paused_at,
            session.scalars(select(Decision.decided_at)).one(),
            session.scalars(select(CaseEvent.occurred_at)).one(),
            notification.claimed_at,
            notification.sent_at,
            notification.last_attempt_at,
        ]

    assert all(value is not None and value.tzinfo is UTC for value in timestamps)
    assert case.opened_at == OPENED_AT_UTC
    assert case.opened_at.hour == 9
    assert stage.completed_at == LATER


def test_naive_datetime_is_refused_when_written(session: Session) -> None:
    session.add(
        CaseEvent(
            case_id=1,
            occurred_at=datetime(2026, 7, 1, 10, 30),
            actor="system",
            kind="note",
            payload={},
        )
    )

    with pytest.raises(StatementError, match="naive datetime 2026-07-01T10:30:00 refused"):
        session.flush()


def test_case_event_cannot_be_updated_or_deleted_through_the_orm(engine: Engine) -> None:
    _write_one_of_everything(engine)

    with Session(engine) as session:
        event = session.scalars(select(CaseEvent)).one()
        event.kind = "rewritten"
        with pytest.raises(AppendOnlyError, match="append-only"):
            session.flush()
        session.rollback()

        session.delete(session.scalars(select(CaseEvent)).one())
        with pytest.raises(AppendOnlyError, match="append-only"):
            session.flush()
