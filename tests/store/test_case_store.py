"""The case store records each fact once, however often a resumed run replays it."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.allocation import Allocation, AllocationReason
from models.case_events import CaseEventPayload, PossibleDuplicate, SafeguardingEscalation
from models.enums import CaseStatus, ClosureOutcome, NoAddressReason, Stage
from store import case_events, cases, decisions, guards, notifications, stages
from store.database import session_scope
from store.orm import Case, CaseEvent, Child, Decision, Notification, ReferralRecord, StageRecord
from tests.factories import make_referral

OPENED_AT = datetime(2026, 11, 2, 9, 15, tzinfo=UTC)
OFFICER = "cme-officer-dspl-1-5"


def _open(session: Session, flow_run_id: uuid.UUID | None = None, **overrides: object) -> Case:
    return cases.open_case(
        session=session,
        referral=make_referral(**overrides),
        flow_run_id=flow_run_id,
        officer_id=OFFICER,
        dspl_area=2,
        config_version="2026.1",
        opened_at=OPENED_AT,
        actor="intake",
    )


def _event_kinds(session: Session, case_id: int) -> list[str]:
    return [event.kind for event in case_events.list_events(session=session, case_id=case_id)]


def _count(session: Session, model: type[object]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_open_case_records_child_referral_and_an_event_without_the_childs_name(
    engine: Engine,
) -> None:
    referral = make_referral()
    with session_scope(engine) as session:
        case = cases.open_case(
            session=session,
            referral=referral,
            flow_run_id=None,
            officer_id=OFFICER,
            dspl_area=2,
            config_version="2026.1",
            opened_at=OPENED_AT,
            actor="intake",
        )

    with Session(engine) as session:
        stored = cases.get_case(session=session, reference="CME-2026-00001")
        assert stored is not None and stored.id == case.id
        assert (stored.status, stored.officer_id, stored.dspl_area) == (CaseStatus.OPEN, OFFICER, 2)
        assert (stored.child.surname, stored.child.postcode) == ("Testchild", "AL1 3ER")
        assert stored.referrals[0].payload == referral.model_dump(mode="json")
        [event] = case_events.list_events(session=session, case_id=case.id)
        assert (event.kind, event.actor) == ("case_opened", "intake")
        assert event.payload == {
            "reference": "CME-2026-00001",
            "officer_id": OFFICER,
            "dspl_area": 2,
        }
        assert "Testchild" not in str(event.payload)


def test_references_number_cases_in_order_within_the_year_of_opening(session: Session) -> None:
    references = [_open(session).reference for _ in range(3)]
    next_year = cases.open_case(
        session=session,
        referral=make_referral(),
        flow_run_id=None,
        officer_id=OFFICER,
        dspl_area=None,
        config_version="2026.1",
        opened_at=datetime(2027, 1, 4, 9, 0, tzinfo=UTC),
        actor="intake",
    )

    assert references == ["CME-2026-00001", "CME-2026-00002", "CME-2026-00003"]
    assert next_year.reference == "CME-2027-00001"


def test_open_case_replayed_for_the_same_flow_run_returns_the_same_case(engine: Engine) -> None:
    flow_run_id = uuid.uuid4()
    with session_scope(engine) as session:
        first = _open(session, flow_run_id)
    with session_scope(engine) as session:
        replay = _open(session, flow_run_id, child_surname="Changedname")

    with Session(engine) as session:
        assert replay.id == first.id and replay.reference == first.reference
        assert (_count(session, Case), _count(session, Child), _count(session, ReferralRecord)) == (
            1,
            1,
            1,
        )
        assert _event_kinds(session, first.id) == ["case_opened"]
        found = cases.get_case_by_flow_run(session=session, flow_run_id=flow_run_id)
        assert found is not None and found.id == first.id


def test_open_case_refuses_a_naive_opened_at_naming_the_field(session: Session) -> None:
    with pytest.raises(ValueError, match="opened_at: naive datetime"):
        cases.open_case(
            session=session,
            referral=make_referral(),
            flow_run_id=None,
            officer_id=OFFICER,
            dspl_area=None,
            config_version="2026.1",
            opened_at=datetime(2026, 11, 2, 9, 15),
            actor="intake",
        )


def test_attach_flow_run_sets_it_once_and_refuses_a_different_one(session: Session) -> None:
    case = _open(session)
    flow_run_id = uuid.uuid4()

    cases.attach_flow_run(session=session, case_id=case.id, flow_run_id=flow_run_id)
    cases.attach_flow_run(session=session, case_id=case.id, flow_run_id=flow_run_id)

    assert case.flow_run_id == flow_run_id
    with pytest.raises(ValueError, match="flow_run_id: case CME-2026-00001 already runs"):
        cases.attach_flow_run(session=session, case_id=case.id, flow_run_id=uuid.uuid4())


def test_start_stage_twice_keeps_the_first_deadline_and_one_event(session: Session) -> None:
    case = _open(session)

    first = stages.start_stage(
        session=session,
        case_id=case.id,
        stage=Stage.HOME_VISIT,
        started_at=OPENED_AT,
        due_on=date(2026, 11, 9),
    )
    replay = stages.start_stage(
        session=session,
        case_id=case.id,
        stage=Stage.HOME_VISIT,
        started_at=OPENED_AT + timedelta(days=3),
        due_on=date(2026, 11, 30),
    )

    assert replay.id == first.id
    assert (replay.started_at, replay.due_on) == (OPENED_AT, date(2026, 11, 9))
    assert case.current_stage is Stage.HOME_VISIT
    assert _event_kinds(session, case.id) == ["case_opened", "stage_started"]


def test_complete_stage_twice_keeps_the_first_outcome_and_one_event(session: Session) -> None:
    case = _open(session)
    stages.start_stage(
        session=session, case_id=case.id, stage=Stage.HOME_VISIT, started_at=OPENED_AT, due_on=None
    )

    first = stages.complete_stage(
        session=session,
        case_id=case.id,
        stage=Stage.HOME_VISIT,
        outcome="child_seen",
        completed_at=OPENED_AT + timedelta(days=1),
    )
    replay = stages.complete_stage(
        session=session,
        case_id=case.id,
        stage=Stage.HOME_VISIT,
        outcome="no_contact",
        completed_at=OPENED_AT + timedelta(days=2),
    )

    assert replay.id == first.id
    assert (replay.outcome, replay.completed_at) == ("child_seen", OPENED_AT + timedelta(days=1))
    assert _event_kinds(session, case.id).count("stage_completed") == 1


def test_complete_stage_fails_when_the_stage_was_never_started(session: Session) -> None:
    case = _open(session)

    with pytest.raises(guards.CaseNotFoundError, match="stage: home_visit was never started"):
        stages.complete_stage(
            session=session,
            case_id=case.id,
            stage=Stage.HOME_VISIT,
            outcome="child_seen",
            completed_at=OPENED_AT,
        )


def test_record_decision_twice_keeps_one_row_and_one_event(engine: Engine) -> None:
    with session_scope(engine) as session:
        case = _open(session)
    for outcome in ("child_seen", "no_contact"):
        with session_scope(engine) as session:
            decisions.record_decision(
                session=session,
                case_id=case.id,
                stage=Stage.HOME_VISIT,
                key="home_visit:outcome",
                officer_id=OFFICER,
                values={"outcome": outcome},
                decided_at=OPENED_AT,
            )

    with Session(engine) as session:
        [decision] = decisions.list_decisions(session=session, case_id=case.id)
        assert decision.values == {"outcome": "child_seen"}
        assert _count(session, Decision) == 1
        assert _event_kinds(session, case.id).count("decision_recorded") == 1
        found = decisions.get_decision(session=session, case_id=case.id, key="home_visit:outcome")
        assert found is not None and found.id == decision.id


def test_set_case_status_records_an_event_only_when_the_status_changes(session: Session) -> None:
    case = _open(session)

    for _ in range(2):
        cases.set_case_status(
            session=session,
            case_id=case.id,
            status=CaseStatus.UNDER_PERIODIC_REVIEW,
            at=OPENED_AT,
            actor=OFFICER,
            reason="whereabouts unknown after all enquiries",
        )
    cases.set_case_status(
        session=session,
        case_id=case.id,
        status=CaseStatus.OPEN,
        at=OPENED_AT,
        actor=OFFICER,
        reason="child located",
    )

    assert case.status is CaseStatus.OPEN
    assert _event_kinds(session, case.id).count("case_status_changed") == 2


def test_set_case_status_refuses_to_close_a_case(session: Session) -> None:
    case = _open(session)

    with pytest.raises(ValueError, match="status: a case is closed with close_case"):
        cases.set_case_status(
            session=session,
            case_id=case.id,
            status=CaseStatus.CLOSED,
            at=OPENED_AT,
            actor=OFFICER,
            reason="done",
        )


def test_close_case_twice_keeps_the_first_outcome_and_one_event(engine: Engine) -> None:
    with session_scope(engine) as session:
        case = _open(session)
    for outcome in (ClosureOutcome.FOUND_ON_ROLL, ClosureOutcome.MOVED_ABROAD_BELIEVED):
        with session_scope(engine) as session:
            cases.close_case(
                session=session,
                case_id=case.id,
                outcome=outcome,
                closed_at=OPENED_AT,
                actor=OFFICER,
                reason=None,
            )

    with Session(engine) as session:
        stored = session.get(Case, case.id)
        assert stored is not None
        assert (stored.status, stored.closure_outcome) == (
            CaseStatus.CLOSED,
            ClosureOutcome.FOUND_ON_ROLL,
        )
        assert stored.closed_at == OPENED_AT
        assert _event_kinds(session, case.id).count("case_closed") == 1


def test_list_open_stages_due_by_leaves_out_done_paused_future_and_closed(
    session: Session,
) -> None:
    due = _open(session)
    done = _open(session)
    paused = _open(session)
    future = _open(session)
    closed = _open(session)
    for case, due_on in [
        (due, date(2026, 11, 9)),
        (done, date(2026, 11, 9)),
        (paused, date(2026, 11, 9)),
        (future, date(2026, 11, 11)),
        (closed, date(2026, 11, 9)),
    ]:
        record = stages.start_stage(
            session=session,
            case_id=case.id,
            stage=Stage.HOME_VISIT,
            started_at=OPENED_AT,
            due_on=due_on,
        )
        if case is paused:
            record.clock_paused_at = OPENED_AT
    stages.complete_stage(
        session=session,
        case_id=done.id,
        stage=Stage.HOME_VISIT,
        outcome="child_seen",
        completed_at=OPENED_AT,
    )
    cases.close_case(
        session=session,
        case_id=closed.id,
        outcome=ClosureOutcome.NOT_CME,
        closed_at=OPENED_AT,
        actor=OFFICER,
        reason=None,
    )
    session.flush()

    overdue = stages.list_open_stages_due_by(session=session, on=date(2026, 11, 10))

    assert [record.case_id for record in overdue] == [due.id]


def test_claim_notification_twice_returns_none_the_second_time(engine: Engine) -> None:
    key = "CME-2026-00001:referral_check:safeguarding:1"
    claims = []
    for _ in range(2):
        with session_scope(engine) as session:
            claims.append(
                notifications.claim_notification(
                    session=session,
                    natural_key=key,
                    case_id=None,
                    kind="safeguarding",
                    recipients=["cme.team.lead@example.gov.uk"],
                    subject="CME-2026-00001: safeguarding referral",
                    claimed_at=OPENED_AT,
                )
            )

    assert claims[0] is not None and claims[1] is None
    with Session(engine) as session:
        assert _count(session, Notification) == 1
        stored = notifications.get_notification(session=session, natural_key=key)
        assert stored is not None and stored.recipients == ["cme.team.lead@example.gov.uk"]


def test_failed_notification_stays_unsent_until_marked_sent(session: Session) -> None:
    claim = notifications.claim_notification(
        session=session,
        natural_key="CME-2026-00001:home_visit:reminder:1",
        case_id=None,
        kind="reminder",
        recipients=["cme.officer.1@example.gov.uk"],
        subject="CME-2026-00001: home visit due",
        claimed_at=OPENED_AT,
    )
    assert claim is not None

    notifications.record_notification_failure(
        session=session,
        notification_id=claim.id,
        error="421 service not available",
        failed_at=OPENED_AT,
    )
    assert notifications.list_unsent_notifications(session=session) == [claim]
    assert notifications.list_unsent_notifications(session=session, max_attempts=1) == []

    sent_at = OPENED_AT + timedelta(minutes=5)
    notifications.mark_notification_sent(session=session, notification_id=claim.id, sent_at=sent_at)
    notifications.mark_notification_sent(
        session=session, notification_id=claim.id, sent_at=sent_at + timedelta(hours=1)
    )

    assert (claim.sent_at, claim.attempts, claim.last_error) == (
        sent_at,
        2,
        "421 service not available",
    )
    assert notifications.list_unsent_notifications(session=session) == []


def test_database_refuses_a_second_row_for_the_same_stage_of_a_case(session: Session) -> None:
    # The unique constraint, not only the store's read-first check, stops a racing second writer.
    case = _open(session)
    for _ in range(2):
        session.add(
            StageRecord(case_id=case.id, name=Stage.HOME_VISIT, started_at=OPENED_AT, due_on=None)
        )
    with pytest.raises(IntegrityError):
        session.flush()


def test_events_are_listed_in_the_order_they_were_appended(session: Session) -> None:
    case = _open(session)
    appended: list[CaseEventPayload] = [
        SafeguardingEscalation(origin="home_visit:outcome", indicators=[]),
        PossibleDuplicate(other_reference="CME-2026-00007", score=0.86, reasons=["dob"]),
    ]
    for event in appended:
        case_events.append_event(
            session=session, case_id=case.id, event=event, actor=OFFICER, occurred_at=OPENED_AT
        )

    events = case_events.list_events(session=session, case_id=case.id)
    assert [event.kind for event in events] == [
        "case_opened",
        "safeguarding_escalation",
        "possible_duplicate",
    ]
    assert all(isinstance(event, CaseEvent) for event in events)
    assert [r.event for r in case_events.read_events(session=session, case_id=case.id)][1:] == (
        appended
    )


def test_set_stage_due_moves_the_deadline_once_with_its_reason(session: Session) -> None:
    case = _open(session)
    stages.start_stage(
        session=session,
        case_id=case.id,
        stage=Stage.EDUCATION_ENQUIRY,
        started_at=OPENED_AT,
        due_on=date(2026, 11, 9),
    )

    for _ in range(2):
        record = stages.set_stage_due(
            session=session,
            case_id=case.id,
            stage=Stage.EDUCATION_ENQUIRY,
            due_on=date(2026, 11, 20),
            at=OPENED_AT,
            actor="system",
            reason="s437(1) notice served",
            details={"deemed_served_on": "2026-11-05"},
        )

    assert record.due_on == date(2026, 11, 20)
    moves = [
        event
        for event in case_events.list_events(session=session, case_id=case.id)
        if event.kind == "stage_due_changed"
    ]
    assert [move.payload["to"] for move in moves] == ["2026-11-20"]
    assert moves[0].payload["from"] == "2026-11-09"
    assert moves[0].payload["reason"] == "s437(1) notice served"


def test_set_stage_due_fails_when_the_stage_was_never_started(session: Session) -> None:
    case = _open(session)

    with pytest.raises(guards.CaseNotFoundError, match="stage: sao_notice was never started"):
        stages.set_stage_due(
            session=session,
            case_id=case.id,
            stage=Stage.SAO_NOTICE,
            due_on=date(2026, 11, 20),
            at=OPENED_AT,
            actor="system",
            reason="s438 notice served",
            details={},
        )


def test_a_child_without_an_address_is_stored_with_why_and_the_case_keeps_its_allocation(
    engine: Engine,
) -> None:
    referral = make_referral(address=None, postcode="ZZ99 3VZ", last_school_urn="999002")
    allocation = Allocation(
        officer_id=OFFICER,
        dspl_area=4,
        reason=AllocationReason.BY_LAST_SCHOOL,
        by_last_school=True,
        no_home_postcode=True,
        no_address_reason=NoAddressReason.NO_FIXED_ABODE,
        last_school_urn="999002",
    )
    with session_scope(engine) as session:
        case = cases.open_case(
            session=session,
            referral=referral,
            flow_run_id=None,
            officer_id=OFFICER,
            dspl_area=4,
            config_version="2026.1",
            opened_at=OPENED_AT,
            actor="intake",
            allocation=allocation,
        )

    with Session(engine) as session:
        stored = session.get(Case, case.id)
        assert stored is not None
        child = stored.child
        assert (child.address, child.postcode) == (None, "ZZ99 3VZ")
        assert child.no_address_reason is NoAddressReason.NO_FIXED_ABODE
        assert stored.allocation is not None
        assert Allocation.model_validate(stored.allocation) == allocation
        assert stored.referrals[0].payload["no_address_reason"] == "no_fixed_abode"


def test_a_case_opened_without_its_allocation_keeps_none(engine: Engine) -> None:
    with session_scope(engine) as session:
        case = _open(session)
        assert case.allocation is None
