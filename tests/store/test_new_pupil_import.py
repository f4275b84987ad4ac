"""Importing a generated new-pupil return against a real case database: every planted fault is
quarantined, every pupil who is a child with an open case asks that case to close, and importing
the file again, or finishing an import cut short, does nothing twice."""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update

from models.enums import Stage
from store import cases, closure_requests
from store.database import session_scope
from store.orm import ClosureRequestRecord, NewPupilReturn, NewPupilRow
from store.unit_of_work import bootstrap, reset
from tasks.new_pupil_returns import ImportOutcome, import_new_pupil_return, report_path
from tasks.return_files import sha256_of
from tests.factories import make_referral
from tools.synthetic_returns import SyntheticReturn, new_pupil_return, open_cases

TODAY = date(2026, 11, 27)
AT = datetime(2026, 11, 27, 9, tzinfo=UTC)


@pytest.fixture
def product(
    engine: Engine, case_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    """The product's unit of work on the test's case database."""
    monkeypatch.setenv("CME_DATABASE_URL", case_database_url)
    monkeypatch.setenv("CME_HOME", str(tmp_path / "home"))
    reset()
    try:
        yield engine
    finally:
        bootstrap().engine.dispose()
        reset()


def _school_return(tmp_path: Path) -> tuple[Path, SyntheticReturn, int]:
    generated = new_pupil_return(
        rows=60, bad_share=0.1, near_duplicate_share=0.0, seed=11, today=TODAY, encoding="cp1252"
    )
    opened = open_cases(count=12, known=generated.children, known_share=0.5, seed=3, today=TODAY)
    known = set(generated.children)
    with bootstrap().transaction() as session:
        for _, child in opened:
            cases.open_case(
                session=session,
                referral=make_referral(
                    child_forenames=child.forenames, child_surname=child.surname,
                    child_aliases=list(child.aliases), child_date_of_birth=child.date_of_birth,
                    postcode=child.postcode or "AL1 3ER",
                ),
                flow_run_id=uuid.uuid4(), officer_id="cme-officer-dspl-6-9", dspl_area=7,
                config_version="test", opened_at=AT, actor="test",
            )  # fmt: skip
    path = tmp_path / "synthetic-new-pupils.csv"
    path.write_bytes(generated.data)
    return path, generated, sum(1 for _, child in opened if child in known)


def _count(engine: Engine, model: type[object]) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_return_quarantines_its_faults_and_closes_each_known_childs_case_once(
    product: Engine, tmp_path: Path
) -> None:
    path, generated, known_cases = _school_return(tmp_path)
    assert known_cases >= 3, "the generated cases must include children of the return"

    outcome = import_new_pupil_return.fn(str(path), AT)

    expected = generated.expected
    assert outcome.rows_quarantined == expected.bad_rows
    with report_path(path, "processed", sha256_of(path)).open(encoding="utf-8") as handle:
        lines = sorted({int(row["line"]) for row in csv.DictReader(handle)})
    assert lines == sorted(expected.bad_row_lines)
    assert outcome.pupils_recorded == expected.good_rows
    assert outcome.closures_requested == known_cases == _count(product, ClosureRequestRecord)
    with session_scope(product) as session:
        assert len(closure_requests.list_outstanding_runs(session=session)) == known_cases
        carried = session.scalars(select(ClosureRequestRecord)).first()
        assert carried is not None
        closure_requests.mark_closure_carried_out(
            session=session, case_id=carried.case_id, stage=Stage.REFERRAL_CHECK, at=AT
        )
    with session_scope(product) as session:  # the run that carried its request out is not woken
        assert len(closure_requests.list_outstanding_runs(session=session)) == known_cases - 1
    assert outcome.reviews == []
    quarantined = {line["line"] for line in outcome.lines if line["outcome"] == "quarantined"}
    assert quarantined == {str(n) for n in expected.bad_row_lines}
    assert all(set(line) == {"line", "outcome", "case", "score", "column", "problem"}
               for line in outcome.lines)  # fmt: skip

    again = import_new_pupil_return.fn(str(path), AT)
    assert again == ImportOutcome(
        return_reference=outcome.return_reference,
        file_name=path.name,
        sha256=sha256_of(path),
        already_imported=True,
    )
    assert _count(product, NewPupilRow) == expected.good_rows
    assert _count(product, ClosureRequestRecord) == known_cases


def test_an_import_cut_short_is_finished_by_the_next_without_recording_anything_twice(
    product: Engine, tmp_path: Path
) -> None:
    path, generated, known_cases = _school_return(tmp_path)
    first = import_new_pupil_return.fn(str(path), AT)
    with session_scope(product) as session:  # as if the run died before marking the file done
        session.execute(update(NewPupilReturn).values(completed_at=None))

    resumed = import_new_pupil_return.fn(str(path), AT)

    assert not resumed.already_imported
    assert resumed.pupils_recorded == 0 and resumed.pupils_already_recorded == 0
    assert resumed.closures_requested == first.closures_requested == known_cases
    assert _count(product, NewPupilRow) == generated.expected.good_rows
    assert _count(product, ClosureRequestRecord) == known_cases
