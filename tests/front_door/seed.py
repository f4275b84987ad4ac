"""A small caseload written through the store functions the flows use (store.cases.open_case,
store.stages.start_stage, store.decisions.record_decision, ...), for the front door's store and
HTTP tests. Not the product's path: no flow runs; the browser test opens its cases through the
real cme-case deployment instead."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from models.access import Role
from models.case_events import PossibleDuplicate
from models.enums import ClosureOutcome, Stage
from store import case_events, cases, decisions, people, stages
from tests.factories import make_referral

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
NORTH, SOUTH = "cme-officer-dspl-1-5", "cme-officer-dspl-6-9"
PASSWORD = "a-long-test-password-1"


def at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@dataclass(frozen=True)
class Seeded:
    overdue_most: str  # North: home visit due 20 Nov (14 days overdue on 4 Dec)
    overdue_less: str  # South: referral check due 1 Dec (3 days overdue)
    due_soon: str  # North: referral check due 6 Dec (amber)
    paused: str  # North: clock paused, due 1 Nov
    closed: str  # South: closed in 2025, of another child
    flow_run_ids: dict[str, uuid.UUID]


def seed_people(session: Session) -> None:
    for username, name, roles, team_id in (
        ("north.officer", "Nia North", [Role.OFFICER], NORTH),
        ("south.officer", "Sol South", [Role.OFFICER], SOUTH),
        ("team.lead", "Tess Lead", [Role.TEAM_LEAD], "cme-team-lead"),
        ("head.service", "Hal Head", [Role.HEAD_OF_SERVICE], "virtual-school-head"),
        ("admin.person", "Ada Admin", [Role.ADMIN], None),
        ("runner", "Runner", [Role.RUNNER], None),
    ):
        people.add_person(
            session=session,
            username=username,
            display_name=name,
            roles=roles,
            password=PASSWORD,
            now=NOW,
            team_id=team_id,
        )


def seed_cases(session: Session) -> Seeded:
    runs: dict[str, uuid.UUID] = {}

    def open_case(officer: str, area: int, opened: datetime, **child: object) -> tuple[int, str]:
        run = uuid.uuid4()
        case = cases.open_case(
            session=session,
            referral=make_referral(**child),
            flow_run_id=run,
            officer_id=officer,
            dspl_area=area,
            config_version="test",
            opened_at=opened,
            actor="intake",
        )
        runs[case.reference] = run
        return case.id, case.reference

    def stage(case_id: int, name: Stage, start: datetime, due: date | None) -> None:
        stages.start_stage(
            session=session, case_id=case_id, stage=name, started_at=start, due_on=due
        )

    # The factory's child, Alex Sample Testchild, also known as Alex Example: most overdue.
    c1, most = open_case(NORTH, 2, at(11, 2))
    stage(c1, Stage.REFERRAL_CHECK, at(11, 2), date(2026, 11, 6))
    decisions.record_decision(
        session=session,
        case_id=c1,
        stage=Stage.REFERRAL_CHECK,
        key="referral_check:enquiries",
        officer_id=NORTH,
        values={"decision": "visit", "signed_in_as": "north.officer"},
        decided_at=at(11, 5, 14),
    )
    stages.complete_stage(
        session=session, case_id=c1, stage=Stage.REFERRAL_CHECK, outcome="visit",
        completed_at=at(11, 5, 14),
    )  # fmt: skip
    stage(c1, Stage.HOME_VISIT, at(11, 5, 14), date(2026, 11, 20))

    c2, less = open_case(
        SOUTH, 7, at(11, 24), child_forenames="Maya", child_surname="Okonkwo",
        child_aliases=[], child_date_of_birth=date(2014, 6, 1), address="9 Mill Lane, Watford",
        postcode="WD17 1AA", last_school_name="Watford Grammar", child_upn="A123456789012",
    )  # fmt: skip
    stage(c2, Stage.REFERRAL_CHECK, at(11, 24), date(2026, 12, 1))
    decisions.record_decision(
        session=session, case_id=c2, stage=Stage.REFERRAL_CHECK, key="referral_check:early",
        officer_id=SOUTH, values={"decision": "enquire further"}, decided_at=at(11, 25),
    )  # fmt: skip

    c3, soon = open_case(
        NORTH, 3, at(12, 1), child_forenames="Leo", child_surname="Brennan",
        child_aliases=["Leo Smith"], child_date_of_birth=date(2016, 1, 9),
        address="2 High Street, Hitchin", postcode="SG5 1AB", last_school_name="Hitchin Boys",
    )  # fmt: skip
    stage(c3, Stage.REFERRAL_CHECK, at(12, 1), date(2026, 12, 6))
    case_events.append_event(
        session=session,
        case_id=c3,
        event=PossibleDuplicate(other_reference=most, score=0.8, reasons=["surname similar"]),
        actor="intake",
        occurred_at=at(12, 1, 10),
    )

    c4, paused = open_case(
        NORTH, 1, at(10, 1), child_forenames="Ivy", child_surname="Nguyen", child_aliases=[],
        child_date_of_birth=date(2013, 2, 2), address="5 Park Road, Harpenden",
        postcode="AL5 2AA",
    )  # fmt: skip
    stage(c4, Stage.REFERRAL_CHECK, at(10, 1), date(2026, 11, 1))
    stages.pause_stage_clock(
        session=session, case_id=c4, stage=Stage.REFERRAL_CHECK,
        reason="awaiting a court direction", at=at(10, 20), actor=NORTH,
    )  # fmt: skip

    c5, closed = open_case(
        SOUTH, 8, datetime(2025, 3, 3, 9, tzinfo=UTC), child_forenames="Oscar",
        child_surname="Whitfield", child_aliases=[], child_date_of_birth=date(2012, 12, 12),
        address="40 Station Road, Watford", postcode="WD24 4AA", last_school_name="Oakfield",
    )  # fmt: skip
    cases.close_case(
        session=session, case_id=c5, outcome=ClosureOutcome.FOUND_ON_ROLL,
        closed_at=datetime(2025, 4, 1, 9, tzinfo=UTC), actor=SOUTH, reason=None,
    )  # fmt: skip
    session.flush()
    return Seeded(most, less, soon, paused, closed, runs)
