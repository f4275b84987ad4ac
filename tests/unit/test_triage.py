"""Triage of a deletion return: each ground's route, open-case links, review lists, duplicates.

Every person and school here is fictitious.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from models.extracts import roll_index
from models.matching import (
    ChildIdentity,
    IdentityIndex,
    MatchStrength,
    MatchThresholds,
    index_identities,
)
from models.school_returns import DeletionGroundLetter, DeletionReturnRow
from models.triage import Route, RowTriage, triage_deletion_return

TODAY = date(2026, 11, 2)
THRESHOLDS = MatchThresholds()
DELETING_SCHOOL = "999001"


def pupil(**overrides: Any) -> DeletionReturnRow:
    fields: dict[str, Any] = {
        "pupil_forenames": "Alex Sample",
        "pupil_surname": "Testchild",
        "date_of_birth": "2015-03-14",
        "address": "1 Example Street, St Albans",
        "postcode": "AL1 3ER",
        "school_name": "Example Primary School",
        "school_urn": DELETING_SCHOOL,
        "deletion_ground": "g",
        "deletion_date": "2026-10-30",
    }
    fields.update(overrides)
    return DeletionReturnRow.model_validate(fields, context={"today": TODAY})


def no_index() -> IdentityIndex[str]:
    return IdentityIndex(THRESHOLDS)


def roll(*rows: tuple[str, str, str]) -> IdentityIndex[str]:
    """Roll rows (forenames, surname, school URN), everyone born 14 March 2015."""
    return roll_index(
        [
            {
                "forenames": f,
                "surname": s,
                "date_of_birth": "2015-03-14",
                "postcode": "AL1 3ER",
                "school_name": "A school",
                "school_urn": urn,
            }
            for f, s, urn in rows
        ],
        THRESHOLDS,
    )


def triage_one(
    row: DeletionReturnRow,
    *,
    open_cases: IdentityIndex[str] | None = None,
    on_roll: IdentityIndex[str] | None = None,
) -> RowTriage:
    (result,) = triage_deletion_return(
        [(2, row)],
        open_cases=open_cases or no_index(),
        roll=on_roll or no_index(),
        thresholds=THRESHOLDS,
    )
    return result


@pytest.mark.parametrize(
    ("ground", "route"),
    [
        ("c", Route.RECORD_ONLY),
        ("d", Route.SAO_CASE),
        ("e", Route.EHE_NOTICE),
        ("f", Route.EHE_NOTICE),
        ("g", Route.CME_CASE),
        ("j", Route.YOUTH_JUSTICE),
        ("k", Route.RECORD_ONLY),
        ("n", Route.CME_CASE),
        ("o", Route.S19_TEAM),
        ("unknown", Route.CME_CASE),
        ("", Route.CME_CASE),
    ],
)
def test_each_ground_takes_its_documented_route(ground: str, route: Route) -> None:
    triaged = triage_one(pupil(deletion_ground=ground))

    assert triaged.route is route
    assert triaged.reason.startswith(
        f"reg 9(1)({ground})" if ground not in {"", "unknown"} else "deletion ground not stated"
    )


def test_ground_l_is_recorded_only() -> None:
    row = pupil(deletion_ground="l", date_of_birth="2010-01-01", deletion_date="2026-06-26")
    assert triage_one(row).route is Route.RECORD_ONLY


@pytest.mark.parametrize("ground", ["h", "i"])
def test_whereabouts_unknown_after_joint_enquiries_is_a_cme_case(ground: str) -> None:
    triaged = triage_one(pupil(deletion_ground=ground, joint_reasonable_enquiries_made="yes"))

    assert triaged.route is Route.CME_CASE
    assert triaged.opens_case


@pytest.mark.parametrize(("ground", "answer"), [("h", "no"), ("i", ""), ("i", "N")])
def test_h_or_i_without_joint_enquiries_is_flagged_back_to_the_school(
    ground: str, answer: str
) -> None:
    triaged = triage_one(pupil(deletion_ground=ground, joint_reasonable_enquiries_made=answer))

    assert triaged.route is Route.FLAG_TO_SCHOOL
    assert "stays on roll" in triaged.reason
    assert not triaged.opens_case


@pytest.mark.parametrize("ground", ["a", "m"])
def test_destination_on_another_schools_roll_is_confirmed_without_a_case(ground: str) -> None:
    on_roll = roll(("Alex Sample", "Testchild", "999002"))

    triaged = triage_one(pupil(deletion_ground=ground), on_roll=on_roll)

    assert triaged.route is Route.DESTINATION_CONFIRMED
    assert not triaged.opens_case


def test_destination_not_on_roll_opens_a_verify_destination_case() -> None:
    on_roll = roll(("Bertie", "Madeupson", "999002"))

    triaged = triage_one(pupil(deletion_ground="a"), on_roll=on_roll)

    assert triaged.route is Route.VERIFY_DESTINATION
    assert "not found on any school roll" in triaged.reason
    assert triaged.opens_case


def test_the_deleting_schools_own_roll_entry_does_not_confirm_the_destination() -> None:
    on_roll = roll(("Alex Sample", "Testchild", DELETING_SCHOOL))

    assert triage_one(pupil(deletion_ground="a"), on_roll=on_roll).route is (
        Route.VERIFY_DESTINATION
    )


def test_only_a_near_match_on_roll_is_verified_not_confirmed() -> None:
    on_roll = roll(("Alex Sample", "Testchlid", "999002"))

    triaged = triage_one(pupil(deletion_ground="a"), on_roll=on_roll)

    assert triaged.route is Route.VERIFY_DESTINATION
    assert "possible match" in triaged.reason


def test_nursery_leaver_below_school_age_is_recorded_and_one_of_school_age_is_checked() -> None:
    below = pupil(deletion_ground="b", date_of_birth="2022-01-01")
    of_age = pupil(deletion_ground="b", date_of_birth="2021-01-01")

    assert triage_one(below).route is Route.RECORD_ONLY
    assert triage_one(of_age).route is Route.VERIFY_DESTINATION


def test_certain_open_case_match_links_and_near_ones_go_to_review() -> None:
    born = date(2015, 3, 14)
    open_cases = index_identities(
        [
            ("CME-2026-0001", ChildIdentity("Testchild", "Alex Sample", born)),
            ("CME-2026-0002", ChildIdentity("Alex", "Testchild", born)),
            ("CME-2026-0003", ChildIdentity("Bertie", "Madeupson", born)),
        ],
        THRESHOLDS,
    )

    triaged = triage_one(pupil(), open_cases=open_cases)

    assert triaged.linked_case == "CME-2026-0001"
    assert [(m.key, m.strength) for m in triaged.review] == [("CME-2026-0002", MatchStrength.NEAR)]
    assert triaged.route is Route.CME_CASE
    assert not triaged.opens_case
    assert "linked to an open case; 1 possible open case(s) to review" in triaged.reason


def test_same_child_twice_in_a_file_is_one_case_and_a_near_repeat_is_listed() -> None:
    rows = [
        (2, pupil()),
        (3, pupil(pupil_forenames="Bertie", pupil_surname="Madeupson")),
        (4, pupil(pupil_aliases="Al Other", pupil_forenames="ALEX-SAMPLE", postcode="SG1 1AA")),
        # A typo in the surname at the same school, the same date of birth: one child.
        (5, pupil(pupil_surname="Testchlid")),
        # A letter of the forename changed: perhaps a twin, never merged; listed for review.
        (6, pupil(pupil_forenames="Alix Sample")),
    ]

    triaged = triage_deletion_return(
        rows, open_cases=no_index(), roll=no_index(), thresholds=THRESHOLDS
    )

    assert [(t.row, t.duplicate_of_row, t.possible_duplicate_of_rows) for t in triaged] == [
        (2, None, ()),
        (3, None, ()),
        (4, 2, ()),
        (5, 2, (4,)),
        (6, None, (2, 4, 5)),
    ]
    # A possible repeat still opens its case: a person decides from the review list.
    assert [t.opens_case for t in triaged] == [True, True, False, False, True]
    assert "same child as row 2: no second case" in triaged[2].reason
    assert "one child with row 2 in this file (surname one typo apart)" in triaged[3].reason
    assert "possibly the same child as row(s) 2, 4, 5" in triaged[4].reason


def test_reasons_carry_no_personal_value() -> None:
    open_cases = index_identities(
        [("CME-2026-0002", ChildIdentity("Alex", "Testchild", date(2015, 3, 14)))], THRESHOLDS
    )
    triaged = triage_deletion_return(
        [(2, pupil()), (3, pupil(pupil_surname="Testchlid"))],
        open_cases=open_cases,
        roll=no_index(),
        thresholds=THRESHOLDS,
    )

    texts = [t.reason for t in triaged] + [r for t in triaged for m in t.review for r in m.reasons]
    personal = ("alex", "testch", "2015", "al1", "example street")
    assert not [text for text in texts for value in personal if value in text.lower()]


def test_every_ground_has_a_route() -> None:
    for ground in DeletionGroundLetter:
        row = pupil(deletion_ground=ground.value, joint_reasonable_enquiries_made="yes")
        if ground is DeletionGroundLetter.L_CEASES_COMPULSORY_SCHOOL_AGE:
            row = pupil(deletion_ground="l", date_of_birth="2010-01-01", deletion_date="2026-06-26")
        assert isinstance(triage_one(row).route, Route)


def test_roll_index_reads_the_shipped_extract_keyed_by_urn_skipping_unusable_rows() -> None:
    import csv
    from pathlib import Path

    shipped = Path(__file__).resolve().parents[2] / "config" / "extracts" / "pupil_roll.csv"
    with shipped.open(encoding="utf-8", newline="") as handle:
        rows: list[dict[str, str | None]] = list(csv.DictReader(handle))
    unusable: list[dict[str, str | None]] = [
        {**rows[0], "school_urn": ""},
        {**rows[0], "date_of_birth": "not a date"},
    ]

    index = roll_index([*rows, *unusable], THRESHOLDS)

    assert len(index) == len(rows)
    ada = ChildIdentity("ADA", "Testchild", date(2014, 3, 9))
    assert [(m.key, m.strength) for m in index.matches(ada)] == [("999001", MatchStrength.CERTAIN)]
