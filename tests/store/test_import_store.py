"""The school-returns ledger imports each file once and acts on each row once, on both databases."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from models.enums import ClosureOutcome
from store import cases, imports
from store.database import session_scope
from store.orm import CaseEvent, IntakeImport, IntakeRow, ReferralRecord
from tests.factories import make_referral

AT = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def _receive(session: Session, sha: str = "a" * 64) -> tuple[IntakeImport, bool]:
    return imports.receive_import(
        session=session, sha256=sha, file_name="return.csv", kind="deletion_return", received_at=AT
    )


def _claim(session: Session, import_id: int, key: str, row_number: int = 2) -> imports.RowClaim:
    return imports.claim_row(
        session=session,
        import_id=import_id,
        row_number=row_number,
        natural_key=key,
        school_urn="999001",
        deletion_ground="9_1_i",
        route="cme_case",
        outcome="case_requested",
        reason="continuous absence",
        payload={"row": row_number},
        recorded_at=AT,
    )


def test_the_same_file_is_entered_once_and_found_again_by_its_sha(engine: Engine) -> None:
    with session_scope(engine) as session:
        first, created = _receive(session)
    with session_scope(engine) as session:
        again, created_again = _receive(session)
    assert created and not created_again
    assert again.id == first.id and again.status == imports.IMPORTING
    assert first.reference == f"DR-2026-{first.id:05d}"


def test_a_row_key_is_claimed_once_even_from_another_file(engine: Engine) -> None:
    with session_scope(engine) as session:
        first, _ = _receive(session, "a" * 64)
        second, _ = _receive(session, "b" * 64)
        claim = _claim(session, first.id, "key-1")
        repeat = _claim(session, second.id, "key-1", row_number=5)
    assert claim.claimed and not repeat.claimed
    assert repeat.row.id == claim.row.id and repeat.row.import_id == first.id
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(IntakeRow)) == 1


def test_a_claim_survives_a_rolled_back_later_failure_only_if_committed(engine: Engine) -> None:
    with session_scope(engine) as session:
        entry, _ = _receive(session)
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        _claim(session, entry.id, "key-1")
        raise RuntimeError("crash before commit")
    with session_scope(engine) as session:
        assert imports.get_row(session=session, natural_key="key-1") is None
        assert _claim(session, entry.id, "key-1").claimed


def test_attaching_the_case_run_is_idempotent_and_refuses_a_second_run(engine: Engine) -> None:
    run = uuid.uuid4()
    with session_scope(engine) as session:
        entry, _ = _receive(session)
        row = _claim(session, entry.id, "key-1").row
        imports.attach_case_run(session=session, row_id=row.id, flow_run_id=run)
        imports.attach_case_run(session=session, row_id=row.id, flow_run_id=run)
        with pytest.raises(ValueError, match="flow_run_id: row 2 already opened run"):
            imports.attach_case_run(session=session, row_id=row.id, flow_run_id=uuid.uuid4())


def test_finishing_an_import_records_its_counts_and_refuses_an_unknown_status(
    engine: Engine,
) -> None:
    with session_scope(engine) as session:
        entry, _ = _receive(session)
        imports.finish_import(
            session=session, import_id=entry.id, status=imports.IMPORTED, completed_at=AT,
            rows_read=12, rows_quarantined=3, encoding="cp1252", delimiter=";",
        )  # fmt: skip
        with pytest.raises(ValueError, match="status: 'done'"):
            imports.finish_import(
                session=session, import_id=entry.id, status="done", completed_at=AT,
                rows_read=0, rows_quarantined=0,
            )  # fmt: skip
    with session_scope(engine) as session:
        again = imports.get_import(session=session, sha256="a" * 64)
        assert again is not None
        assert (again.status, again.rows_read, again.rows_quarantined) == ("imported", 12, 3)


def test_review_and_ehe_lists_take_each_row_once(engine: Engine) -> None:
    with session_scope(engine) as session:
        entry, _ = _receive(session)
        row = _claim(session, entry.id, "key-1").row
        for _ in range(2):
            imports.list_for_review(
                session=session, intake_row_id=row.id, candidate="CME-2026-00001", score=0.8,
                reasons=["surname similar"], listed_at=AT,
            )  # fmt: skip
            imports.add_to_ehe_list(
                session=session, intake_row_id=row.id, school_urn="999001",
                deletion_date=date(2026, 11, 13), listed_at=AT,
            )  # fmt: skip
    with session_scope(engine) as session:
        reviews = imports.list_match_reviews(session=session)
        assert [(r.candidate, r.score, r.reasons) for r in reviews] == [
            ("CME-2026-00001", 0.8, ["surname similar"])
        ]
        assert len(imports.list_ehe_list(session=session)) == 1


def test_a_further_referral_is_recorded_on_the_open_case_with_an_event(engine: Engine) -> None:
    with session_scope(engine) as session:
        case = cases.open_case(
            session=session, referral=make_referral(), flow_run_id=None,
            officer_id="cme-officer-dspl-6-9", dspl_area=7, config_version="t",
            opened_at=AT, actor="test",
        )  # fmt: skip
        reference = case.reference
    with session_scope(engine) as session:
        imports.record_referral_on_case(
            session=session, case_reference=reference, referral=make_referral(),
            recorded_at=AT, actor="intake", import_reference="DR-2026-00001", row=4,
            route="open_case",
        )  # fmt: skip
        with pytest.raises(imports.ImportNotFoundError, match="no case CME-1999"):
            imports.record_referral_on_case(
                session=session, case_reference="CME-1999-00001", referral=make_referral(),
                recorded_at=AT, actor="intake", import_reference="DR-2026-00001", row=5,
                route="open_case",
            )  # fmt: skip
    with session_scope(engine) as session:
        found = cases.get_case(session=session, reference=reference)
        assert found is not None
        referrals = select(func.count()).where(ReferralRecord.case_id == found.id)
        assert session.scalar(referrals) == 2
        kinds = [
            e.kind for e in session.scalars(select(CaseEvent).where(CaseEvent.case_id == found.id))
        ]
        assert kinds == ["case_opened", "referral_received"]


def test_open_cases_list_identities_of_cases_not_closed(engine: Engine) -> None:
    with session_scope(engine) as session:
        open_case = cases.open_case(
            session=session, referral=make_referral(), flow_run_id=uuid.uuid4(),
            officer_id="cme-officer-dspl-6-9", dspl_area=7, config_version="t",
            opened_at=AT, actor="test",
        )  # fmt: skip
        closed = cases.open_case(
            session=session, referral=make_referral(child_surname="Closedcase"), flow_run_id=None,
            officer_id="cme-officer-dspl-6-9", dspl_area=7, config_version="t",
            opened_at=AT, actor="test",
        )  # fmt: skip
        cases.close_case(
            session=session, case_id=closed.id, outcome=ClosureOutcome.NOT_CME,
            closed_at=AT, actor="test", reason=None,
        )  # fmt: skip
        assert open_case.flow_run_id is not None
        run_id = open_case.flow_run_id
    with session_scope(engine) as session:
        listed = imports.list_open_cases(session=session)
        assert [(c.reference, c.identity.surname, c.identity.aliases) for c in listed] == [
            (open_case.reference, "Testchild", ("Alex Example",))
        ]
        assert imports.case_references_of_runs(session=session, flow_run_ids=[run_id]) == {
            run_id: open_case.reference
        }
