"""Cases opened at the same moment by different workers get distinct, consecutive references."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from store import cases
from store.database import session_scope
from store.orm import Case
from tests.factories import make_referral

OPENED_AT = datetime(2026, 11, 2, 9, 15, tzinfo=UTC)


def _open_cases_at_once(engine: Engine, flow_run_ids: list[uuid.UUID]) -> list[tuple[int, str]]:
    """Open one case per flow run id, each in its own thread and session, all released together."""
    barrier = threading.Barrier(len(flow_run_ids))

    def open_one(flow_run_id: uuid.UUID) -> tuple[int, str]:
        barrier.wait(timeout=30)
        with session_scope(engine) as session:
            case = cases.open_case(
                session=session,
                referral=make_referral(),
                flow_run_id=flow_run_id,
                officer_id="cme-officer-dspl-1-5",
                dspl_area=1,
                config_version="2026.1",
                opened_at=OPENED_AT,
                actor="intake",
            )
            return case.id, case.reference

    with ThreadPoolExecutor(max_workers=len(flow_run_ids)) as pool:
        return list(pool.map(open_one, flow_run_ids))


def _assert_distinct_and_consecutive(references: list[str]) -> None:
    numbers = sorted(int(reference.rsplit("-", 1)[1]) for reference in references)
    assert numbers == list(range(1, len(references) + 1))
    assert all(reference.startswith("CME-2026-") for reference in references)


@pytest.mark.postgres
def test_twenty_workers_opening_cases_at_once_get_consecutive_references(engine: Engine) -> None:
    opened = _open_cases_at_once(engine, [uuid.uuid4() for _ in range(20)])

    _assert_distinct_and_consecutive([reference for _, reference in opened])


def test_five_workers_opening_cases_at_once_get_consecutive_references(engine: Engine) -> None:
    opened = _open_cases_at_once(engine, [uuid.uuid4() for _ in range(5)])

    _assert_distinct_and_consecutive([reference for _, reference in opened])


def test_workers_replaying_the_same_flow_run_at_once_open_one_case(engine: Engine) -> None:
    flow_run_id = uuid.uuid4()

    opened = _open_cases_at_once(engine, [flow_run_id] * 5)

    assert len(set(opened)) == 1
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 1
