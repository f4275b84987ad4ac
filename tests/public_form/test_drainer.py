"""The drainer delivers each stored submission once, and keeps and retries what fails."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, make_url
from sqlalchemy.orm import Session

from models.public_form import build_referral
from public_form.drainer import drain_once
from public_form.outbox import DatabaseOutbox
from store.orm import PublicSubmission, SubmissionStatus
from tests.public_form.answers import complete

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


class Prefect:
    """Stands in for run_deployment: up or down, and what it was asked."""

    def __init__(self) -> None:
        self.up = True
        self.runs: dict[str, uuid.UUID] = {}
        self.calls: list[str] = []

    def __call__(self, *, receipt: str, referral: dict[str, Any]) -> uuid.UUID:
        self.calls.append(receipt)
        if not self.up:
            raise ConnectionError("All connection attempts failed")
        return self.runs.setdefault(receipt, uuid.uuid4())


def _store(engine: Engine) -> str:
    referral = build_referral(complete(), today=NOW.date())
    return DatabaseOutbox(engine).save(referral, received_at=NOW)


def _get(engine: Engine, receipt: str) -> PublicSubmission:
    with Session(engine) as session:
        submission = session.get(PublicSubmission, receipt)
        assert submission is not None
        return submission


def test_a_pending_submission_is_delivered_once_and_marked_with_its_run(engine: Engine) -> None:
    prefect = Prefect()
    receipt = _store(engine)

    assert drain_once(engine, prefect, clock=lambda: NOW, max_backoff=60) == (1, 0)
    assert drain_once(engine, prefect, clock=lambda: NOW, max_backoff=60) == (0, 0)

    delivered = _get(engine, receipt)
    assert delivered.status is SubmissionStatus.DELIVERED
    assert delivered.flow_run_id == prefect.runs[receipt]
    assert delivered.delivered_at is not None
    assert prefect.calls == [receipt]


def test_while_prefect_is_down_a_submission_is_kept_and_retried_with_backoff(
    engine: Engine,
) -> None:
    prefect = Prefect()
    prefect.up = False
    receipt = _store(engine)

    assert drain_once(engine, prefect, clock=lambda: NOW, max_backoff=60) == (0, 1)
    failed = _get(engine, receipt)
    assert failed.status is SubmissionStatus.PENDING
    assert failed.attempts == 1
    assert failed.last_error == "ConnectionError: All connection attempts failed"
    assert failed.next_attempt_at == NOW + timedelta(seconds=1)

    # Not due yet: not tried. Due: tried again, and the wait doubles.
    assert drain_once(engine, prefect, clock=lambda: NOW, max_backoff=60) == (0, 0)
    later = NOW + timedelta(seconds=1)
    assert drain_once(engine, prefect, clock=lambda: later, max_backoff=60) == (0, 1)
    assert _get(engine, receipt).next_attempt_at == later + timedelta(seconds=2)

    prefect.up = True
    assert drain_once(engine, prefect, clock=lambda: NOW + timedelta(hours=1), max_backoff=60) == (
        1,
        0,
    )
    assert _get(engine, receipt).status is SubmissionStatus.DELIVERED
    assert _get(engine, receipt).last_error is None


def test_one_failing_submission_does_not_hold_up_the_others(engine: Engine) -> None:
    first, second = _store(engine), _store(engine)

    class FailsFirst(Prefect):
        def __call__(self, *, receipt: str, referral: dict[str, Any]) -> uuid.UUID:
            if receipt == first:
                raise ValueError("rejected")
            return super().__call__(receipt=receipt, referral=referral)

    assert drain_once(engine, FailsFirst(), clock=lambda: NOW, max_backoff=60) == (1, 1)
    assert _get(engine, second).status is SubmissionStatus.DELIVERED


@pytest.mark.postgres
def test_a_role_that_may_only_insert_can_store_a_submission(case_database_url: str) -> None:
    """The least-privilege split of docs/deployment.md, checked on PostgreSQL."""
    admin = create_engine(case_database_url, isolation_level="AUTOCOMMIT")
    role = f"cme_form_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
            connection.exec_driver_sql(f"GRANT INSERT ON public_submission TO {role}")
        url = make_url(case_database_url).set(username=role, password=None)
        form_engine = create_engine(url)
        try:
            receipt = _store(form_engine)
            with pytest.raises(Exception, match="permission denied"), Session(form_engine) as s:
                s.get(PublicSubmission, receipt)
        finally:
            form_engine.dispose()
        with Session(admin) as session:
            assert session.get(PublicSubmission, receipt) is not None
            session.query(PublicSubmission).filter_by(receipt=receipt).delete()
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP OWNED BY {role}")
            connection.exec_driver_sql(f"DROP ROLE IF EXISTS {role}")
        admin.dispose()
