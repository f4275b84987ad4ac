"""What an import does with each triaged row of a deletion return (pure: no database, no Prefect).

Every person, address and school here is fictitious.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from models.deletion_intake import (
    ImportNoticeKind,
    RowOutcome,
    RowPlan,
    plan_row,
    plan_rows,
    problem_table,
    referral_from_row,
    report_rows,
    row_natural_key,
)
from models.enums import DeletionGround as CaseGround
from models.enums import NoAddressReason, ReferralPurpose, ReferrerType
from models.matching import IdentityMatch, MatchStrength
from models.school_returns import DeletionReturnRow, RowProblem
from models.triage import Route, RowTriage

RECEIVED = date(2026, 11, 16)


def row(**overrides: Any) -> DeletionReturnRow:
    cells: dict[str, Any] = {
        "pupil_forenames": "Alex Sample",
        "pupil_surname": "Testchild",
        "pupil_aliases": "Alex Example",
        "date_of_birth": "2015-03-14",
        "address": "1 Example Street, St Albans",
        "postcode": "AL1 3ER",
        "parent_carer_names": "Sam Testparent; Jo Testparent",
        "parent_carer_phones": "01632 960000",
        "school_name": "Example Primary School",
        "school_urn": "999001",
        "deletion_ground": "g",
        "deletion_date": "2026-11-13",
    }
    cells.update(overrides)
    return DeletionReturnRow.model_validate(cells, context={"today": RECEIVED})


def triage(route: Route, **overrides: Any) -> RowTriage:
    values: dict[str, Any] = {
        "row": 2,
        "route": route,
        "linked_case": None,
        "review": (),
        "duplicate_of_row": None,
        "reason": "because",
    }
    values.update(overrides)
    return RowTriage(**values)


def planned(route: Route, the_row: DeletionReturnRow | None = None, **overrides: Any) -> RowPlan:
    result = plan_row(2, the_row or row(), triage(route, **overrides), received_on=RECEIVED)
    assert isinstance(result, RowPlan), result
    return result


def test_the_natural_key_ignores_case_spacing_and_accents_but_not_the_deletion_date() -> None:
    key = row_natural_key(row())
    assert key == row_natural_key(row(pupil_forenames="  alex  SAMPLE", pupil_surname="Testchîld"))
    assert key != row_natural_key(row(deletion_date="2026-11-12"))
    assert key != row_natural_key(row(school_urn="999002"))
    assert "Testchild" not in key and len(key) == 64


def test_a_row_makes_a_school_deletion_return_referral_with_ground_and_date() -> None:
    referral = referral_from_row(
        row(), received_on=RECEIVED, purpose=ReferralPurpose.CHILD_MISSING_EDUCATION
    )
    assert referral.referrer_type is ReferrerType.SCHOOL_DELETION_RETURN
    assert referral.deletion_ground is CaseGround.G_MOVED_AWAY
    assert referral.deletion_date == date(2026, 11, 13)
    assert referral.last_school_urn == "999001"
    assert referral.referrer_organisation == "Example Primary School"
    assert [p.name for p in referral.parents] == ["Sam Testparent", "Jo Testparent"]
    assert [p.phone for p in referral.parents] == ["01632 960000", None]
    assert referral.child_aliases == ["Alex Example"]


def test_a_row_with_no_ground_stated_is_still_a_schools_referral() -> None:
    referral = referral_from_row(
        row(deletion_ground=""),
        received_on=RECEIVED,
        purpose=ReferralPurpose.CHILD_MISSING_EDUCATION,
    )
    assert referral.referrer_type is ReferrerType.SCHOOL
    assert referral.deletion_ground is None


@pytest.mark.parametrize(
    ("route", "outcome", "notice"),
    [
        (Route.EHE_NOTICE, RowOutcome.EHE_LISTED, ImportNoticeKind.EHE_NOTICE),
        (Route.FLAG_TO_SCHOOL, RowOutcome.FLAGGED_TO_SCHOOL, ImportNoticeKind.FLAG_TO_SCHOOL),
        (Route.S19_TEAM, RowOutcome.SENT_TO_S19_TEAM, ImportNoticeKind.S19_NOTICE),
        (Route.RECORD_ONLY, RowOutcome.RECORDED, None),
        (Route.DESTINATION_CONFIRMED, RowOutcome.RECORDED, None),
        (Route.SAO_CASE, RowOutcome.RECORDED, None),
        (Route.YOUTH_JUSTICE, RowOutcome.RECORDED, None),
    ],
)
def test_routes_without_a_case_become_a_record_and_their_notice(
    route: Route, outcome: RowOutcome, notice: ImportNoticeKind | None
) -> None:
    plan = planned(route)
    assert (plan.outcome, plan.notice, plan.referral) == (outcome, notice, None)


@pytest.mark.parametrize(
    ("route", "purpose"),
    [
        (Route.CME_CASE, ReferralPurpose.CHILD_MISSING_EDUCATION),
        (Route.VERIFY_DESTINATION, ReferralPurpose.VERIFY_DESTINATION),
    ],
)
def test_case_routes_request_a_case_with_the_purpose_that_tells_them_apart(
    route: Route, purpose: ReferralPurpose
) -> None:
    plan = planned(route)
    assert plan.outcome is RowOutcome.CASE_REQUESTED and plan.notice is None
    assert plan.referral is not None and plan.referral.purpose is purpose


def test_a_certain_match_with_an_open_case_is_recorded_on_it_and_its_officer_told() -> None:
    plan = planned(Route.CME_CASE, linked_case="CME-2026-00042")
    assert plan.outcome is RowOutcome.RECORDED_ON_CASE
    assert plan.linked_case == "CME-2026-00042" and plan.referral is not None
    assert plan.notice is ImportNoticeKind.FURTHER_REFERRAL


def test_a_certain_duplicate_of_an_earlier_row_does_nothing_more() -> None:
    plan = planned(Route.CME_CASE, duplicate_of_row=2)
    assert (plan.outcome, plan.referral, plan.notice) == (RowOutcome.DUPLICATE_IN_FILE, None, None)


def _plan_file(
    rows: list[DeletionReturnRow], routes: list[Route], duplicates: dict[int, int]
) -> tuple[dict[int, RowPlan], dict[int, str]]:
    """Plan a file of rows (lines 2, 3, ...) as triage routed them; `duplicates` maps a line to
    the earlier line triage found to be certainly the same child."""
    lines = list(enumerate(rows, start=2))
    triaged = [
        triage(route, row=line, duplicate_of_row=duplicates.get(line),
               reason=f"r; same child as row {duplicates[line]}: no second case"
               if line in duplicates else "r")
        for (line, _), route in zip(lines, routes, strict=True)
    ]  # fmt: skip
    plans, problems = plan_rows(lines, triaged, received_on=RECEIVED)
    return {p.line: p for p in plans}, {p.row: p.problem for p in problems}


def test_a_repeated_key_is_quarantined_naming_the_row_imported_and_how_it_differs() -> None:
    plans, problems = _plan_file(
        [row(), row(postcode="al13er"), row(address="2 Sample Road"), row(deletion_ground="h")],
        [Route.CME_CASE, Route.CME_CASE, Route.CME_CASE, Route.FLAG_TO_SCHOOL],
        {3: 2, 4: 2, 5: 2},
    )
    assert list(plans) == [2] and plans[2].outcome is RowOutcome.CASE_REQUESTED
    assert problems == {
        3: "repeats row 2 (the same pupil, school and deletion date, the same details written "
        "differently): only row 2 is imported",
        4: "the same pupil, school and deletion date as row 2, but a different address: only "
        "row 2 is imported; if this row corrects it, send the correction to the CME team",
        5: "the same pupil, school and deletion date as row 2, but a different deletion_ground: "
        "only row 2 is imported; if this row corrects it, send the correction to the CME team",
    }
    assert "Testchild" not in str(problems)


def test_a_child_whose_earlier_rows_opened_no_case_gets_one_and_only_one() -> None:
    # Dual registration ended (no case), then moved away twice (other dates): one case, row 3's.
    plans, problems = _plan_file(
        [row(deletion_date="2026-11-02", deletion_ground="c"),
         row(deletion_date="2026-11-06"), row(deletion_date="2026-11-13")],
        [Route.RECORD_ONLY, Route.CME_CASE, Route.CME_CASE],
        {3: 2, 4: 2},
    )  # fmt: skip
    assert problems == {}
    assert [(line, p.outcome) for line, p in plans.items()] == [
        (2, RowOutcome.RECORDED),
        (3, RowOutcome.CASE_REQUESTED),
        (4, RowOutcome.DUPLICATE_IN_FILE),
    ]
    assert "same child as row 2, which opens no case: this row takes its own route" in (
        plans[3].reason
    )
    assert plans[4].reason.endswith("same child as row 3: no second case")
    # Row 3 is still the child of row 2: listed for the officer.
    assert [r.candidate for r in plans[3].reviews] == ["row 2"]


def test_a_child_whose_first_row_was_quarantined_is_not_lost_with_it() -> None:
    refused = row().model_copy(update={"pupil_forenames": "A" * 201})
    plans, problems = _plan_file(
        [refused, row(deletion_date="2026-11-06")], [Route.CME_CASE, Route.CME_CASE], {3: 2}
    )
    assert list(problems) == [2]
    assert plans[3].outcome is RowOutcome.CASE_REQUESTED
    assert [r.candidate for r in plans[3].reviews] == ["row 2"]


def test_near_matches_go_to_review_and_the_case_still_opens() -> None:
    near = IdentityMatch("CME-2026-00007", 0.8, MatchStrength.NEAR, ("surname similar",))
    plan = planned(Route.CME_CASE, review=(near,), possible_duplicate_of_rows=(4,))
    assert plan.outcome is RowOutcome.CASE_REQUESTED
    assert [(r.candidate, r.score) for r in plan.reviews] == [
        ("CME-2026-00007", 0.8),
        ("row 4", 0.0),
    ]


def test_a_row_the_referral_refuses_is_quarantined_naming_the_referral_field() -> None:
    long_note = "x" * 5001  # the return allows 5000 characters of notes too: test the mapping
    the_row = row()
    the_row = the_row.model_copy(update={"pupil_forenames": "A" * 201, "notes": long_note[:10]})
    result = plan_row(2, the_row, triage(Route.CME_CASE), received_on=RECEIVED)
    assert isinstance(result, list)
    assert [(p.row, p.field) for p in result] == [(2, "child_forenames")]
    assert result[0].raw["pupil_surname"] == "Testchild"


def test_the_report_keeps_the_row_as_read_and_the_artifact_only_row_field_problem() -> None:
    problems = [
        RowProblem(
            5, "postcode", "not a UK postcode", {"pupil_surname": "Testchild", "postcode": "X"}
        ),
        RowProblem(3, "(row)", "repeats row 2 exactly", {"pupil_surname": "Other"}),
    ]
    header, rows = report_rows(problems)
    assert header == ["row", "field", "problem", "pupil_surname", "postcode"]
    assert rows == [
        ["3", "(row)", "repeats row 2 exactly", "Other", ""],
        ["5", "postcode", "not a UK postcode", "Testchild", "X"],
    ]
    assert problem_table(problems) == [
        {"row": 3, "field": "(row)", "problem": "repeats row 2 exactly"},
        {"row": 5, "field": "postcode", "problem": "not a UK postcode"},
    ]


def test_a_pupil_of_no_fixed_abode_makes_a_referral_that_says_so() -> None:
    referral = referral_from_row(
        row(address="No fixed abode", postcode="zz99 3vz"),
        received_on=RECEIVED,
        purpose=ReferralPurpose.CHILD_MISSING_EDUCATION,
    )
    assert referral.postcode == "ZZ99 3VZ"
    assert referral.no_address_reason is NoAddressReason.NO_FIXED_ABODE
    assert referral.home_postcode is None


def test_a_pseudo_postcode_of_unknown_meaning_is_quarantined_naming_the_reason() -> None:
    result = plan_row(2, row(postcode="ZZ99 3CZ"), triage(Route.CME_CASE), received_on=RECEIVED)
    assert isinstance(result, list)
    assert [(p.row, p.field) for p in result] == [(2, "no_address_reason")]
