"""Matching a referred child against the pupil roll and the EHE register: exact, never fuzzy.

The referred child (tests/factories.py) is "Alex Sample Testchild", alias "Alex Example", born
14 March 2015. Every row here is fictitious.
"""

from __future__ import annotations

from datetime import date

import pytest

from models.extracts import ExtractFinding, ExtractMatch, match_extracts, normalise_name
from tests.factories import make_referral

DOB = "2015-03-14"

Row = dict[str, str | None]


def roll_row(
    forenames: str = "Alex Sample",
    surname: str = "Testchild",
    date_of_birth: str = DOB,
    school_name: str = "Example Academy",
    school_urn: str = "999002",
) -> Row:
    return {
        "forenames": forenames,
        "surname": surname,
        "date_of_birth": date_of_birth,
        "postcode": "AL1 3AA",
        "school_name": school_name,
        "school_urn": school_urn,
    }


def ehe_row(forenames: str = "Alex Sample", surname: str = "Testchild") -> Row:
    return {"forenames": forenames, "surname": surname, "date_of_birth": DOB, "postcode": "AL1 3AA"}


OTHER_PUPILS = [
    roll_row("Ada", "Madeupson", "2014-03-09", "Sample Primary School", "999001"),
    roll_row("Bertie", "Fictitious", "2012-11-21", "Placeholder Junior School", "999003"),
]


def match(pupil_roll: list[Row], ehe_register: list[Row] | None = None) -> ExtractMatch:
    return match_extracts(make_referral(), pupil_roll=pupil_roll, ehe_register=ehe_register or [])


def test_child_is_on_roll_with_the_rows_school_when_name_and_birth_date_match_exactly() -> None:
    found = match([*OTHER_PUPILS, roll_row()])

    assert found == ExtractMatch(
        finding=ExtractFinding.ON_ROLL, school_name="Example Academy", school_urn="999002"
    )


def test_child_is_on_roll_when_the_roll_has_the_childs_alias() -> None:
    found = match([roll_row("Alex", "Example")])

    assert found.finding is ExtractFinding.ON_ROLL


@pytest.mark.parametrize(
    ("forenames", "surname"),
    [
        ("ALEX SAMPLE", "TESTCHILD"),
        ("alex sample", "testchild"),
        ("Alëx Sámple", "Téstchild"),
        ("  Alex   Sample ", " Testchild  "),
        ("Alex", "Sample Testchild"),  # the split between forenames and surname differs
    ],
)
def test_child_is_on_roll_when_the_name_differs_only_in_case_accents_or_spacing(
    forenames: str, surname: str
) -> None:
    assert match([roll_row(forenames, surname)]).finding is ExtractFinding.ON_ROLL


def test_child_is_on_roll_when_the_birth_date_cell_has_surrounding_spaces() -> None:
    assert match([roll_row(date_of_birth=f" {DOB} ")]).finding is ExtractFinding.ON_ROLL


@pytest.mark.parametrize(
    "date_of_birth",
    ["2015-03-15", "2014-03-14", "", "14/03/2015"],
)
def test_child_is_not_found_when_the_birth_date_differs(date_of_birth: str) -> None:
    assert match([roll_row(date_of_birth=date_of_birth)]).finding is ExtractFinding.NOT_FOUND


@pytest.mark.parametrize(
    ("forenames", "surname"),
    [
        ("Alex", "Testchild"),  # a middle name missing is a different name: no near matches
        ("Alexa Sample", "Testchild"),
        ("Alex Sample", "Testchilde"),
        ("Sam", "Example"),
    ],
)
def test_child_is_not_found_when_the_name_differs(forenames: str, surname: str) -> None:
    assert match([roll_row(forenames, surname)]).finding is ExtractFinding.NOT_FOUND


def test_child_is_on_ehe_register_when_not_on_roll_but_registered() -> None:
    found = match(OTHER_PUPILS, [ehe_row()])

    assert found == ExtractMatch(finding=ExtractFinding.ON_EHE_REGISTER)


def test_roll_beats_ehe_register_when_the_child_is_on_both() -> None:
    found = match([roll_row()], [ehe_row()])

    assert found.finding is ExtractFinding.ON_ROLL
    assert found.school_name == "Example Academy"


def test_child_is_not_found_when_on_neither_extract() -> None:
    found = match(OTHER_PUPILS, [ehe_row("Faye", "Homelearner")])

    assert found == ExtractMatch(finding=ExtractFinding.NOT_FOUND)


def test_child_is_not_found_when_both_extracts_are_empty() -> None:
    assert match([], []).finding is ExtractFinding.NOT_FOUND


def test_school_is_left_empty_when_the_roll_row_has_blank_school_cells() -> None:
    found = match([roll_row(school_name=" ", school_urn="")])

    assert found == ExtractMatch(finding=ExtractFinding.ON_ROLL)


def test_short_csv_row_is_not_a_match_when_its_birth_date_cell_is_missing() -> None:
    # csv.DictReader fills the cells a short row lacks with None.
    short: Row = {"forenames": "Alex Sample", "surname": "Testchild", "date_of_birth": None}

    assert match([short, roll_row()]).finding is ExtractFinding.ON_ROLL
    assert match([short]).finding is ExtractFinding.NOT_FOUND


def test_match_uses_the_referrals_birth_date_when_it_is_overridden() -> None:
    referral = make_referral(child_date_of_birth=date(2014, 3, 9), child_aliases=[])

    found = match_extracts(
        referral,
        pupil_roll=[roll_row(date_of_birth="2014-03-09")],
        ehe_register=[],
    )

    assert found.finding is ExtractFinding.ON_ROLL


@pytest.mark.parametrize(
    ("name", "normalised"),
    [
        ("  Zoë  O'Example-Sample ", "zoe oexamplesample"),
        ("ÉLODIE\tTESTCHILD", "elodie testchild"),
        ("", ""),
    ],
)
def test_normalise_name_ignores_case_accents_punctuation_and_spacing(
    name: str, normalised: str
) -> None:
    assert normalise_name(name) == normalised
