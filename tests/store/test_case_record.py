"""The append-only case record on a real database: the triggers refuse UPDATE and DELETE, every
append is numbered and chained, concurrent appends never fork a chain, and the check names the
first changed or missing event."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from models.case_events import SafeguardingEscalation
from models.case_record import Problem, first_broken_link
from models.enums import ClosureOutcome, Stage
from store import case_events, cases, decisions, stages
from store.case_events import check_records
from store.database import session_scope
from tasks.verify_case_record import main
from tests.conftest import append_only_suspended
from tests.factories import make_referral

OPENED_AT = datetime(2026, 11, 2, 9, 15, tzinfo=UTC)
OFFICER = "cme-officer-dspl-1-5"


def _open(session: Session) -> tuple[int, str]:
    case = cases.open_case(
        session=session,
        referral=make_referral(),
        flow_run_id=uuid.uuid4(),
        officer_id=OFFICER,
        dspl_area=2,
        config_version="2026.1",
        opened_at=OPENED_AT,
        actor="intake",
    )
    return case.id, case.reference


def _journey(engine: Engine) -> tuple[int, str]:
    """A case through referral check and home visit to a closure, one transaction per step."""
    with session_scope(engine) as session:
        case_id, reference = _open(session)
    at = OPENED_AT
    for stage, outcome in ((Stage.REFERRAL_CHECK, "not_found"), (Stage.HOME_VISIT, "on_roll")):
        at += timedelta(days=1)
        with session_scope(engine) as session:
            stages.start_stage(
                session=session, case_id=case_id, stage=stage, started_at=at, due_on=None
            )
        with session_scope(engine) as session:
            decisions.record_decision(
                session=session,
                case_id=case_id,
                stage=stage,
                key=f"{stage.value}-decision",
                officer_id=OFFICER,
                values={"outcome": outcome, "notes": "Spoke to the school £ é"},
                decided_at=at + timedelta(hours=2),
            )
        with session_scope(engine) as session:
            stages.complete_stage(
                session=session,
                case_id=case_id,
                stage=stage,
                outcome=outcome,
                completed_at=at + timedelta(hours=3),
            )
    with session_scope(engine) as session:
        cases.close_case(
            session=session,
            case_id=case_id,
            outcome=ClosureOutcome.FOUND_ON_ROLL,
            closed_at=at + timedelta(hours=4),
            actor=OFFICER,
            reason=None,
        )
    return case_id, reference


def _raw(engine: Engine, sql: str, **params: object) -> None:
    with engine.begin() as connection:
        connection.execute(text(sql), params)


def _tamper(engine: Engine, sql: str, **params: object) -> None:
    """Change the record behind the product's back, as someone with the database's keys could."""
    with engine.begin() as connection, append_only_suspended(connection):
        connection.execute(text(sql), params)


def test_a_journeys_events_are_numbered_from_one_and_chained(engine: Engine) -> None:
    case_id, reference = _journey(engine)

    with Session(engine) as session:
        events = case_events.list_events(session=session, case_id=case_id)
        assert [e.sequence for e in events] == list(range(1, len(events) + 1))
        assert events[0].previous_hash is None
        assert all(e.previous_hash == p.hash for p, e in pairwise(events))
        assert first_broken_link(reference, events) is None
        check = check_records(session=session)
    assert (check.cases, check.events, check.broken) == (1, len(events), [])
    assert [e.kind for e in events][-1] == "case_closed"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE case_event SET kind = 'rewritten' WHERE sequence = 1",
        "UPDATE case_event SET payload = '{}'",
        "DELETE FROM case_event WHERE sequence = 1",
        "DELETE FROM case_event",
    ],
)
def test_the_database_refuses_to_update_or_delete_a_case_event(
    engine: Engine, statement: str
) -> None:
    _journey(engine)

    with pytest.raises(DBAPIError, match="case_event is append-only"):
        _raw(engine, statement)

    with Session(engine) as session:
        assert check_records(session=session).holds


@pytest.mark.postgres
def test_postgresql_refuses_to_truncate_the_case_record(engine: Engine) -> None:
    _journey(engine)

    with pytest.raises(DBAPIError, match="case_event is append-only"):
        _raw(engine, "TRUNCATE case_event")


def test_a_row_changed_behind_the_products_back_is_named_by_its_sequence(
    engine: Engine,
) -> None:
    case_id, reference = _journey(engine)
    _tamper(
        engine,
        "UPDATE case_event SET actor = 'someone-else' WHERE case_id = :case_id AND sequence = 3",
        case_id=case_id,
    )

    with Session(engine) as session:
        check = check_records(session=session)

    [broken] = check.broken
    assert (broken.reference, broken.sequence, broken.problem) == (
        reference,
        3,
        Problem.HASH_MISMATCH,
    )


def test_a_deleted_row_is_found_as_a_gap(engine: Engine) -> None:
    case_id, reference = _journey(engine)
    _tamper(
        engine,
        "DELETE FROM case_event WHERE case_id = :case_id AND sequence = 4",
        case_id=case_id,
    )

    with Session(engine) as session:
        [broken] = check_records(session=session, reference=reference).broken

    assert (broken.sequence, broken.problem) == (4, Problem.GAP)


def test_a_case_whose_whole_history_was_deleted_is_found(engine: Engine) -> None:
    case_id, reference = _journey(engine)
    _tamper(engine, "DELETE FROM case_event WHERE case_id = :case_id", case_id=case_id)

    with Session(engine) as session:
        [broken] = check_records(session=session).broken

    assert (broken.reference, broken.sequence, broken.problem) == (
        reference,
        1,
        Problem.MISSING_FIRST,
    )


def test_only_the_broken_case_is_reported_among_intact_ones(engine: Engine) -> None:
    _journey(engine)
    tampered_id, tampered = _journey(engine)
    _journey(engine)
    _tamper(
        engine,
        "DELETE FROM case_event WHERE case_id = :case_id AND sequence = 1",
        case_id=tampered_id,
    )

    with Session(engine) as session:
        check = check_records(session=session)

    assert check.cases == 3
    assert [(b.reference, b.sequence, b.problem) for b in check.broken] == [
        (tampered, 1, Problem.MISSING_FIRST)
    ]


def test_the_command_exits_1_naming_the_case_sequence_and_problem(
    engine: Engine, case_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id, reference = _journey(engine)
    _journey(engine)
    assert main(["--database-url", case_database_url]) == 0
    _tamper(
        engine,
        "UPDATE case_event SET kind = 'rewritten' WHERE case_id = :case_id AND sequence = 2",
        case_id=case_id,
    )
    capsys.readouterr()

    status = main(["--database-url", case_database_url])

    out = capsys.readouterr().out
    assert status == 1
    assert f"BROKEN {reference}: event 2: hash mismatch" in out
    assert "2 case(s)" in out and "1 broken" in out


def test_the_command_checks_one_case_and_refuses_an_unknown_reference(
    engine: Engine, case_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _, reference = _journey(engine)

    assert main(["--database-url", case_database_url, "--reference", reference]) == 0
    assert "1 case(s)" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        main(["--database-url", case_database_url, "--reference", "CME-1999-99999"])
    assert exit_info.value.code == 2
    assert "reference: no case 'CME-1999-99999'" in capsys.readouterr().err


def _append_at_once(engine: Engine, case_id: int, workers: int) -> None:
    barrier = threading.Barrier(workers)

    def append(worker: int) -> None:
        barrier.wait(timeout=30)
        with session_scope(engine) as session:
            case_events.append_event(
                session=session,
                case_id=case_id,
                event=SafeguardingEscalation(origin=f"worker-{worker}", indicators=[]),
                actor=f"worker-{worker}",
                occurred_at=OPENED_AT + timedelta(minutes=worker),
            )

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(append, range(workers)))


@pytest.mark.parametrize(
    "workers",
    [
        pytest.param(5, id="5-workers"),
        pytest.param(20, id="20-workers", marks=pytest.mark.postgres),
    ],
)
def test_appends_to_one_case_at_once_never_fork_its_chain(engine: Engine, workers: int) -> None:
    with session_scope(engine) as session:
        case_id, _ = _open(session)

    _append_at_once(engine, case_id, workers)

    with Session(engine) as session:
        events = case_events.list_events(session=session, case_id=case_id)
        assert [e.sequence for e in events] == list(range(1, workers + 2))
        assert sorted(e.actor for e in events[1:]) == sorted(f"worker-{w}" for w in range(workers))
        assert check_records(session=session).holds


def test_the_orm_listener_still_refuses_changes_before_the_database_sees_them(
    engine: Engine,
) -> None:
    case_id, _ = _journey(engine)

    with Session(engine) as session:
        [first, *_] = case_events.list_events(session=session, case_id=case_id)
        first.kind = "rewritten"
        with pytest.raises(RuntimeError, match="append-only"):
            session.flush()
