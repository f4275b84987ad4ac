"""Events written before the case record was typed still read, typed, and their chains still hold:
each kind is inserted the way the old writers stored it, then read back and checked."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from models.case_events import CaseClosed, InvalidEventError, StageStarted
from models.case_record import canonical_json, event_hash, first_broken_link
from models.enums import ClosureOutcome, Stage
from store import case_events, cases
from store.case_events import check_records
from store.database import session_scope
from store.orm import CaseEvent
from tests.factories import make_referral
from tests.old_events import OLD_EVENTS

OPENED_AT = datetime(2026, 11, 2, 9, 15, tzinfo=UTC)


def _open(session: Session) -> tuple[int, str]:
    case = cases.open_case(
        session=session,
        referral=make_referral(),
        flow_run_id=uuid.uuid4(),
        officer_id="cme-officer-dspl-1-5",
        dspl_area=2,
        config_version="2026.1",
        opened_at=OPENED_AT,
        actor="intake",
    )
    return case.id, case.reference


def _insert_the_old_way(session: Session, case_id: int, reference: str) -> None:
    """Rows as the untyped append_event wrote them: kind and payload as given, hash over both."""
    last = session.execute(
        select(CaseEvent.sequence, CaseEvent.hash)
        .where(CaseEvent.case_id == case_id)
        .order_by(CaseEvent.sequence.desc())
        .limit(1)
    ).one()
    sequence, previous_hash = last.sequence, last.hash
    for minutes, (kind, old, _) in enumerate(OLD_EVENTS, start=1):
        sequence += 1
        occurred_at = OPENED_AT + timedelta(minutes=minutes)
        payload = json.loads(canonical_json(old))
        digest = event_hash(
            reference=reference, sequence=sequence, occurred_at=occurred_at, actor="system",
            kind=kind, payload=payload, previous_hash=previous_hash,
        )  # fmt: skip
        session.add(
            CaseEvent(
                case_id=case_id, sequence=sequence, kind=kind, actor="system",
                occurred_at=occurred_at, payload=payload, previous_hash=previous_hash, hash=digest,
            )
        )  # fmt: skip
        previous_hash = digest
    session.flush()


def test_every_old_kind_reads_back_typed_and_its_chain_still_holds(engine: Engine) -> None:
    with session_scope(engine) as session:
        case_id, reference = _open(session)
        _insert_the_old_way(session, case_id, reference)

    with Session(engine) as session:
        rows = case_events.list_events(session=session, case_id=case_id)
        typed = case_events.read_events(session=session, case_id=case_id)

        assert [recorded.event for recorded in typed[1:]] == [event for _, _, event in OLD_EVENTS]
        assert [recorded.kind for recorded in typed] == [row.kind for row in rows]
        # The chain recomputed over the typed events' own JSON: they reproduce every stored byte.
        assert [canonical_json(r.payload) for r in typed] == [
            canonical_json(r.payload) for r in rows
        ]
        assert first_broken_link(reference, typed) is None
        assert check_records(session=session, reference=reference).holds


def test_a_typed_event_appended_after_old_ones_extends_the_same_chain(engine: Engine) -> None:
    with session_scope(engine) as session:
        case_id, reference = _open(session)
        _insert_the_old_way(session, case_id, reference)

    with session_scope(engine) as session:
        case_events.append_event(
            session=session,
            case_id=case_id,
            event=CaseClosed(outcome=ClosureOutcome.NOT_CME, stage=None, reason="no concern"),
            actor="system",
            occurred_at=OPENED_AT + timedelta(days=1),
        )

    with Session(engine) as session:
        typed = case_events.read_events(session=session, case_id=case_id)
        assert len(typed) == len(OLD_EVENTS) + 2
        assert typed[-1].previous_hash == typed[-2].hash
        assert first_broken_link(reference, typed) is None
        assert check_records(session=session, reference=reference).holds


def test_a_refused_event_writes_nothing(engine: Engine) -> None:
    with session_scope(engine) as session:
        case_id, _ = _open(session)

    with Session(engine) as session:
        with pytest.raises(InvalidEventError, match="no such event kind"):
            case_events.append_event(
                session=session,
                case_id=case_id,
                event=StageStarted.model_construct(
                    kind="note_added",  # type: ignore[arg-type]
                    stage=Stage.HOME_VISIT,
                    due_on=None,
                ),
                actor="system",
                occurred_at=OPENED_AT,
            )
        session.commit()

    with Session(engine) as session:
        count = select(func.count()).where(CaseEvent.case_id == case_id)
        assert session.scalar(count) == 1
