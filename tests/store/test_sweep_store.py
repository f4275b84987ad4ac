"""The sweep's query, stage clocks, and the sweep itself against a real database and a real SMTP
server on loopback (aiosmtpd): each notice is sent once, whatever fails or runs twice."""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from adapters.settings import load_settings
from models.config import load_config
from models.deadlines import load_calendar_config
from models.enums import ClosureOutcome, Stage
from models.regime import load_regimes
from store import case_events, cases, stages
from store.database import session_scope
from store.orm import Notification
from store.unit_of_work import UnitOfWork
from tasks.sweep import sweep
from tests.factories import make_referral
from tests.mail import Inbox, body_of, start_smtp

OPENED_AT = datetime(2026, 11, 2, 9, 15, tzinfo=UTC)
OFFICER = "cme-officer-dspl-1-5"
OFFICER_EMAIL = "cme.officer.dspl1-5@example.gov.uk"
LEAD_EMAIL = "cme.team.lead@example.gov.uk"
HEAD_EMAIL = "virtual.school.head@example.gov.uk"
UI = "http://ui.example.gov.uk"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _open_with_stage(
    session: Session, due_on: date, stage: Stage = Stage.HOME_VISIT
) -> tuple[int, str]:
    case = cases.open_case(
        session=session,
        referral=make_referral(),
        flow_run_id=uuid.uuid4(),
        officer_id=OFFICER,
        dspl_area=2,
        config_version="test",
        opened_at=OPENED_AT,
        actor="intake",
    )
    stages.start_stage(
        session=session, case_id=case.id, stage=stage, started_at=OPENED_AT, due_on=due_on
    )
    return case.id, case.reference


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    controller, inbox = start_smtp(_free_port())
    try:
        yield controller.port, inbox
    finally:
        controller.stop()


def _uow(engine: Engine, smtp_port: int) -> UnitOfWork:
    settings = load_settings().model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": smtp_port, "prefect_ui_url": UI}
    )
    config = load_config(settings.config_path)
    return UnitOfWork(
        settings=settings,
        config=config,
        calendar=load_calendar_config(config.calendar_path),
        engine=engine,
        regimes=load_regimes(config.regimes_path, config.regimes.commences_on),
    )


def _recipients(inbox: Inbox) -> list[str]:
    return sorted(str(m["X-Envelope-To"]) for m in inbox.messages)


def test_due_query_lists_only_running_clocks_of_live_cases_up_to_the_horizon(
    engine: Engine,
) -> None:
    with session_scope(engine) as session:
        due_id, due_ref = _open_with_stage(session, date(2026, 11, 10))
        _open_with_stage(session, date(2026, 11, 20))  # beyond the horizon
        paused_id, _ = _open_with_stage(session, date(2026, 11, 5))
        stages.pause_stage_clock(
            session=session,
            case_id=paused_id,
            stage=Stage.HOME_VISIT,
            at=OPENED_AT,
            actor=OFFICER,
            reason="awaiting a court direction",
        )
        done_id, _ = _open_with_stage(session, date(2026, 11, 5))
        stages.complete_stage(
            session=session,
            case_id=done_id,
            stage=Stage.HOME_VISIT,
            outcome="next:education_enquiry",
            completed_at=OPENED_AT,
        )
        closed_id, _ = _open_with_stage(session, date(2026, 11, 5))
        cases.close_case(
            session=session,
            case_id=closed_id,
            outcome=ClosureOutcome.FOUND_ON_ROLL,
            closed_at=OPENED_AT,
            actor=OFFICER,
            reason=None,
        )
        no_clock_id, _ = _open_with_stage(session, date(2026, 11, 5))
        stages.start_stage(
            session=session,
            case_id=no_clock_id,
            stage=Stage.PERIODIC_REVIEW,
            started_at=OPENED_AT,
            due_on=None,
        )

    with session_scope(engine) as session:
        due = stages.list_due_stages(session=session, due_by=date(2026, 11, 12))
    assert [(d.case_id, d.reference, d.stage, d.due_on) for d in due] == [
        (no_clock_id, due[0].reference, Stage.HOME_VISIT, date(2026, 11, 5)),
        (due_id, due_ref, Stage.HOME_VISIT, date(2026, 11, 10)),
    ]
    assert all(d.officer_id == OFFICER and d.flow_run_id is not None for d in due)


def test_pausing_and_resuming_a_clock_records_both_with_reasons_and_moves_the_due_date(
    engine: Engine,
) -> None:
    with session_scope(engine) as session:
        case_id, _ = _open_with_stage(session, date(2026, 11, 10))
        stages.pause_stage_clock(
            session=session,
            case_id=case_id,
            stage=Stage.HOME_VISIT,
            at=OPENED_AT,
            actor=OFFICER,
            reason="awaiting a court direction",
        )
        again = stages.pause_stage_clock(
            session=session,
            case_id=case_id,
            stage=Stage.HOME_VISIT,
            at=OPENED_AT + timedelta(days=1),
            actor=OFFICER,
            reason="second pause",
        )
        assert again.clock_pause_reason == "awaiting a court direction"
        resumed = stages.resume_stage_clock(
            session=session,
            case_id=case_id,
            stage=Stage.HOME_VISIT,
            at=OPENED_AT + timedelta(days=7),
            actor=OFFICER,
            reason="direction received",
            due_on=date(2026, 11, 17),
        )
        assert resumed.clock_paused_at is None and resumed.due_on == date(2026, 11, 17)
        events = case_events.list_events(session=session, case_id=case_id)
    clock_events = [e for e in events if e.kind.startswith("stage_clock")]
    assert [e.kind for e in clock_events] == ["stage_clock_paused", "stage_clock_resumed"]
    assert clock_events[0].payload["reason"] == "awaiting a court direction"
    assert clock_events[1].payload["to"] == "2026-11-17"


def test_pausing_a_clock_without_a_reason_is_refused_naming_the_reason(engine: Engine) -> None:
    with session_scope(engine) as session:
        case_id, _ = _open_with_stage(session, date(2026, 11, 10))
        with pytest.raises(ValueError, match="reason"):
            stages.pause_stage_clock(
                session=session,
                case_id=case_id,
                stage=Stage.HOME_VISIT,
                at=OPENED_AT,
                actor=OFFICER,
                reason="  ",
            )


def test_sweep_sends_one_email_per_recipient_listing_every_item_and_nothing_on_a_rerun(
    engine: Engine, smtp: tuple[int, Inbox]
) -> None:
    port, inbox = smtp
    with session_scope(engine) as session:
        _, overdue_ref = _open_with_stage(session, date(2026, 11, 11))
        _, soon_ref = _open_with_stage(session, date(2026, 11, 13))
    uow = _uow(engine, port)
    now = datetime(2026, 11, 12, 8, 0, tzinfo=UTC)

    report = sweep(uow=uow, now=now)

    assert _recipients(inbox) == sorted([LEAD_EMAIL, OFFICER_EMAIL])
    officer_mail = next(m for m in inbox.messages if m["X-Envelope-To"] == OFFICER_EMAIL)
    officer_body = body_of(officer_mail)
    assert overdue_ref in officer_body and soon_ref in officer_body
    assert "1 day overdue" in officer_body and "due in 1 day" in officer_body
    assert f"{UI}/runs/flow-run/" in officer_body
    assert "Testchild" not in officer_body  # no child's name in a deadline email
    html = officer_mail.get_body(preferencelist=("html",))
    assert html is not None and overdue_ref in str(html.get_content())
    lead_body = body_of(next(m for m in inbox.messages if m["X-Envelope-To"] == LEAD_EMAIL))
    assert overdue_ref in lead_body and soon_ref not in lead_body  # reminders are the officer's
    assert report.emails_sent == 2 and report.notifications_sent == 3

    again = sweep(uow=uow, now=now)
    assert len(inbox.messages) == 2
    assert again.emails_sent == 0 and again.already_sent == 3


def test_sweep_with_smtp_down_loses_nothing_and_sends_each_notice_once_when_it_is_back(
    engine: Engine, smtp: tuple[int, Inbox]
) -> None:
    port, inbox = smtp
    with session_scope(engine) as session:
        _, reference = _open_with_stage(session, date(2026, 11, 2))
    now = datetime(2026, 11, 12, 8, 0, tzinfo=UTC)  # overdue, escalated, first repeat

    down = sweep(uow=_uow(engine, _free_port()), now=now)
    assert down.emails_failed == 3 and down.notifications_sent == 0
    with Session(engine) as session:
        unsent = session.scalars(select(Notification)).all()
    assert unsent and all(n.sent_at is None and n.last_error for n in unsent)

    up = sweep(uow=_uow(engine, port), now=now)
    assert up.emails_sent == 3 and up.emails_failed == 0
    assert _recipients(inbox) == sorted([LEAD_EMAIL, OFFICER_EMAIL, HEAD_EMAIL])
    assert all(reference in body_of(m) for m in inbox.messages)
    sweep(uow=_uow(engine, port), now=now)
    assert len(inbox.messages) == 3
    with Session(engine) as session:
        notifications = session.scalars(select(Notification)).all()
    assert len(notifications) == len(unsent)
    assert all(n.sent_at is not None and n.attempts == 2 for n in notifications)


@pytest.mark.postgres
def test_two_sweeps_at_once_send_each_recipient_one_email(
    engine: Engine, smtp: tuple[int, Inbox]
) -> None:
    port, inbox = smtp
    with session_scope(engine) as session:
        references = [_open_with_stage(session, date(2026, 11, 2))[1] for _ in range(5)]
    uow = _uow(engine, port)
    now = datetime(2026, 11, 12, 8, 0, tzinfo=UTC)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            sweep(uow=uow, now=now)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert _recipients(inbox) == sorted([LEAD_EMAIL, OFFICER_EMAIL, HEAD_EMAIL])
    for message in inbox.messages:
        assert all(reference in body_of(message) for reference in references)
    with Session(engine) as session:
        notifications = session.scalars(select(Notification)).all()
    assert all(n.sent_at is not None and n.attempts == 1 for n in notifications)


def test_sweep_escalates_an_overdue_school_place_step_like_any_stage(
    engine: Engine, smtp: tuple[int, Inbox]
) -> None:
    port, inbox = smtp
    with session_scope(engine) as session:
        _, reference = _open_with_stage(
            session, date(2026, 11, 11), stage=Stage.SCHOOL_PLACE_SUPPORT
        )

    report = sweep(uow=_uow(engine, port), now=datetime(2026, 11, 12, 8, 0, tzinfo=UTC))

    assert _recipients(inbox) == sorted([LEAD_EMAIL, OFFICER_EMAIL])
    officer_body = body_of(next(m for m in inbox.messages if m["X-Envelope-To"] == OFFICER_EMAIL))
    assert reference in officer_body and "1 day overdue" in officer_body
    assert Stage.SCHOOL_PLACE_SUPPORT.label in officer_body
    assert report.emails_sent == 2
