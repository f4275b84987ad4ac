"""The referral's validation rules: each failure names its field, in `loc` and in the message.

The example child is born 15 Oct 2016: fifth birthday 15 Oct 2021 -> CSA from 31 Dec 2021; turns 16
on 15 Oct 2032 (school year 2032/33) -> leaves on the last Friday in June 2033, the 24th (30 June
2033 is a Thursday).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from models.enums import AgencyKind, DeletionGround, NoAddressReason, ReferrerType
from models.referral import ParentCarer, Referral, address_in_words, validate_referral

RECEIVED_ON = date(2026, 11, 28)


def _referral_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "received_on": RECEIVED_ON,
        "referrer_type": "school",
        "referrer_name": "Designated Safeguarding Lead",
        "referrer_organisation": "Example Primary School",
        "referrer_contact": "dsl@example.gov.uk",
        "child_forenames": "Alex",
        "child_surname": "Example",
        "child_date_of_birth": date(2016, 10, 15),
        "child_sex": "not_known",
        "address": "1 Example Street, St Albans",
        "postcode": "AL1 3ER",
        "parents": [{"name": "Sam Example", "relationship": "guardian"}],
    }
    data.update(changes)
    return data


def _only_error(error: ValidationError) -> tuple[tuple[int | str, ...], str]:
    errors = error.errors()
    assert len(errors) == 1, errors
    return errors[0]["loc"], errors[0]["msg"]


def _rejects(**changes: Any) -> tuple[tuple[int | str, ...], str]:
    with pytest.raises(ValidationError) as caught:
        Referral.model_validate(_referral_data(**changes))
    return _only_error(caught.value)


def test_valid_referral_is_accepted_when_every_rule_holds() -> None:
    referral = Referral.model_validate(_referral_data())

    assert referral.postcode == "AL1 3ER"
    assert referral.referrer_type is ReferrerType.SCHOOL


def test_postcode_is_normalised_when_given_lower_case_without_space() -> None:
    assert Referral.model_validate(_referral_data(postcode=" al13er ")).postcode == "AL1 3ER"


@pytest.mark.parametrize("postcode", ["AL1", "XX99 9XX9", "AL1 3CR", "12345"])
def test_postcode_is_rejected_naming_the_field_when_invalid(postcode: str) -> None:
    loc, msg = _rejects(postcode=postcode)

    assert loc == ("postcode",)
    assert "postcode: " in msg
    assert "is not a valid UK postcode" in msg


def test_parent_fields_are_trimmed_and_blanks_dropped_when_given_with_spaces() -> None:
    parent = {"name": "  Sam Example ", "relationship": "mother", "phone": " 01234 567890 "}
    parent |= {"email": "   ", "address": ""}

    referral = Referral.model_validate(_referral_data(parents=[parent]))

    assert referral.parents == [
        ParentCarer.model_validate(
            {"name": "Sam Example", "relationship": "mother", "phone": "01234 567890"}
        )
    ]
    assert referral.parents[0].email is None
    assert referral.parents[0].address is None


def test_parent_name_is_rejected_when_only_spaces() -> None:
    loc, _ = _rejects(parents=[{"name": "   ", "relationship": "mother"}])

    assert loc == ("parents", 0, "name")


@pytest.mark.parametrize(
    ("date_of_birth", "expected_window"),
    [
        # Too young: fifth birthday 10 Jan 2027 -> 31 Mar 2027; turns 16 on 10 Jan 2038
        # (school year 2037/38) -> 25 Jun 2038 (30 June 2038 is a Wednesday).
        (date(2022, 1, 10), "from 2027-03-31 to 2038-06-25"),
        # Too old: fifth birthday 31 Aug 2015 is a prescribed day; turns 16 on 31 Aug 2026
        # (school year 2025/26) -> 26 Jun 2026 (30 June 2026 is a Tuesday).
        (date(2010, 8, 31), "from 2015-08-31 to 2026-06-26"),
    ],
)
def test_child_is_rejected_with_csa_window_when_not_of_compulsory_school_age(
    date_of_birth: date, expected_window: str
) -> None:
    loc, msg = _rejects(child_date_of_birth=date_of_birth)

    assert loc == ("child_date_of_birth",)
    assert msg == (
        "Value error, child_date_of_birth: child is not of compulsory school age on "
        f"2026-11-28 (compulsory school age runs {expected_window})"
    )


def test_child_is_accepted_when_referral_received_on_the_school_leaving_date() -> None:
    # Born 31 Aug 2010: leaving date Fri 26 Jun 2026 is still within CSA.
    data = _referral_data(child_date_of_birth=date(2010, 8, 31), received_on=date(2026, 6, 26))

    assert Referral.model_validate(data).received_on == date(2026, 6, 26)


def test_child_is_rejected_when_referral_received_the_day_after_the_school_leaving_date() -> None:
    loc, msg = _rejects(child_date_of_birth=date(2010, 8, 31), received_on=date(2026, 6, 27))

    assert loc == ("child_date_of_birth",)
    assert "not of compulsory school age on 2026-06-27" in msg


def test_date_of_birth_is_rejected_when_after_the_referral_date() -> None:
    loc, msg = _rejects(child_date_of_birth=date(2026, 11, 29))

    assert loc == ("child_date_of_birth",)
    assert "child_date_of_birth: 2026-11-29 is after the referral date (2026-11-28)" in msg


@pytest.mark.parametrize("field", ["date_moved_in", "date_last_attended"])
def test_event_date_is_rejected_naming_the_field_when_after_the_referral_date(
    field: str,
) -> None:
    loc, msg = _rejects(**{field: date(2026, 11, 29)})

    assert loc == (field,)
    assert f"{field}: 2026-11-29 is after the referral date (2026-11-28)" in msg


@pytest.mark.parametrize("field", ["date_moved_in", "date_last_attended"])
def test_event_date_is_accepted_when_on_the_referral_date(field: str) -> None:
    referral = Referral.model_validate(_referral_data(**{field: RECEIVED_ON}))

    assert getattr(referral, field) == RECEIVED_ON


def test_received_on_is_rejected_when_after_today_given_as_context() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_referral(_referral_data(), today=date(2026, 11, 27))

    loc, msg = _only_error(caught.value)
    assert loc == ("received_on",)
    assert "received_on: 2026-11-28 is after today (2026-11-27)" in msg


def test_received_on_is_accepted_when_it_is_today() -> None:
    assert validate_referral(_referral_data(), today=RECEIVED_ON).received_on == RECEIVED_ON


def test_received_on_future_check_is_skipped_when_no_today_in_context() -> None:
    # Same data as the rejection above: only the missing context makes it pass.
    assert Referral.model_validate(_referral_data()).received_on == RECEIVED_ON


@pytest.mark.parametrize("field", ["referrer_name", "referrer_organisation", "referrer_contact"])
def test_anonymous_referral_is_rejected_naming_the_field_when_it_carries_identity(
    field: str,
) -> None:
    identity: dict[str, str | None] = dict.fromkeys(
        ("referrer_name", "referrer_organisation", "referrer_contact")
    )
    identity[field] = "Someone"

    loc, msg = _rejects(referrer_type="anonymous", **identity)

    assert loc == (field,)
    assert msg == f"Value error, {field}: must be empty for an anonymous referral"


def test_anonymous_referral_is_accepted_when_identity_fields_blank() -> None:
    data = _referral_data(
        referrer_type="anonymous",
        referrer_name="",
        referrer_organisation="   ",
        referrer_contact=None,
    )

    referral = Referral.model_validate(data)

    assert referral.is_anonymous
    assert referral.referrer_name is None
    assert referral.referrer_organisation is None


def test_agency_referral_is_rejected_when_agency_kind_missing() -> None:
    loc, msg = _rejects(referrer_type="agency")

    assert loc == ("agency_kind",)
    assert msg == "Value error, agency_kind: required when referrer_type is agency"


def test_agency_referral_is_accepted_when_agency_kind_given() -> None:
    referral = Referral.model_validate(_referral_data(referrer_type="agency", agency_kind="police"))

    assert referral.agency_kind is AgencyKind.POLICE


@pytest.mark.parametrize("referrer_type", ["school", "member_of_public", "other_local_authority"])
def test_agency_kind_is_rejected_when_referrer_is_not_an_agency(referrer_type: str) -> None:
    loc, msg = _rejects(referrer_type=referrer_type, agency_kind="police")

    assert loc == ("agency_kind",)
    assert "agency_kind: must be empty unless referrer_type is agency" in msg
    assert f"(referrer_type is {referrer_type})" in msg


def test_deletion_return_is_rejected_when_deletion_ground_missing() -> None:
    loc, msg = _rejects(referrer_type="school_deletion_return")

    assert loc == ("deletion_ground",)
    assert "deletion_ground: required when referrer_type is school_deletion_return" in msg


@pytest.mark.parametrize("referrer_type", ["school", "school_deletion_return"])
def test_deletion_ground_is_accepted_when_a_school_refers(referrer_type: str) -> None:
    data = _referral_data(referrer_type=referrer_type, deletion_ground="9_1_g")

    assert Referral.model_validate(data).deletion_ground is DeletionGround.G_MOVED_AWAY


def test_school_referral_is_accepted_when_deletion_ground_missing() -> None:
    assert Referral.model_validate(_referral_data(referrer_type="school")).deletion_ground is None


@pytest.mark.parametrize(
    ("changes"),
    [
        {"referrer_type": "agency", "agency_kind": "housing"},
        {"referrer_type": "member_of_public"},
        {"referrer_type": "internal_team"},
    ],
)
def test_deletion_ground_is_rejected_when_referrer_is_not_a_school(changes: dict[str, str]) -> None:
    loc, msg = _rejects(deletion_ground="9_1_g", **changes)

    assert loc == ("deletion_ground",)
    assert "deletion_ground: must be empty unless referrer_type is school or" in msg
    assert f"(referrer_type is {changes['referrer_type']})" in msg


def test_every_rule_failing_at_once_is_reported_per_field_when_several_break() -> None:
    with pytest.raises(ValidationError) as caught:
        Referral.model_validate(
            _referral_data(
                referrer_type="anonymous",
                referrer_organisation=None,
                referrer_contact=None,
                postcode="nope",
                date_last_attended=date(2027, 1, 1),
            )
        )

    assert {error["loc"] for error in caught.value.errors()} == {
        ("referrer_name",),
        ("postcode",),
        ("date_last_attended",),
    }


@pytest.mark.parametrize("model", [Referral, ParentCarer])
def test_form_schema_describes_every_field_when_rendered(model: type[Referral]) -> None:
    properties = model.model_json_schema()["properties"]

    assert [name for name, spec in properties.items() if not spec.get("description")] == []


def test_form_schema_has_no_union_of_models_when_rendered() -> None:
    properties = Referral.model_json_schema()["properties"]

    unions_of_models = [
        name
        for name, spec in properties.items()
        if sum("$ref" in option for option in spec.get("anyOf", [])) > 1
    ]
    assert unions_of_models == []


# --- Every child can be referred: no address, no postcode, pseudo-postcodes ----------------------


NFA, NOT_KNOWN, ABROAD = "no_fixed_abode", "address_not_known", "living_abroad_believed"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"address": None, "postcode": None, "no_address_reason": NFA}, NFA),
        ({"address": "", "postcode": " ", "no_address_reason": NOT_KNOWN}, NOT_KNOWN),
        ({"postcode": None, "no_address_reason": ABROAD}, ABROAD),
        ({"address": None, "postcode": "zz993vz"}, NFA),
        ({"address": None, "postcode": "ZZ99 3WZ"}, NOT_KNOWN),
        ({"postcode": "ZZ99 3VZ", "no_address_reason": NFA}, NFA),
    ],
)
def test_a_child_without_a_home_address_is_accepted_when_the_reason_is_given_or_implied(
    changes: dict[str, Any], reason: str
) -> None:
    referral = Referral.model_validate(_referral_data(**changes))

    assert referral.no_address_reason == reason
    assert referral.home_postcode is None


def test_a_pseudo_postcode_is_kept_normalised_as_given() -> None:
    referral = Referral.model_validate(_referral_data(address=None, postcode=" zz99 3vz "))

    assert referral.postcode == "ZZ99 3VZ"


@pytest.mark.parametrize(
    "changes",
    [
        {"address": None, "postcode": None},
        {"address": None},
        {"postcode": ""},
        {"address": None, "postcode": None, "no_address_reason": ""},
    ],
)
def test_a_missing_address_without_a_reason_is_refused_naming_the_reason_field(
    changes: dict[str, Any],
) -> None:
    loc, msg = _rejects(**changes)

    assert loc == ("no_address_reason",)
    assert msg.startswith("Value error, no_address_reason: required when the child's address or")
    assert "no fixed abode, address not known, or living abroad (believed)" in msg


def test_a_pseudo_postcode_of_unknown_meaning_needs_the_reason() -> None:
    loc, msg = _rejects(address=None, postcode="ZZ99 3CZ")

    assert loc == ("no_address_reason",)
    assert "pseudo-postcode" in msg
    referral = Referral.model_validate(
        _referral_data(address=None, postcode="ZZ99 3CZ", no_address_reason="address_not_known")
    )
    assert referral.postcode == "ZZ99 3CZ"


def test_a_reason_contradicting_the_pseudo_postcode_is_refused() -> None:
    loc, msg = _rejects(postcode="ZZ99 3VZ", no_address_reason="living_abroad_believed")

    assert loc == ("no_address_reason",)
    assert "ZZ99 3VZ means no fixed abode, not living abroad (believed)" in msg


def test_a_reason_is_refused_when_the_address_and_a_real_postcode_are_given() -> None:
    loc, msg = _rejects(no_address_reason="no_fixed_abode")

    assert loc == ("no_address_reason",)
    assert "must be empty when the address and a postcode are given" in msg


def test_an_invalid_postcode_is_reported_on_the_postcode_alone() -> None:
    assert _rejects(address=None, postcode="ZZ9 3VZ")[0] == ("postcode",)


def test_a_referral_stored_before_the_reason_existed_still_validates_and_dumps_as_it_did() -> None:
    # A referral with an address dumps without the reason, as before it existed: the cache keys
    # of the tasks that take it are unchanged for a case waiting across the release.
    stored = Referral.model_validate(_referral_data()).model_dump(mode="json")
    assert "no_address_reason" not in stored

    again = validate_referral(stored, today=RECEIVED_ON)
    assert again.no_address_reason is None
    assert again.model_dump(mode="json") == stored
    without = Referral.model_validate(
        _referral_data() | {"address": None, "postcode": "ZZ99 3VZ"}
    ).model_dump(mode="json")
    assert without["no_address_reason"] == "no_fixed_abode"


def test_where_the_child_lives_is_shown_in_words() -> None:
    assert address_in_words("1 Road, St Albans", "AL1 3ER", None) == "1 Road, St Albans, AL1 3ER"
    assert address_in_words(None, "ZZ99 3VZ", NoAddressReason.NO_FIXED_ABODE) == (
        "No fixed abode (ZZ99 3VZ)"
    )
    assert address_in_words(None, None, NoAddressReason.LIVING_ABROAD_BELIEVED) == (
        "Living abroad (believed)"
    )
    assert address_in_words(None, None, None) == "Not known"
