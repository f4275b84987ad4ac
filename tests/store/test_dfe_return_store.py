"""The DfE return read from a real case database (SQLite or PostgreSQL) and written to real files:
the seeded scenario gives the counts worked out by hand in tests/dfe_scenario.py."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from models.dfe_return import CensusDays, build_return
from store.database import session_scope
from store.reports import list_cme_episodes
from tasks.dfe_return import (
    CENSUS_DAY_FILE,
    PREVIOUS_YEAR_FILE,
    SUMMARY_FILE,
    render_summary,
    write_return_files,
)
from tests import dfe_scenario
from tests.dfe_scenario import (
    AS_OF,
    CENSUS_DATE,
    EXPECTED_CENSUS_DAY,
    EXPECTED_NOT_COUNTED,
    EXPECTED_PREVIOUS_YEAR,
    non_zero,
)


def _seeded(engine: Engine) -> dict[str, str]:
    with session_scope(engine) as session:
        return dfe_scenario.seed(session)


def test_the_seeded_case_database_gives_the_hand_computed_return(engine: Engine) -> None:
    _seeded(engine)

    with session_scope(engine) as session:
        episodes = list_cme_episodes(session=session, census_date=CENSUS_DATE, as_of=AS_OF)
    report = build_return(episodes, census_date=CENSUS_DATE, as_of=AS_OF)

    assert non_zero(report.census_day) == EXPECTED_CENSUS_DAY
    assert non_zero(report.previous_year) == EXPECTED_PREVIOUS_YEAR
    assert non_zero(report.not_counted) == EXPECTED_NOT_COUNTED


def test_the_query_reads_what_the_rules_need_and_skips_cases_that_cannot_count(
    engine: Engine, session: Session
) -> None:
    references = _seeded(engine)

    episodes = {
        e.reference: e
        for e in list_cme_episodes(session=session, census_date=CENSUS_DATE, as_of=AS_OF)
    }

    # R8 was opened after as_of; R14 and R15 closed late on 31 Aug 2024 and are read (the rules
    # decide by the day in England); nothing closed before that is read.
    assert references["R8"] not in episodes
    assert {references["R14"], references["R15"]} <= set(episodes)
    r4 = episodes[references["R4"]]
    assert [f.value for f in r4.findings] == ["no_contact", "moved_to_other_la"]
    assert r4.findings[1].decided_at == datetime(2025, 11, 20, 9, tzinfo=UTC)
    r1 = episodes[references["R1"]]
    assert r1.agency_kind == "admissions" and r1.received_on == dfe_scenario.SPECS[0].received_on
    assert episodes[references["R12"]].received_on is None
    assert episodes[references["R10b"]].upn == dfe_scenario.SAME_UPN
    assert episodes[references["R10b"]].destination_country == "Spain"


def test_a_case_closed_long_before_the_previous_academic_year_is_not_read(
    engine: Engine, session: Session
) -> None:
    _seeded(engine)

    later_census = datetime(2027, 1, 21, 12, tzinfo=UTC)  # previous year 2025/26
    episodes = list_cme_episodes(
        session=session, census_date=later_census.date(), as_of=later_census
    )

    names = {e.forenames for e in episodes}
    assert "Sam" not in names  # R10a closed March 2025
    assert "Child R14" not in names and "Child R6" in names


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_return_files_hold_every_count_and_a_rewrite_replaces_them_whole(
    engine: Engine, tmp_path: Path
) -> None:
    _seeded(engine)
    with session_scope(engine) as session:
        episodes = list_cme_episodes(session=session, census_date=CENSUS_DATE, as_of=AS_OF)
    report = build_return(episodes, census_date=CENSUS_DATE, as_of=AS_OF)
    summary = render_summary(report, census_days=CensusDays())

    files = write_return_files(report=report, reports_dir=tmp_path, summary=summary)
    again = write_return_files(report=report, reports_dir=tmp_path, summary=summary)

    assert again == files
    assert files.folder == tmp_path / "2026-01-22"
    assert sorted(p.name for p in files.folder.iterdir()) == sorted(
        [CENSUS_DAY_FILE, PREVIOUS_YEAR_FILE, SUMMARY_FILE]
    )
    census_rows = _csv(files.census_day)
    assert list(census_rows[0]) == ["census_date", "breakdown", "category", "label", "count"]
    assert {r["census_date"] for r in census_rows} == {"2026-01-22"}
    assert {
        (r["breakdown"], r["category"]): int(r["count"]) for r in census_rows if r["count"] != "0"
    } == EXPECTED_CENSUS_DAY
    assert len(census_rows) == 26  # every category, zeros included (2 school-place counts)
    previous_rows = _csv(files.previous_year)
    assert {
        (r["breakdown"], r["category"]): int(r["count"]) for r in previous_rows if r["count"] != "0"
    } == EXPECTED_PREVIOUS_YEAR
    text = files.summary.read_text(encoding="utf-8")
    assert "Children missing education on census day: **8**" in text
    assert "at any time in 2024/25: **5**" in text
    assert "not a DfE census day listed" in text
    for spec in dfe_scenario.SPECS:  # no child in any output
        assert f"Child {spec.name}" not in text
    assert "Testchild" not in files.census_day.read_text() + text
