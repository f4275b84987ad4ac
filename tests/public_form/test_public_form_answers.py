"""The public form's answers map onto the officers' Referral model; its errors map back to the
page fields, worded as GOV.UK asks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from models.enums import AgencyKind, NoAddressReason, ReferrerType, SafeguardingIndicator, Sex
from models.public_form import (
    PAGE_BY_SLUG,
    PublicFormInvalid,
    build_referral,
    check_page,
    new_receipt,
    page_is_answered,
    retry_delay,
    summary_rows,
)
from tests.public_form.answers import NAMED, complete

TODAY = date(2026, 11, 28)


def _errors(slug: str, **overrides: str | list[str]) -> dict[str, str]:
    answers = complete(**overrides)
    return {e.field: e.message for e in check_page(PAGE_BY_SLUG[slug], answers, today=TODAY)}


def test_anonymous_answers_make_an_anonymous_referral_received_today() -> None:
    referral = build_referral(complete(), today=TODAY)

    assert referral.received_on == TODAY
    assert referral.referrer_type is ReferrerType.ANONYMOUS
    assert referral.is_anonymous
    assert (referral.referrer_name, referral.referrer_contact) == (None, None)
    assert referral.child_forenames == "Alex Sample"
    assert referral.child_aliases == ["Alex Example", "AJ"]
    assert referral.child_date_of_birth == date(2015, 3, 14)
    assert referral.child_sex is Sex.FEMALE
    assert referral.postcode == "AL1 3ER"
    assert referral.safeguarding_indicators == []


def test_named_answers_keep_who_referred_and_how_to_reach_them() -> None:
    referral = build_referral(complete(**NAMED), today=TODAY)

    assert referral.referrer_type is ReferrerType.MEMBER_OF_PUBLIC
    assert referral.referrer_name == "Pat Neighbour"
    assert referral.referrer_contact == "01632 960001"


def test_an_agency_referral_carries_its_kind_and_other_referrers_none() -> None:
    agency = build_referral(
        complete(
            referrer_type="agency",
            agency_kind="housing",
            referrer_name="Housing Officer",
            referrer_organisation="Example Housing",
            referrer_contact="housing@example.gov.uk",
        ),
        today=TODAY,
    )
    school = build_referral(
        complete(
            referrer_type="school",
            agency_kind="housing",  # left selected in the hidden reveal: ignored
            referrer_name="Attendance Lead",
            referrer_organisation="Example School",
            referrer_contact="01632 960002",
        ),
        today=TODAY,
    )

    assert agency.agency_kind is AgencyKind.HOUSING
    assert school.agency_kind is None


def test_an_immediate_risk_answer_becomes_the_safeguarding_indicator() -> None:
    referral = build_referral(complete(safeguarding=["immediate_risk"]), today=TODAY)

    assert referral.safeguarding_indicators == [SafeguardingIndicator.IMMEDIATE_RISK]
    assert referral.needs_immediate_escalation


@pytest.mark.parametrize(
    ("slug", "overrides", "field", "message"),
    [
        ("child", {"child_forenames": ""}, "child_forenames", "Enter the child's first names"),
        ("child", {"child_surname": " "}, "child_surname", "Enter the child's last name"),
        ("child", {"child_surname": "x" * 201}, "child_surname", "200 characters or fewer"),
        ("child", {"dob-day": "", "dob-month": "", "dob-year": ""}, "dob", "Enter the child's"),
        ("child", {"dob-month": ""}, "dob", "Date of birth must include a month"),
        ("child", {"dob-day": "31", "dob-month": "2"}, "dob", "Date of birth must be a real date"),
        ("child", {"dob-year": "15"}, "dob", "Date of birth must be a real date"),
        ("child", {"dob-year": "2023"}, "dob", "must be of compulsory school age"),
        ("child", {"dob-year": "2027"}, "dob", "Date of birth must be in the past"),
        ("child", {"child_sex": ""}, "child_sex", "Select the child's sex"),
        ("child", {"child_sex": "robot"}, "child_sex", "Select the child's sex"),
        ("address", {"address": ""}, "address", "Enter the child's address"),
        ("address", {"postcode": "NOT A CODE"}, "postcode", "Enter a real UK postcode"),
        ("address", {"postcode": "AL1 3ER HERTS"}, "postcode", "Enter a real UK postcode"),
        ("address", {"postcode": ""}, "postcode", "Enter the postcode"),
        ("concern", {"concerns": ""}, "concerns", "Enter why you think"),
        ("concern", {"concerns": "x" * 5001}, "concerns", "Your reasons must be 5000 characters"),
        ("concern", {"safeguarding": []}, "safeguarding", "Select any concerns"),
        ("concern", {"safeguarding": ["none", "radicalisation"]}, "safeguarding", "not both"),
        ("you", {"referrer_type": ""}, "referrer_type", "Select who you are"),
        ("you", {"referrer_name": "Pat"}, "referrer_name", "Leave your name blank"),
        ("you", {"referrer_contact": "0163"}, "referrer_contact", "Leave your phone number"),
        ("you", {**NAMED, "referrer_name": ""}, "referrer_name", "Enter your name"),
        ("you", {**NAMED, "referrer_contact": ""}, "referrer_contact", "Enter a phone number"),
        (
            "you",
            {**NAMED, "referrer_type": "agency", "referrer_organisation": "Example Housing"},
            "agency_kind",
            "Select the type of organisation",
        ),
    ],
)
def test_each_error_is_shown_against_its_field(
    slug: str, overrides: dict[str, str | list[str]], field: str, message: str
) -> None:
    errors = _errors(slug, **overrides)

    assert field in errors, errors
    assert message in errors[field]


def test_a_page_reports_only_its_own_fields_and_not_unanswered_pages() -> None:
    answers = complete()
    for name in ("address", "postcode", "concerns", "safeguarding", "referrer_type"):
        answers.pop(name)

    assert check_page(PAGE_BY_SLUG["child"], answers, today=TODAY) == []


def test_building_the_referral_rechecks_every_page() -> None:
    with pytest.raises(PublicFormInvalid) as invalid:
        build_referral(complete(postcode="ZZ"), today=TODAY)

    assert [(e.page, e.field) for e in invalid.value.errors] == [("address", "postcode")]


def test_a_referral_cannot_be_dated_after_the_day_it_is_checked() -> None:
    errors = _errors("child", **{"dob-year": str(TODAY.year + 1)})
    assert errors["dob"] == "Date of birth must be in the past"


def test_receipt_numbers_are_readable_and_do_not_repeat() -> None:
    receipts = {new_receipt() for _ in range(2000)}

    assert len(receipts) == 2000
    for receipt in receipts:
        assert receipt.startswith("CME-R-") and len(receipt) == 15
        assert not set(receipt[6:].replace("-", "")) & set("01OIL")


def test_the_drainer_backs_off_exponentially_up_to_a_ceiling() -> None:
    delays = [retry_delay(n, maximum=30) for n in range(1, 8)]
    assert delays == [timedelta(seconds=s) for s in (1, 2, 4, 8, 16, 30, 30)]


def test_check_your_answers_shows_no_identity_for_an_anonymous_referral() -> None:
    keys = [row.key for row in summary_rows(complete(referrer_name="left over"))]

    assert "Your name" not in keys
    assert "Who you are" in keys


def test_i_do_not_know_where_the_child_lives_makes_a_referral_without_an_address() -> None:
    answers = complete(address="", postcode="", address_unknown=["yes"])

    assert _errors("address", address="", postcode="", address_unknown=["yes"]) == {}
    referral = build_referral(answers, today=TODAY)

    assert (referral.address, referral.postcode) == (None, None)
    assert referral.no_address_reason is NoAddressReason.ADDRESS_NOT_KNOWN
    rows = {(row.key, row.value) for row in summary_rows(answers)}
    assert ("Address", "Not known") in rows
    assert not {key for key, _ in rows} & {"Postcode"}


def test_without_the_tick_the_address_and_postcode_are_still_required() -> None:
    assert _errors("address", address="", postcode="", address_unknown=[]) == {
        "address": "Enter the child's address",
        "postcode": "Enter the postcode",
    }


def test_a_pseudo_postcode_of_unknown_meaning_is_a_wrong_postcode_on_the_form() -> None:
    assert _errors("address", postcode="ZZ99 3CZ") == {
        "postcode": "Enter a real UK postcode, like AL1 3ER"
    }
    referral = build_referral(complete(postcode="zz99 3vz"), today=TODAY)
    assert referral.no_address_reason is NoAddressReason.NO_FIXED_ABODE


def test_a_draft_saved_before_the_tick_existed_still_counts_its_address_page_answered() -> None:
    answers = complete()
    answers.pop("address_unknown", None)

    assert page_is_answered(PAGE_BY_SLUG["address"], answers)
