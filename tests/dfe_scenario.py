"""A seeded set of cases for the DfE return, with its counts worked out by hand.

Census day Thursday 22 January 2026 (spring, academic year 2025/26); the return is as known at
10 February 2026 12:00 UTC. Year groups come from the age on 31 August 2025 (2025/26) and on
31 August 2024 (the previous academic year, 2024/25). Twelve weeks before census day is
30 October 2025 (84 days: 1 + 30 + 31 + 22).

Case: born, sex; referred (by); how it ends -> census day | previous year 2024/25
R1: 2020-08-31 M; 2025-10-30 (Admissions); open -> Y1, 84 days <=12 wk, application | no
R2: 2020-09-01 F; 2026-01-05; open -> Reception (CSA from 31 Dec 2025), <=12 wk, unknown | no
R3: 2009-03-10 M; 2025-05-12 (to Portugal); open -> not CSA (left 27 Jun 2025) | Y11, abroad
R4: 2014-02-20 F; 2025-10-29; open, visit on 20 Nov found a move to another LA
    -> Y7, 85 days >12 wk, moved LA | no
R5: 2016-06-01 M; 2025-11-03; closed on roll 21 Jan 2026 -> no (closed the day before) | no
R6: 2012-11-30 F; 2025-06-02 (deletion 9(1)(i)); closed SAO complied 22 Jan 2026 09:00
    -> Y8, >12 wk, unknown | Y7, unknown
R7: 2017-01-10 M; 2026-01-22 (EHE team); open -> Y4, 0 days <=12 wk, EHE unsuitable | no
R8: 2013-05-05 M; 2026-01-15, case opened 11 Feb 2026 -> no (after as_of) | no
R9: 2011-09-15 F; 2024-09-10; closed abroad 20 Feb 2026 (after as_of)
    -> Y9, >12 wk, unknown | Y8, unknown
R10a: 2010-12-01 M, UPN; 2024-11-04; closed abroad 14 Mar 2025 -> no | Y9, abroad
R10b: same UPN, other forename; 2025-08-20 (to Spain); open -> Y10, >12 wk, abroad
    | one child with R10a, counted from R10a
R11: 2015-07-07 F; 2025-12-10; closed on roll at the referral check 30 Jan 2026 -> never CME
R12: 2018-02-02 sex not known; no referral, opened 2025-12-15; open
    -> Y3, length unknown, unknown | no
R14: 2013-03-03 M; 2024-06-10; closed moved LA 31 Aug 2024 23:30 UTC (1 Sep in England)
    -> no | Y7, moved LA
R15: 2013-04-04 F; 2024-06-10; closed moved LA 31 Aug 2024 22:30 UTC (31 Aug) -> no | no
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy.orm import Session

from models.case_events import CaseOpened
from models.dfe_return import CmeEpisode, CountRow, Finding
from models.enums import AgencyKind, CaseStatus, ClosureOutcome, ReferrerType, Sex, Stage
from store import case_events, cases, decisions, stages
from store.orm import Case, Child
from tests.factories import make_referral

CENSUS_DATE = date(2026, 1, 22)
AS_OF = datetime(2026, 2, 10, 12, 0, tzinfo=UTC)
OFFICER = "cme-officer-dspl-6-9"
SAME_UPN = "A123456789012"

# Every category not listed is 0.
EXPECTED_CENSUS_DAY: dict[tuple[str, str], int] = {
    ("total", "all"): 8,
    ("sex", "female"): 4,  # R2 R4 R6 R9
    ("sex", "male"): 3,  # R1 R7 R10b
    ("sex", "not_known"): 1,  # R12
    ("year_group", "reception"): 1,  # R2
    ("year_group", "year_1"): 1,  # R1
    ("year_group", "year_3"): 1,  # R12
    ("year_group", "year_4"): 1,  # R7
    ("year_group", "year_7"): 1,  # R4
    ("year_group", "year_8"): 1,  # R6
    ("year_group", "year_9"): 1,  # R9
    ("year_group", "year_10"): 1,  # R10b
    ("length_missing", "12_weeks_or_less"): 3,  # R1 R2 R7
    ("length_missing", "more_than_12_weeks"): 4,  # R4 R6 R9 R10b
    ("length_missing", "unknown"): 1,  # R12
    ("primary_reason", "believed_moved_out_of_country"): 1,  # R10b
    ("primary_reason", "moved_out_of_la"): 1,  # R4
    ("primary_reason", "school_application_awaiting_outcome"): 1,  # R1
    ("primary_reason", "ehe_unsuitable"): 1,  # R7
    ("primary_reason", "unknown_other"): 4,  # R2 R6 R9 R12
}

EXPECTED_PREVIOUS_YEAR: dict[tuple[str, str], int] = {
    ("total", "all"): 5,
    ("sex", "female"): 2,  # R6 R9
    ("sex", "male"): 3,  # R3 R10 R14
    ("year_group", "year_7"): 2,  # R6 R14
    ("year_group", "year_8"): 1,  # R9
    ("year_group", "year_9"): 1,  # R10
    ("year_group", "year_11"): 1,  # R3
    ("primary_reason", "believed_moved_out_of_country"): 2,  # R3 R10a
    ("primary_reason", "moved_out_of_la"): 1,  # R14
    ("primary_reason", "unknown_other"): 2,  # R6 R9
}

EXPECTED_NOT_COUNTED = {("not_counted", "not_of_compulsory_school_age"): 1}  # R3


def non_zero(rows: tuple[CountRow, ...]) -> dict[tuple[str, str], int]:
    return {(row.breakdown, row.category): row.count for row in rows if row.count}


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


@dataclass(frozen=True)
class Spec:
    name: str
    born: date
    sex: Sex
    received_on: date | None
    stage: Stage = Stage.HOME_VISIT
    opened_at: datetime | None = None  # default: 09:00 UTC on the referral date
    closed_at: datetime | None = None
    outcome: ClosureOutcome | None = None
    upn: str | None = None
    referral: dict[str, Any] = field(default_factory=dict)
    findings: tuple[tuple[str, datetime], ...] = ()

    @property
    def opened(self) -> datetime:
        if self.opened_at is not None:
            return self.opened_at
        assert self.received_on is not None
        return at(self.received_on)


_ADMISSIONS = {"referrer_type": ReferrerType.AGENCY, "agency_kind": AgencyKind.ADMISSIONS}
_EHE_TEAM = {"referrer_type": ReferrerType.AGENCY, "agency_kind": AgencyKind.EHE_TEAM}

SPECS: tuple[Spec, ...] = (
    Spec("R1", date(2020, 8, 31), Sex.MALE, date(2025, 10, 30), referral=_ADMISSIONS),
    Spec("R2", date(2020, 9, 1), Sex.FEMALE, date(2026, 1, 5)),
    Spec(
        "R3", date(2009, 3, 10), Sex.MALE, date(2025, 5, 12),
        referral={"destination_country": "Portugal"},
    ),
    Spec(
        "R4", date(2014, 2, 20), Sex.FEMALE, date(2025, 10, 29),
        findings=(("no_contact", at(date(2025, 11, 5))),
                  ("moved_to_other_la", at(date(2025, 11, 20)))),
    ),
    Spec(
        "R5", date(2016, 6, 1), Sex.MALE, date(2025, 11, 3),
        closed_at=at(date(2026, 1, 21), 15), outcome=ClosureOutcome.FOUND_ON_ROLL,
    ),
    Spec(
        "R6", date(2012, 11, 30), Sex.FEMALE, date(2025, 6, 2), stage=Stage.SAO_NOTICE,
        closed_at=at(date(2026, 1, 22)), outcome=ClosureOutcome.SAO_COMPLIED,
        referral={"referrer_type": ReferrerType.SCHOOL_DELETION_RETURN, "deletion_ground": "9_1_i"},
    ),
    Spec("R7", date(2017, 1, 10), Sex.MALE, date(2026, 1, 22), referral=_EHE_TEAM,
         opened_at=at(date(2026, 1, 22), 10)),
    Spec("R8", date(2013, 5, 5), Sex.MALE, date(2026, 1, 15), opened_at=at(date(2026, 2, 11))),
    Spec(
        "R9", date(2011, 9, 15), Sex.FEMALE, date(2024, 9, 10), stage=Stage.PERIODIC_REVIEW,
        closed_at=at(date(2026, 2, 20)), outcome=ClosureOutcome.MOVED_ABROAD_BELIEVED,
    ),
    Spec(
        "R10a", date(2010, 12, 1), Sex.MALE, date(2024, 11, 4), upn=SAME_UPN,
        closed_at=at(date(2025, 3, 14)), outcome=ClosureOutcome.MOVED_ABROAD_BELIEVED,
    ),
    Spec(
        "R10b", date(2010, 12, 1), Sex.MALE, date(2025, 8, 20), upn=SAME_UPN,
        referral={"destination_country": "Spain"},
    ),
    Spec(
        "R11", date(2015, 7, 7), Sex.FEMALE, date(2025, 12, 10), stage=Stage.REFERRAL_CHECK,
        closed_at=at(date(2026, 1, 30)), outcome=ClosureOutcome.FOUND_ON_ROLL,
    ),
    Spec("R12", date(2018, 2, 2), Sex.NOT_KNOWN, None, opened_at=at(date(2025, 12, 15))),
    Spec(
        "R14", date(2013, 3, 3), Sex.MALE, date(2024, 6, 10),
        closed_at=at(date(2024, 8, 31), 23, 30), outcome=ClosureOutcome.MOVED_TO_OTHER_LA,
    ),
    Spec(
        "R15", date(2013, 4, 4), Sex.FEMALE, date(2024, 6, 10),
        closed_at=at(date(2024, 8, 31), 22, 30), outcome=ClosureOutcome.MOVED_TO_OTHER_LA,
    ),
)  # fmt: skip


def _forenames(spec: Spec) -> str:
    # R10a and R10b are one child under two spellings: only the UPN matches them.
    return {"R10a": "Sam", "R10b": "Samuel"}.get(spec.name, f"Child {spec.name}")


def episodes() -> list[CmeEpisode]:
    """The scenario as the pure rules see it (no database)."""
    result = []
    for spec in SPECS:
        agency = spec.referral.get("agency_kind")
        result.append(
            CmeEpisode(
                reference=spec.name,
                upn=spec.upn,
                forenames=_forenames(spec),
                surname="Testchild",
                date_of_birth=spec.born,
                sex=spec.sex,
                opened_at=spec.opened,
                received_on=spec.received_on,
                closed_at=spec.closed_at,
                closure_outcome=spec.outcome,
                closing_stage=spec.stage,
                agency_kind=AgencyKind(agency) if agency else None,
                destination_country=spec.referral.get("destination_country"),
                destination_local_authority=spec.referral.get("destination_local_authority"),
                findings=tuple(Finding(value, when) for value, when in spec.findings),
            )
        )
    return result


def seed(session: Session) -> dict[str, str]:
    """Write the scenario to the case database through the case store; returns name -> reference.

    R12 has no referral, which the store never writes, so it is written with the ORM directly,
    with the "case_opened" event every case's history starts with (the record check reads it).
    """
    references: dict[str, str] = {}
    for spec in SPECS:
        if spec.received_on is None:
            references[spec.name] = _seed_without_referral(session, spec)
            continue
        referral = make_referral(
            received_on=spec.received_on,
            child_forenames=_forenames(spec),
            child_date_of_birth=spec.born,
            child_sex=spec.sex,
            child_upn=spec.upn,
            date_last_attended=None,
            **_referrer(spec.referral),
        )
        case = cases.open_case(
            session=session,
            referral=referral,
            flow_run_id=uuid.uuid4(),
            officer_id=OFFICER,
            dspl_area=7,
            config_version="test",
            opened_at=spec.opened,
            actor="test",
        )
        references[spec.name] = case.reference
        stages.start_stage(
            session=session, case_id=case.id, stage=spec.stage, started_at=spec.opened, due_on=None
        )
        for number, (finding, decided_at) in enumerate(spec.findings, start=1):
            decisions.record_decision(
                session=session,
                case_id=case.id,
                stage=Stage.HOME_VISIT,
                key=f"home-visit-visit-{number}",
                officer_id=OFFICER,
                values={"finding": finding, "visit_date": decided_at.date().isoformat()},
                decided_at=decided_at,
            )
        if spec.closed_at is not None:
            assert spec.outcome is not None
            cases.close_case(
                session=session,
                case_id=case.id,
                outcome=spec.outcome,
                closed_at=spec.closed_at,
                actor=OFFICER,
                reason=None,
            )
    session.flush()
    return references


def _referrer(overrides: dict[str, Any]) -> dict[str, Any]:
    fields = dict(overrides)
    if fields.get("referrer_type") is ReferrerType.AGENCY:
        fields.setdefault("referrer_organisation", "Hertfordshire County Council")
    return fields


def _seed_without_referral(session: Session, spec: Spec) -> str:
    child = Child(
        forenames=_forenames(spec),
        surname="Testchild",
        aliases=[],
        date_of_birth=spec.born,
        sex=spec.sex,
        upn=spec.upn,
        address="2 Example Street, St Albans",
        postcode="AL1 3ER",
    )
    case = Case(
        reference=f"CME-TEST-{spec.name}-{uuid.uuid4().hex[:6]}",
        status=CaseStatus.OPEN,
        officer_id=OFFICER,
        dspl_area=7,
        opened_at=spec.opened,
        config_version="test",
        child=child,
    )
    session.add(case)
    session.flush()
    case_events.append_event(
        session=session,
        case_id=case.id,
        event=CaseOpened(reference=case.reference, officer_id=OFFICER, dspl_area=7),
        actor=OFFICER,
        occurred_at=spec.opened,
    )
    return case.reference
