"""The caseload report's queries and digest against a real database and a real SMTP server on
loopback: a small caseload recorded through the case store gives hand-counted figures, and the
team lead's digest for a period is sent once however often the report runs."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from adapters.settings import load_settings
from models.caseload import CaseloadFigures
from models.config import load_config
from models.deadlines import load_calendar_config
from models.enums import ClosureOutcome, Stage
from models.regime import load_regimes
from store import cases, decisions, stages
from store.database import session_scope
from store.orm import Case
from store.reports import read_caseload
from store.unit_of_work import UnitOfWork
from tasks.caseload import KEYS, figures_as_at, report_tables, send_digest, table_descriptions
from tests.factories import make_referral
from tests.mail import Inbox, body_of, start_smtp

NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
PERIOD_START = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
NORTH, SOUTH = "cme-officer-dspl-1-5", "cme-officer-dspl-6-9"
LEAD_EMAIL = "cme.team.lead@example.gov.uk"
UI = "http://ui.example.gov.uk"
RC, HV = Stage.REFERRAL_CHECK, Stage.HOME_VISIT


def _at(day: int, hour: int = 7) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def _seed(session: Session) -> dict[str, str]:
    """Five cases (see each comment); returns reference by name."""

    def open_case(officer: str, area: int, day: int) -> int:
        case = cases.open_case(
            session=session,
            referral=make_referral(),
            flow_run_id=uuid.uuid4(),
            officer_id=officer,
            dspl_area=area,
            config_version="test",
            opened_at=_at(day),
            actor="intake",
        )
        return case.id

    def stage(case_id: int, name: Stage, start: datetime, due: date | None = None) -> None:
        stages.start_stage(
            session=session, case_id=case_id, stage=name, started_at=start, due_on=due
        )

    def complete(case_id: int, name: Stage, at: datetime) -> None:
        stages.complete_stage(
            session=session, case_id=case_id, stage=name, outcome="done", completed_at=at
        )

    def close(case_id: int, at: datetime, outcome: ClosureOutcome) -> None:
        cases.close_case(
            session=session, case_id=case_id, outcome=outcome, closed_at=at, actor="o", reason=None
        )

    # 1: open, home visit due 20/11: 10 days overdue.
    c1 = open_case(NORTH, 2, 2)
    stage(c1, RC, _at(2, 9))
    complete(c1, RC, _at(3, 9))
    stage(c1, HV, _at(3, 9), date(2026, 11, 20))
    # 2: open, referral check due today: not overdue.
    c2 = open_case(SOUTH, 7, 28)
    stage(c2, RC, _at(28), date(2026, 11, 30))
    # 3: referral check completed in 5 days, closed in the period.
    c3 = open_case(SOUTH, 8, 20)
    stage(c3, RC, _at(20))
    complete(c3, RC, _at(25))
    close(c3, _at(25, 10), ClosureOutcome.FOUND_ON_ROLL)
    # 4: closed before the period: not in the report at all.
    c4 = open_case(NORTH, 1, 10)
    stage(c4, RC, _at(10))
    complete(c4, RC, _at(12))
    close(c4, _at(20), ClosureOutcome.MOVED_ABROAD_CONFIRMED)
    # 5: open, home visit since 1/11, due 15/11 but its clock paused on 14/11: not overdue.
    c5 = open_case(NORTH, 3, 1)
    stage(c5, HV, _at(1), date(2026, 11, 15))
    stages.pause_stage_clock(
        session=session, case_id=c5, stage=HV, at=_at(14), actor=NORTH, reason="court direction"
    )
    references = {}
    for name, case_id in (("c1", c1), ("c2", c2), ("c3", c3), ("c4", c4), ("c5", c5)):
        case = session.get(Case, case_id)
        assert case is not None
        references[name] = case.reference
    return references


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller, inbox = start_smtp(port)
    try:
        yield controller.port, inbox
    finally:
        controller.stop()


def _uow(engine: Engine, smtp_port: int = 8025) -> UnitOfWork:
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


@pytest.fixture
def seeded(engine: Engine) -> dict[str, str]:
    with session_scope(engine) as session:
        return _seed(session)


def test_the_query_reads_open_cases_and_cases_closed_in_the_period_only(
    engine: Engine, seeded: dict[str, str]
) -> None:
    with Session(engine) as session:
        cases, stages = read_caseload(session=session, period_start=PERIOD_START)

    assert [c.reference for c in cases] == [seeded[n] for n in ("c1", "c2", "c3", "c5")]
    assert sorted((s.reference, s.stage) for s in stages) == sorted(
        [
            (seeded["c1"], RC),
            (seeded["c1"], HV),
            (seeded["c2"], RC),
            (seeded["c3"], RC),
            (seeded["c5"], HV),
        ]
    )
    paused = next(s for s in stages if s.reference == seeded["c5"])
    assert paused.clock_paused_at == _at(14)


def test_the_figures_of_a_recorded_caseload_match_the_hand_count(
    engine: Engine, seeded: dict[str, str]
) -> None:
    figures = figures_as_at(uow=_uow(engine), now=NOW, period_days=7)

    assert (figures.open_cases, figures.closed_in_period) == (3, 1)
    assert figures.by_officer == {NORTH: 2, SOUTH: 1}
    assert figures.by_area == {2: 1, 7: 1, 3: 1}
    assert figures.by_stage == {HV: 2, RC: 1}
    assert [(o.reference, o.days_overdue) for o in figures.overdue] == [(seeded["c1"], 10)]
    assert figures.closures == {ClosureOutcome.FOUND_ON_ROLL: 1}
    times = {t.stage: t for t in figures.time_in_stage}
    assert (times[RC].open.count, times[RC].open.median_days) == (1, 2.0)
    assert (times[RC].completed_in_period.count, times[RC].completed_in_period.median_days) == (
        1,
        5.0,
    )
    # Home visits open 26 days 22 hours (case 1) and 29 days (case 5).
    assert times[HV].open.median_days == pytest.approx((26 + 22 / 24 + 29) / 2)
    assert (times[HV].open.longest_days, times[HV].open.longest_reference) == (29.0, seeded["c5"])


def _figures(engine: Engine) -> CaseloadFigures:
    return figures_as_at(uow=_uow(engine), now=NOW, period_days=7)


def test_every_case_row_of_the_tables_links_to_its_run(
    engine: Engine, seeded: dict[str, str]
) -> None:
    figures = _figures(engine)

    tables = report_tables(figures, ui_url=UI, names={NORTH: "North officer"})

    [overdue] = tables[KEYS["overdue"]]
    run = figures.flow_runs[seeded["c1"]]
    assert overdue["case"] == f"[{seeded['c1']}]({UI}/runs/flow-run/{run})"
    assert (overdue["officer"], overdue["days overdue"]) == ("North officer", 10)
    assert tables[KEYS["officer"]] == [
        {"officer": "North officer", "open cases": 2, "overdue stages": 1},
        {"officer": SOUTH, "open cases": 1, "overdue stages": 0},
    ]
    home_visit = next(row for row in tables[KEYS["time"]] if row["stage"] == HV.label)
    assert home_visit["open: longest case"].startswith(f"[{seeded['c5']}]({UI}/runs/flow-run/")
    assert tables[KEYS["closures"]] == [{"closure outcome": "Found on roll", "cases closed": 1}]


def test_the_team_lead_gets_one_digest_per_period_however_often_it_runs(
    engine: Engine, seeded: dict[str, str], smtp: tuple[int, Inbox]
) -> None:
    port, inbox = smtp
    uow = _uow(engine, port)

    assert send_digest(uow=uow, figures=_figures(engine)) is True
    assert send_digest(uow=uow, figures=_figures(engine)) is False

    [mail] = inbox.messages
    assert str(mail["X-Envelope-To"]) == LEAD_EMAIL
    assert (
        str(mail["Subject"]) == "CME caseload 2026-11-23 to 2026-11-30: 3 open, 1 overdue, 1 closed"
    )
    text = body_of(mail)
    assert f"{seeded['c1']}: Home visit; due 2026-11-20; 10 days overdue" in text
    assert f"{UI}/runs/flow-run/" in text
    assert "Found on roll: 1" in text
    assert "Testchild" not in text
    html = mail.get_body(preferencelist=("html",))
    assert html is not None and f'<a href="{UI}/runs/flow-run/' in str(html.get_content())


def test_a_case_in_support_to_a_school_place_is_listed_by_step_and_days_waiting(
    engine: Engine,
) -> None:
    with session_scope(engine) as session:
        case = cases.open_case(
            session=session, referral=make_referral(), flow_run_id=uuid.uuid4(),
            officer_id=SOUTH, dspl_area=7, config_version="test", opened_at=_at(2), actor="intake",
        )  # fmt: skip
        stages.start_stage(
            session=session, case_id=case.id, stage=Stage.SCHOOL_PLACE_SUPPORT,
            started_at=_at(10, 12), due_on=date(2026, 12, 3),
        )  # fmt: skip
        decisions.record_decision(
            session=session, case_id=case.id, stage=Stage.SCHOOL_PLACE_SUPPORT,
            key="school-place-support-place-request", officer_id=SOUTH,
            values={"outcome": "in_year_application", "made_on": "2026-11-12"},
            decided_at=_at(12, 12),
        )  # fmt: skip
        reference = case.reference

    figures = _figures(engine)
    tables = report_tables(figures, ui_url=UI, names={SOUTH: "South officer"})

    [row] = tables[KEYS["support"]]
    assert row["case"].startswith(f"[{reference}](")
    assert (row["step"], row["since"], row["days waiting"]) == (
        "In-year application: awaiting an offer", "2026-11-12", 18,
    )  # fmt: skip
    assert (row["officer"], row["due on"]) == ("South officer", "2026-12-03")
    # Each table is published with a description of its own (the support table's was missing).
    descriptions = table_descriptions(figures)
    assert descriptions.keys() == tables.keys()
    assert descriptions[KEYS["support"]].startswith("Open cases in support to a school place")
