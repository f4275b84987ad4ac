"""The front door's queries against the real case database (SQLite, and PostgreSQL in the
production pass): the caseload is current at every read, the search looks through every case,
and a case page holds everything it shows."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from models.casework import Rag, SearchQuery, by_urgency, search
from models.enums import CaseStatus, Stage
from store import cases, casework, stages
from tests.front_door.seed import NORTH, seed_cases

pytestmark = pytest.mark.production
TODAY = date(2026, 12, 4)


def test_the_caseload_is_every_open_case_most_overdue_first(session: Session) -> None:
    seeded = seed_cases(session)

    lines = by_urgency(casework.open_caseload(session=session), TODAY)

    assert [line.entry.reference for line in lines] == [
        seeded.overdue_most,
        seeded.overdue_less,
        seeded.due_soon,
        seeded.paused,
    ]
    assert [(line.days_overdue, line.rag) for line in lines] == [
        (14, Rag.RED),
        (3, Rag.RED),
        (0, Rag.AMBER),
        (0, Rag.GREEN),
    ]
    first = lines[0].entry
    assert (first.forenames, first.surname, first.date_of_birth) == (
        "Alex Sample",
        "Testchild",
        date(2015, 3, 14),
    )
    assert (first.stage, first.due_on) == (Stage.HOME_VISIT, date(2026, 11, 20))


def test_an_officer_reads_only_their_own_cases(session: Session) -> None:
    seeded = seed_cases(session)

    mine = {e.reference for e in casework.open_caseload(session=session, officer_id=NORTH)}

    assert mine == {seeded.overdue_most, seeded.due_soon, seeded.paused}


def test_a_change_to_a_case_shows_at_the_next_read(session: Session) -> None:
    seeded = seed_cases(session)
    case = casework.read_case_page(session=session, reference=seeded.due_soon)
    assert case is not None

    entry = next(
        e for e in casework.open_caseload(session=session) if e.reference == seeded.due_soon
    )
    assert entry.due_on == date(2026, 12, 6)
    record = cases.get_case(session=session, reference=seeded.due_soon)
    assert record is not None
    stages.set_stage_due(
        session=session,
        case_id=record.id,
        stage=Stage.REFERRAL_CHECK,
        due_on=date(2026, 11, 1),
        reason="test: moved earlier",
        details={},
        actor="cme-team-lead",
        at=case.opened_at,
    )

    lines = by_urgency(casework.open_caseload(session=session), TODAY)
    assert (lines[0].entry.reference, lines[0].days_overdue) == (seeded.due_soon, 33)


def test_the_search_finds_open_and_closed_cases_by_any_field(session: Session) -> None:
    seeded = seed_cases(session)
    candidates = casework.search_candidates(session=session)

    def refs(**query: object) -> list[str]:
        return [hit.candidate.reference for hit in search(candidates, SearchQuery(**query))]  # type: ignore[arg-type]

    assert refs(name="Testchlid") == [seeded.overdue_most]  # misspelled
    assert refs(name="alex example") == [seeded.overdue_most]  # an alias
    assert refs(name="Whitfeild") == [seeded.closed]  # closed in 2025
    assert refs(date_of_birth=date(2014, 6, 1)) == [seeded.overdue_less]
    assert refs(address="wd24 4aa") == [seeded.closed]
    assert refs(address="Mill Lane") == [seeded.overdue_less]
    assert refs(school="watford grammar") == [seeded.overdue_less]
    assert refs(reference=seeded.paused.lower()) == [seeded.paused]
    assert refs(name="Nobody Atall") == []
    closed = next(c for c in candidates if c.reference == seeded.closed)
    assert closed.status is CaseStatus.CLOSED


def test_a_case_page_holds_the_child_decisions_and_events(session: Session) -> None:
    seeded = seed_cases(session)

    case = casework.read_case_page(session=session, reference=seeded.overdue_most)

    assert case is not None
    assert (case.forenames, case.surname, case.aliases) == (
        "Alex Sample",
        "Testchild",
        ("Alex Example",),
    )
    assert [d.values.get("signed_in_as") for d in case.decisions] == ["north.officer"]
    assert case.open_stage is not None and case.open_stage.stage is Stage.HOME_VISIT
    assert case.flow_run_id == seeded.flow_run_ids[seeded.overdue_most]
    assert [e.kind.value for e in case.events][:2] == ["case_opened", "stage_started"]
    assert casework.read_case_page(session=session, reference="CME-0000-99999") is None
