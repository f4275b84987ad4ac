"""Allocation of new cases to officers: home postcode, last school, cover and the team lead."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from models.allocation import (
    Allocation,
    AllocationReason,
    allocate,
    allocate_referral,
    allocation_in_words,
)
from models.config import CmeConfig, load_config
from models.referral import Referral

SHIPPED_CONFIG = Path(__file__).resolve().parents[2] / "config" / "cme.toml"
OFFICER_1_5 = "cme-officer-dspl-1-5"
OFFICER_6_9 = "cme-officer-dspl-6-9"
TEAM_LEAD = "cme-team-lead"


@pytest.fixture(scope="module")
def config() -> CmeConfig:
    return load_config(SHIPPED_CONFIG)


def with_absent(config: CmeConfig, *absent_ids: str) -> CmeConfig:
    officers = tuple(o.model_copy(update={"absent": o.id in absent_ids}) for o in config.officers)
    return config.model_copy(update={"officers": officers})


@pytest.mark.parametrize(
    ("postcode", "area", "officer_id"),
    [
        ("SG6 3AA", 1, OFFICER_1_5),  # Letchworth
        ("SG1 1HN", 2, OFFICER_1_5),  # Stevenage
        ("SG14 1AB", 3, OFFICER_1_5),  # Hertford
        ("EN8 9AA", 4, OFFICER_1_5),  # Cheshunt
        ("AL8 6AA", 5, OFFICER_1_5),  # Welwyn Garden City
        ("EN6 5AA", 6, OFFICER_6_9),  # Potters Bar
        ("AL1 3AA", 7, OFFICER_6_9),  # St Albans
        ("HP1 1AA", 8, OFFICER_6_9),  # Hemel Hempstead
        ("WD17 1AA", 9, OFFICER_6_9),  # Watford
    ],
)
def test_case_goes_to_the_area_officer_when_home_postcode_is_in_a_dspl_area(
    config: CmeConfig, postcode: str, area: int, officer_id: str
) -> None:
    assert allocate(postcode=postcode, config=config) == Allocation(
        officer_id=officer_id, dspl_area=area, reason=AllocationReason.BY_POSTCODE
    )


@pytest.mark.parametrize(
    ("postcode", "area"),
    [
        ("AL9 7AA", 6),  # Welwyn Hatfield, south Hatfield villages (Brookmans Park, Welham Green)
        ("AL9 5AA", 5),  # Welwyn Hatfield, Hatfield itself
        ("AL10 9AA", 5),  # Welwyn Hatfield, Hatfield town centre
        ("WD6 1AA", 6),  # Hertsmere, Borehamwood
        ("EN6 1AA", 6),  # Hertsmere, Potters Bar
        ("WD23 1AA", 9),  # Hertsmere, Bushey
        ("WD7 7AA", 9),  # Hertsmere, Radlett
    ],
)
def test_split_districts_follow_the_postcode_when_a_district_spans_two_areas(
    config: CmeConfig, postcode: str, area: int
) -> None:
    assert allocate(postcode=postcode, config=config).dspl_area == area


def test_sector_beats_its_district_when_both_are_mapped(config: CmeConfig) -> None:
    # AL3 is St Albans (7) but AL3 8 is Markyate in Dacorum (8).
    assert allocate(postcode="AL3 7AA", config=config).dspl_area == 7
    assert allocate(postcode="AL3 8AA", config=config).dspl_area == 8


def test_postcode_is_normalised_when_typed_without_space_or_capitals(config: CmeConfig) -> None:
    assert allocate(postcode=" al97aa ", config=config).dspl_area == 6


def test_case_goes_to_cover_when_the_area_officer_is_absent(config: CmeConfig) -> None:
    absent = with_absent(config, OFFICER_1_5)

    assert allocate(postcode="SG1 1HN", config=absent) == Allocation(
        officer_id=OFFICER_6_9,
        dspl_area=2,
        reason=AllocationReason.COVER,
        covering_for=OFFICER_1_5,
    )
    # The other officer's own areas are unaffected.
    assert allocate(postcode="HP1 1AA", config=absent).reason is AllocationReason.BY_POSTCODE


def test_cover_applies_when_allocating_by_last_school(config: CmeConfig) -> None:
    absent = with_absent(config, OFFICER_6_9)

    allocation = allocate(postcode=None, last_school_dspl=8, config=absent)

    assert (allocation.officer_id, allocation.reason) == (OFFICER_1_5, AllocationReason.COVER)


def test_case_goes_to_team_lead_when_officer_and_cover_are_both_absent(config: CmeConfig) -> None:
    both_absent = with_absent(config, OFFICER_1_5, OFFICER_6_9)

    assert allocate(postcode="AL1 3AA", config=both_absent) == Allocation(
        officer_id=TEAM_LEAD,
        dspl_area=7,
        reason=AllocationReason.ABSENT_WITHOUT_COVER_TO_TEAM_LEAD,
        covering_for=OFFICER_6_9,
    )


def test_case_goes_to_team_lead_when_absent_officer_has_no_cover_named(config: CmeConfig) -> None:
    no_cover = with_absent(config, OFFICER_1_5).model_copy(update={"cover": {}})

    allocation = allocate(postcode="SG1 1HN", config=no_cover)

    assert allocation.officer_id == TEAM_LEAD
    assert allocation.reason is AllocationReason.ABSENT_WITHOUT_COVER_TO_TEAM_LEAD


def test_falls_back_to_last_school_area_when_postcode_is_missing(config: CmeConfig) -> None:
    assert allocate(postcode=None, last_school_dspl=8, config=config) == Allocation(
        officer_id=OFFICER_6_9,
        dspl_area=8,
        reason=AllocationReason.BY_LAST_SCHOOL,
        by_last_school=True,
        no_home_postcode=True,
    )


@pytest.mark.parametrize(
    "postcode", ["", "   ", "not a postcode", "AL9", "QQ1 1AA", "ZZ99 3VZ", "zz993wz"]
)
def test_falls_back_to_last_school_area_when_postcode_is_invalid(
    config: CmeConfig, postcode: str
) -> None:
    assert allocate(postcode=postcode, last_school_dspl=2, config=config) == Allocation(
        officer_id=OFFICER_1_5,
        dspl_area=2,
        reason=AllocationReason.BY_LAST_SCHOOL,
        by_last_school=True,
        no_home_postcode=True,
    )


@pytest.mark.parametrize("postcode", [None, "not a postcode", "ZZ99 3VZ"])
def test_case_goes_to_team_lead_when_no_postcode_and_no_last_school(
    config: CmeConfig, postcode: str | None
) -> None:
    assert allocate(postcode=postcode, config=config) == Allocation(
        officer_id=TEAM_LEAD,
        dspl_area=None,
        reason=AllocationReason.UNKNOWN_POSTCODE_TO_TEAM_LEAD,
        no_home_postcode=True,
    )


@pytest.mark.parametrize(
    "postcode",
    [
        "LU1 1AA",  # Luton
        "CM20 1AA",  # Harlow, Essex
        "EN9 1AA",  # Waltham Abbey, Essex
        "SG5 4AA",  # Stotfold, Central Bedfordshire, inside a Hitchin district
    ],
)
def test_case_goes_to_team_lead_when_home_postcode_is_out_of_county(
    config: CmeConfig, postcode: str
) -> None:
    # The home address decides: a last school in Herts does not override an out-of-county home.
    assert allocate(postcode=postcode, last_school_dspl=1, config=config) == Allocation(
        officer_id=TEAM_LEAD,
        dspl_area=None,
        reason=AllocationReason.OUT_OF_COUNTY_TO_TEAM_LEAD,
    )


@pytest.mark.parametrize("area", [0, 10])
def test_refuses_last_school_area_when_it_is_not_a_dspl_area(config: CmeConfig, area: int) -> None:
    with pytest.raises(ValueError, match="last_school_dspl"):
        allocate(postcode=None, last_school_dspl=area, config=config)


def test_allocation_cannot_be_changed_after_it_is_made(config: CmeConfig) -> None:
    allocation = allocate(postcode="SG1 1HN", config=config)

    with pytest.raises(ValidationError, match="frozen"):
        allocation.officer_id = TEAM_LEAD  # type: ignore[misc]


# --- A referral: its home postcode, else its last school's area from [schools] ----------------

RECEIVED = date(2026, 11, 2)
NAMES = {OFFICER_1_5: "CME Officer (DSPL 1-5)", OFFICER_6_9: "CME Officer (DSPL 6-9)"}


def _referral(**changes: object) -> Referral:
    data: dict[str, object] = {
        "received_on": RECEIVED,
        "referrer_type": "member_of_public",
        "child_forenames": "Ada",
        "child_surname": "Testchild",
        "child_date_of_birth": date(2015, 3, 14),
        "child_sex": "female",
    }
    return Referral.model_validate({**data, **changes})


def test_a_child_of_no_fixed_abode_goes_by_the_last_schools_area(config: CmeConfig) -> None:
    referral = _referral(postcode="ZZ99 3VZ", last_school_urn="999002")  # example row, EN8

    allocation = allocate_referral(referral, config=config)

    assert (allocation.officer_id, allocation.dspl_area) == (OFFICER_1_5, 4)
    assert allocation.reason is AllocationReason.BY_LAST_SCHOOL
    assert allocation_in_words(allocation, names=NAMES) == (
        "Allocated to CME Officer (DSPL 1-5) by the last school's area, DSPL 4: "
        "no home postcode (no fixed abode)"
    )


def test_a_child_with_no_address_and_no_last_school_goes_to_the_team_lead(
    config: CmeConfig,
) -> None:
    referral = _referral(no_address_reason="living_abroad_believed")

    allocation = allocate_referral(referral, config=config)

    assert (allocation.officer_id, allocation.dspl_area) == (TEAM_LEAD, None)
    assert allocation_in_words(allocation, names=NAMES) == (
        "Allocated to the team lead: no home postcode (living abroad (believed)) "
        "and no last school known"
    )


def test_a_last_school_not_in_the_schools_list_sends_the_case_to_the_team_lead(
    config: CmeConfig,
) -> None:
    referral = _referral(postcode="zz99 3wz", last_school_urn="123456")

    allocation = allocate_referral(referral, config=config)

    assert allocation.reason is AllocationReason.UNKNOWN_POSTCODE_TO_TEAM_LEAD
    assert allocation_in_words(allocation, names=NAMES) == (
        "Allocated to the team lead: no home postcode (address not known) and the last school "
        "(URN 123456) is not placed in a DSPL area by the schools list"
    )


def test_a_home_postcode_wins_over_the_last_school(config: CmeConfig) -> None:
    referral = _referral(address="1 Road, St Albans", postcode="AL1 3ER", last_school_urn="999002")

    allocation = allocate_referral(referral, config=config)

    assert (allocation.dspl_area, allocation.reason) == (7, AllocationReason.BY_POSTCODE)
    assert allocation_in_words(allocation, names=NAMES) == (
        "Allocated to CME Officer (DSPL 6-9) by the home postcode's area, DSPL 7"
    )


def test_cover_by_the_last_school_says_who_is_covered_and_why_that_area(
    config: CmeConfig,
) -> None:
    absent = with_absent(config, OFFICER_1_5)
    referral = _referral(postcode="ZZ99 3VZ", last_school_urn="999003")  # example row, SG1

    allocation = allocate_referral(referral, config=absent)

    assert allocation_in_words(allocation, names=NAMES) == (
        "Allocated to CME Officer (DSPL 6-9), covering for CME Officer (DSPL 1-5) (absent), "
        "by the last school's area, DSPL 2: no home postcode (no fixed abode)"
    )


def test_out_of_county_and_absent_without_cover_are_said_in_words(config: CmeConfig) -> None:
    out = allocate_referral(_referral(address="1 Road", postcode="LU1 1AA"), config=config)
    no_cover = with_absent(config, OFFICER_1_5).model_copy(update={"cover": {}})
    absent = allocate_referral(_referral(address="1 Road", postcode="SG1 1HN"), config=no_cover)

    assert allocation_in_words(out, names=NAMES) == (
        "Allocated to the team lead: the home postcode is not in a Hertfordshire DSPL area"
    )
    assert allocation_in_words(absent, names=NAMES) == (
        "Allocated to the team lead: CME Officer (DSPL 1-5) is absent with no cover available "
        "(by the home postcode's area, DSPL 2)"
    )


def test_an_allocation_recorded_before_the_words_existed_still_reads(config: CmeConfig) -> None:
    old = {"officer_id": OFFICER_6_9, "dspl_area": 7, "reason": "by_postcode", "covering_for": None}

    assert allocation_in_words(Allocation.model_validate(old), names=NAMES) == (
        "Allocated to CME Officer (DSPL 6-9) by the home postcode's area, DSPL 7"
    )
