"""The DfE termly CME return's rules; the scenario's counts are worked out by hand."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from models.dfe_return import (
    AcademicYear,
    CensusDay,
    CensusDays,
    CmeEpisode,
    DfeCmeReason,
    Finding,
    LengthMissing,
    Spell,
    SupportDecision,
    age_on,
    build_return,
    day_in_england,
    length_missing,
    primary_reason,
    spell_of,
    year_group,
)
from models.enums import AgencyKind, ClosureOutcome, Sex, Stage
from tests import dfe_scenario
from tests.dfe_scenario import (
    AS_OF,
    CENSUS_DATE,
    EXPECTED_CENSUS_DAY,
    EXPECTED_NOT_COUNTED,
    EXPECTED_PREVIOUS_YEAR,
    non_zero,
)

# --- The seeded scenario --------------------------------------------------------------------------


def test_census_day_counts_match_the_hand_computed_table() -> None:
    report = build_return(dfe_scenario.episodes(), census_date=CENSUS_DATE, as_of=AS_OF)

    assert non_zero(report.census_day) == EXPECTED_CENSUS_DAY
    assert non_zero(report.not_counted) == EXPECTED_NOT_COUNTED


def test_previous_academic_year_counts_match_the_hand_computed_table() -> None:
    report = build_return(dfe_scenario.episodes(), census_date=CENSUS_DATE, as_of=AS_OF)

    assert report.academic_year.previous.label == "2024/25"
    assert non_zero(report.previous_year) == EXPECTED_PREVIOUS_YEAR


def test_every_category_is_listed_even_at_zero_and_each_breakdown_sums_to_the_total() -> None:
    report = build_return(dfe_scenario.episodes(), census_date=CENSUS_DATE, as_of=AS_OF)

    categories = [(r.breakdown, r.category) for r in report.census_day]
    assert len(categories) == 1 + 3 + 12 + 3 + 5 + 2
    assert ("year_group", "year_11") in categories and ("sex", "not_known") in categories
    # Children supported to a school place are some of the total, not a breakdown of it.
    assert ("school_place", "applying") in categories
    for rows, total in ((report.census_day, 8), (report.previous_year, 5)):
        for breakdown in {r.breakdown for r in rows} - {"total", "school_place"}:
            assert sum(r.count for r in rows if r.breakdown == breakdown) == total, breakdown


def test_nothing_recorded_after_as_of_changes_the_return() -> None:
    after = datetime(2026, 2, 10, 12, 1, tzinfo=UTC)
    later = [
        replace(
            e,
            closed_at=e.closed_at or after,
            closure_outcome=e.closure_outcome or ClosureOutcome.MOVED_TO_OTHER_LA,
            findings=(*e.findings, Finding("moved_abroad_believed", after)),
        )
        for e in dfe_scenario.episodes()
    ]
    late_case = replace(dfe_scenario.episodes()[1], reference="LATE", opened_at=after)

    first = build_return(dfe_scenario.episodes(), census_date=CENSUS_DATE, as_of=AS_OF)
    again = build_return([*later, late_case], census_date=CENSUS_DATE, as_of=AS_OF)

    assert again == first


def test_a_census_day_after_as_of_is_refused() -> None:
    with pytest.raises(ValueError, match=r"census_date: 2026-02-11 is after today \(2026-02-10\)"):
        build_return([], census_date=date(2026, 2, 11), as_of=AS_OF)


# --- Year groups and academic years ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "expected"),
    [
        (date(2020, 8, 31), 1),  # 5 on 31 Aug 2025: Year 1
        (date(2020, 9, 1), 0),  # 4 on 31 Aug 2025: Reception
        (date(2019, 9, 1), 1),
        (date(2010, 9, 1), 10),  # 14 on 31 Aug 2025
        (date(2009, 9, 1), 11),  # 15 on 31 Aug 2025: Year 11
        (date(2009, 8, 31), 12),  # 16: past Year 11
        (date(2016, 2, 29), 5),  # 9 on 31 Aug 2025 (leap-day birthday)
    ],
)
def test_year_group_comes_from_the_age_on_31_august_before_the_year(
    born: date, expected: int
) -> None:
    assert year_group(born, AcademicYear(2025)) == expected


@pytest.mark.parametrize(
    ("day", "start_year", "label"),
    [
        (date(2025, 9, 1), 2025, "2025/26"),
        (date(2025, 8, 31), 2024, "2024/25"),
        (date(2026, 1, 22), 2025, "2025/26"),
        (date(1999, 12, 31), 1999, "1999/00"),
    ],
)
def test_the_academic_year_runs_from_1_september_to_31_august(
    day: date, start_year: int, label: str
) -> None:
    year = AcademicYear.containing(day)
    assert year.start_year == start_year and year.label == label
    assert year.first_day <= day <= year.last_day


def test_age_counts_completed_years_and_a_leap_day_birthday_is_1_march() -> None:
    assert age_on(date(2016, 2, 29), date(2025, 2, 28)) == 8
    assert age_on(date(2016, 2, 29), date(2025, 3, 1)) == 9
    assert age_on(date(2015, 3, 14), date(2025, 3, 13)) == 9
    assert age_on(date(2015, 3, 14), date(2025, 3, 14)) == 10


# --- Length of time missing -----------------------------------------------------------------------


def _spell(first_day: date, start_known: bool = True) -> Spell:
    episode = dfe_scenario.episodes()[0]
    return Spell(episode, first_day, None, start_known, DfeCmeReason.UNKNOWN_OTHER)


@pytest.mark.parametrize(
    ("first_day", "expected"),
    [
        (date(2026, 1, 22), LengthMissing.TWELVE_WEEKS_OR_LESS),  # referred on census day
        (date(2025, 10, 30), LengthMissing.TWELVE_WEEKS_OR_LESS),  # exactly 12 weeks (84 days)
        (date(2025, 10, 29), LengthMissing.MORE_THAN_TWELVE_WEEKS),  # 85 days
    ],
)
def test_twelve_weeks_to_the_day_is_12_weeks_or_less(first_day: date, expected: str) -> None:
    assert length_missing(_spell(first_day), CENSUS_DATE) == expected


def test_length_is_unknown_when_no_referral_dates_the_start() -> None:
    assert length_missing(_spell(date(2025, 1, 1), start_known=False), CENSUS_DATE) == "unknown"


# --- Who counts -----------------------------------------------------------------------------------


def _episode(**changes: object) -> CmeEpisode:
    base = dfe_scenario.episodes()[1]  # R2, open, referred 5 Jan 2026
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_case_closed_in_the_evening_ends_on_that_day_in_england() -> None:
    # 23:30 UTC on 31 August is 00:30 on 1 September in England (BST).
    assert day_in_england(datetime(2024, 8, 31, 23, 30, tzinfo=UTC)) == date(2024, 9, 1)
    assert day_in_england(datetime(2024, 8, 31, 22, 30, tzinfo=UTC)) == date(2024, 8, 31)
    with pytest.raises(ValueError, match="naive datetime"):
        day_in_england(datetime(2024, 8, 31, 22, 30))


def test_a_referral_check_finding_the_child_on_a_roll_means_never_missing() -> None:
    closed = datetime(2026, 1, 30, 9, tzinfo=UTC)
    at_check = _episode(
        closed_at=closed,
        closure_outcome=ClosureOutcome.FOUND_ON_ROLL,
        closing_stage=Stage.REFERRAL_CHECK,
    )
    after_visit = replace(at_check, closing_stage=Stage.HOME_VISIT)
    not_cme_later = replace(after_visit, closure_outcome=ClosureOutcome.NOT_CME)

    assert spell_of(at_check, AS_OF) is None
    assert spell_of(not_cme_later, AS_OF) is None
    spell = spell_of(after_visit, AS_OF)
    assert spell is not None and spell.last_day == date(2026, 1, 30)
    # Until the closure is known, the case is simply open.
    assert spell_of(at_check, datetime(2026, 1, 29, tzinfo=UTC)) is not None


def test_a_child_with_two_cases_is_counted_once_and_names_match_without_a_upn() -> None:
    first = _episode(reference="X1", upn=None, forenames="Jo  Ann", surname="Testchild")
    second = replace(first, reference="X2", forenames="jo ann", surname="TESTCHILD")
    other = replace(first, reference="X3", date_of_birth=date(2020, 9, 2))

    report = build_return([first, second, other], census_date=CENSUS_DATE, as_of=AS_OF)

    assert report.census_day_total == 2


# --- Primary reason -------------------------------------------------------------------------------


def test_reason_prefers_the_closure_then_a_visit_finding_then_the_referral() -> None:
    base = _episode(agency_kind=AgencyKind.ADMISSIONS)
    visited = replace(
        base, findings=(Finding("moved_to_other_la", datetime(2026, 1, 20, tzinfo=UTC)),)
    )
    closed = replace(
        visited,
        closed_at=datetime(2026, 2, 1, tzinfo=UTC),
        closure_outcome=ClosureOutcome.MOVED_ABROAD_BELIEVED,
    )

    assert primary_reason(base, AS_OF) is DfeCmeReason.SCHOOL_APPLICATION_AWAITING_OUTCOME
    assert primary_reason(visited, AS_OF) is DfeCmeReason.MOVED_OUT_OF_LA
    assert primary_reason(closed, AS_OF) is DfeCmeReason.MOVED_OUT_OF_COUNTRY
    # Evidence recorded after as_of is not known yet.
    early = datetime(2026, 1, 19, tzinfo=UTC)
    assert primary_reason(closed, early) is DfeCmeReason.SCHOOL_APPLICATION_AWAITING_OUTCOME


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"agency_kind": AgencyKind.EHE_TEAM}, DfeCmeReason.EHE_UNSUITABLE),
        ({"destination_country": "Portugal"}, DfeCmeReason.MOVED_OUT_OF_COUNTRY),
        ({"destination_local_authority": "Luton"}, DfeCmeReason.MOVED_OUT_OF_LA),
        ({"agency_kind": AgencyKind.POLICE}, DfeCmeReason.UNKNOWN_OTHER),
        ({"closure_outcome": ClosureOutcome.SAO_COMPLIED}, DfeCmeReason.UNKNOWN_OTHER),
        ({}, DfeCmeReason.UNKNOWN_OTHER),
    ],
)
def test_reason_from_the_referral_or_unknown_other(
    changes: dict[str, object], expected: DfeCmeReason
) -> None:
    assert primary_reason(_episode(**changes), AS_OF) is expected


# --- Census days ----------------------------------------------------------------------------------


def _census_days() -> CensusDays:
    return CensusDays(
        days=(
            CensusDay(term="autumn", census_date=date(2026, 10, 1), return_by=date(2026, 10, 30),
                      source="test"),
            CensusDay(term="spring", census_date=date(2027, 1, 21), return_by=date(2027, 2, 19),
                      source="test"),
            CensusDay(term="summer", census_date=date(2026, 5, 21), return_by=date(2026, 6, 19),
                      source="test"),
        )
    )  # fmt: skip


def test_default_census_date_is_the_latest_of_this_academic_year_that_has_come() -> None:
    days = _census_days()
    assert days.latest(date(2026, 11, 28)) == date(2026, 10, 1)
    assert days.latest(date(2027, 1, 21)) == date(2027, 1, 21)
    assert days.on(date(2027, 1, 21)) is not None and days.on(date(2027, 1, 22)) is None


def test_no_default_census_date_when_none_of_this_year_is_configured() -> None:
    with pytest.raises(ValueError, match=r"census_date: no DfE census day of 2026/27 on or before"):
        _census_days().latest(date(2026, 9, 30))
    with pytest.raises(ValueError, match=r"census_date: no DfE census day of 2027/28"):
        _census_days().latest(date(2027, 10, 5))


def test_census_day_configuration_refuses_a_return_date_before_the_census_and_duplicates() -> None:
    with pytest.raises(ValueError, match="return_by: 2026-09-30 is not after census_date"):
        CensusDay(term="autumn", census_date=date(2026, 10, 1), return_by=date(2026, 9, 30),
                  source="test")  # fmt: skip
    day = _census_days().days[0]
    with pytest.raises(ValueError, match="census_date 2026-10-01 is listed more than once"):
        CensusDays(days=(day, day))


def test_the_shipped_calendar_lists_the_2022_23_census_days_from_the_reference() -> None:
    from adapters.settings import PROJECT_ROOT
    from models.deadlines import load_calendar_config

    calendar = load_calendar_config(PROJECT_ROOT / "config" / "calendar.toml")
    assert [d.census_date for d in calendar.dfe_census.days] == [
        date(2022, 10, 6),
        date(2023, 1, 19),
        date(2023, 5, 18),
    ]


def test_the_visit_findings_mapped_to_reasons_are_findings_the_home_visit_form_records() -> None:
    from flows.forms import HomeVisitFinding
    from models.dfe_return import REASON_BY_VISIT_FINDING

    assert set(REASON_BY_VISIT_FINDING) <= {f.value for f in HomeVisitFinding}


# --- Support to a school place --------------------------------------------------------------------


def _supported(reference: str, *decisions: tuple[Mapping[str, object], datetime]) -> CmeEpisode:
    return CmeEpisode(
        reference=reference, upn=None, forenames=reference, surname="Testchild",
        date_of_birth=date(2015, 3, 14), sex=Sex.FEMALE,
        opened_at=datetime(2025, 9, 15, 10, tzinfo=UTC), received_on=date(2025, 9, 15),
        closed_at=None, closure_outcome=None, closing_stage=None,
        support=tuple(SupportDecision(values, at) for values, at in decisions),
    )  # fmt: skip


def test_children_applying_and_offered_but_not_started_are_counted_on_census_day() -> None:
    census = date(2025, 10, 2)
    before = datetime(2025, 9, 20, 10, tzinfo=UTC)
    on_census_day = datetime(2025, 10, 2, 16, tzinfo=UTC)
    after = datetime(2025, 10, 3, 10, tzinfo=UTC)
    applied = ({"outcome": "in_year_application", "made_on": "2025-09-20"}, before)
    episodes = [
        _supported("A", applied),
        _supported("B", ({"outcome": "fair_access_referral", "made_on": "2025-09-20"}, before)),
        _supported(
            "C", applied, ({"outcome": "offer_accepted", "decided_on": "2025-10-02"}, on_census_day)
        ),
        # Offered the day after census day: still applying on it.
        _supported(
            "D", applied, ({"outcome": "offer_accepted", "decided_on": "2025-10-03"}, after)
        ),
        _supported("E"),  # found, not yet applied
        _supported("F", applied, ({"outcome": "refused_every_offer"}, before)),
    ]
    report = build_return(episodes, census_date=census, as_of=datetime(2025, 10, 10, tzinfo=UTC))
    counts = {r.category: r.count for r in report.census_day if r.breakdown == "school_place"}
    assert counts == {"applying": 3, "offered_not_started": 1}
    reasons = {r.category: r.count for r in report.census_day if r.breakdown == "primary_reason"}
    # Applying as known at as_of: A and B (C and D were offered by then).
    assert reasons["school_application_awaiting_outcome"] == 2
