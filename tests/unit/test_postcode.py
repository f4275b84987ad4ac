"""UK postcode normalisation and rejection (standard format only)."""

from __future__ import annotations

import pytest

from models.enums import NoAddressReason
from models.postcode import (
    home_postcode,
    is_pseudo_postcode,
    normalise_postcode,
    normalise_uk_postcode,
    outward_code,
    pseudo_postcode,
    pseudo_postcode_reason,
    sector,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("al13er", "AL1 3ER"),
        ("AL1 3ER", "AL1 3ER"),
        ("  al9   7ta ", "AL9 7TA"),
        ("m1 1ae", "M1 1AE"),  # A9
        ("b338th", "B33 8TH"),  # A99
        ("cr2 6xh", "CR2 6XH"),  # AA9
        ("dn551pt", "DN55 1PT"),  # AA99
        ("w1a 1aa", "W1A 1AA"),  # A9A
        ("ec1a1bb", "EC1A 1BB"),  # AA9A
    ],
)
def test_normalise_uppercases_and_puts_one_space_before_inward_code_when_given(
    raw: str, expected: str
) -> None:
    assert normalise_uk_postcode(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "AL1",  # outward code only
        "AL1 3E",  # inward code too short
        "AL1 3ERX",  # too long
        "QL1 3ER",  # Q never starts a postcode
        "AI1 3ER",  # I never second
        "AL1 3CR",  # C never in the inward code
        "AL1-3ER",
        "A L1 3ER",  # space inside the outward code
        "12345",
        "GIR 0AA",  # non-standard, out of scope
    ],
)
def test_normalise_rejects_with_reason_when_not_a_standard_postcode(raw: str) -> None:
    with pytest.raises(ValueError, match="is not a valid UK postcode") as caught:
        normalise_uk_postcode(raw)
    assert repr(raw) in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "expected_outward", "expected_sector"),
    [
        ("al97ta", "AL9", "AL9 7"),
        ("SG12 0AA", "SG12", "SG12 0"),
        ("ec1a 1bb", "EC1A", "EC1A 1"),
    ],
)
def test_outward_code_and_sector_when_postcode_is(
    raw: str, expected_outward: str, expected_sector: str
) -> None:
    assert outward_code(raw) == expected_outward
    assert sector(raw) == expected_sector


def test_outward_code_and_sector_raise_when_postcode_invalid() -> None:
    with pytest.raises(ValueError, match="not a valid UK postcode"):
        outward_code("AL1")
    with pytest.raises(ValueError, match="not a valid UK postcode"):
        sector("AL1")


# --- NHS/ONS pseudo-postcodes: a record of no home postcode --------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalised", "reason"),
    [
        ("ZZ99 3VZ", "ZZ99 3VZ", NoAddressReason.NO_FIXED_ABODE),
        (" zz993vz ", "ZZ99 3VZ", NoAddressReason.NO_FIXED_ABODE),
        ("zz99 3wz", "ZZ99 3WZ", NoAddressReason.ADDRESS_NOT_KNOWN),
        ("ZZ99 3CZ", "ZZ99 3CZ", None),  # England, not otherwise specified: no reason implied
        ("ZZ994QZ", "ZZ99 4QZ", None),  # a pseudo-postcode for somewhere abroad
    ],
)
def test_a_pseudo_postcode_is_recognised_normalised_and_its_known_reason_read(
    raw: str, normalised: str, reason: NoAddressReason | None
) -> None:
    assert is_pseudo_postcode(raw)
    assert pseudo_postcode(raw) == normalised
    assert normalise_postcode(raw) == normalised
    assert pseudo_postcode_reason(raw) is reason
    assert home_postcode(raw) is None


@pytest.mark.parametrize("raw", ["AL1 3ER", "ZZ9 3VZ", "ZZ99", "ZZ99 3V", "", None])
def test_anything_else_is_not_a_pseudo_postcode(raw: str | None) -> None:
    assert not is_pseudo_postcode(raw)
    assert pseudo_postcode_reason(raw) is None


def test_a_real_postcode_is_still_normalised_and_a_wrong_one_refused() -> None:
    assert normalise_postcode("al13er") == "AL1 3ER"
    assert home_postcode("al13er") == "AL1 3ER"
    assert home_postcode("not a postcode") is None
    with pytest.raises(ValueError, match="not a valid UK postcode"):
        normalise_postcode("ZZ9 3VZ")
