"""The register of children not in school: eligibility (s436B), content (s436C) and the clocks
(s436B home visit, s436D parents' notices, s436E providers), as plain rules."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from models.register import (
    EligibilityCondition,
    InformationUpdate,
    Problem,
    Provider,
    RegisterApplication,
    SchoolStatus,
    add_months,
    eligibility,
    entry_reference,
    home_visit_problem,
    home_visit_request_by,
    next_provider_request_on,
    parent_notice_due_on,
    provider_request_problem,
    validate_application,
)

TODAY = date(2027, 3, 1)
BORN = date(2016, 5, 4)  # ten on TODAY: of compulsory school age


def application(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "child_forenames": "Ada",
        "child_surname": "Lovelace",
        "date_of_birth": BORN,
        "home_address": "1 Example Road, St Albans",
        "home_postcode": "AL1 9ZZ",
        "lives_in_area": True,
        "school_status": "not_registered",
        "part_time_student": False,
        "living_at_address_since": date(2020, 1, 1),
        "parents": [
            {"name": "Ann Lovelace", "address": "1 Example Road", "provides_education": True}
        ],
        "hours_educated_by_parents": 20,
        "hours_educated_by_others": 5,
    }
    return {**data, **changes}


def fields(found: object) -> list[str]:
    assert isinstance(found, tuple)
    return [problem.field for problem in found]


def test_a_child_on_no_school_roll_in_the_area_and_of_school_age_is_eligible() -> None:
    found = eligibility(
        lives_in_area=True,
        date_of_birth=BORN,
        school_status=SchoolStatus.NOT_REGISTERED,
        part_time_student=False,
        on=TODAY,
    )
    assert found.eligible
    assert found.conditions == (EligibilityCondition.NOT_A_REGISTERED_PUPIL,)


def test_a_pupil_the_school_agreed_is_educated_elsewhere_and_a_part_time_student_are_eligible() -> (
    None
):
    found = eligibility(
        lives_in_area=True,
        date_of_birth=BORN,
        school_status=SchoolStatus.REGISTERED_EDUCATED_ELSEWHERE,
        part_time_student=True,
        on=TODAY,
    )
    assert found.conditions == (
        EligibilityCondition.EDUCATED_ELSEWHERE_BY_AGREEMENT,
        EligibilityCondition.PART_TIME_STUDENT,
    )


def test_each_reason_a_child_is_not_eligible_names_its_field() -> None:
    found = eligibility(
        lives_in_area=False,
        date_of_birth=date(2023, 1, 1),
        school_status=SchoolStatus.REGISTERED,
        part_time_student=False,
        on=TODAY,
    )
    assert not found.eligible
    assert [p.field for p in found.reasons_not] == [
        "lives_in_area",
        "date_of_birth",
        "school_status",
    ]
    assert "compulsory school age" in found.reasons_not[1].problem


def test_a_full_application_validates_as_of_today() -> None:
    checked = validate_application(application(), today=TODAY)
    assert isinstance(checked, RegisterApplication)
    assert checked.eligibility(TODAY).conditions == (EligibilityCondition.NOT_A_REGISTERED_PUPIL,)


def test_an_ineligible_child_is_refused_with_the_reason() -> None:
    found = validate_application(application(lives_in_area=False), today=TODAY)
    assert fields(found) == ["lives_in_area"]


def test_the_previous_address_is_required_after_under_twelve_months_at_the_home_address() -> None:
    found = validate_application(application(living_at_address_since=date(2026, 6, 1)), today=TODAY)
    assert found == (
        Problem(
            "previous_address",
            "required, the child has lived at the home address for less than 12 months (s436C)",
        ),
    )
    moved = application(living_at_address_since=date(2026, 6, 1), previous_address="2 Old Lane")
    assert isinstance(validate_application(moved, today=TODAY), RegisterApplication)
    settled = application(living_at_address_since=date(2026, 3, 1))
    assert isinstance(validate_application(settled, today=TODAY), RegisterApplication)


def test_missing_content_names_each_field() -> None:
    data = application(parents=[], hours_educated_by_parents=-1)
    del data["home_address"]
    assert fields(validate_application(data, today=TODAY)) == [
        "home_address",
        "parents",
        "hours_educated_by_parents",
    ]


def test_a_registered_pupil_needs_the_school_and_a_child_on_no_roll_has_none() -> None:
    registered = application(school_status="registered_educated_elsewhere")
    assert validate_application(registered, today=TODAY) == (
        Problem("school_urn", "required when the child is a registered pupil"),
    )
    assert fields(validate_application(application(school_urn="999001"), today=TODAY)) == [
        "school_urn"
    ]


def test_dates_in_the_future_are_refused() -> None:
    found = validate_application(application(date_of_birth=date(2027, 3, 2)), today=TODAY)
    assert found == (Problem("date_of_birth", "is in the future"),)


def test_provider_details_are_never_required_until_regulations_prescribe_the_time() -> None:
    checked = validate_application(application(hours_educated_by_others=30), today=TODAY)
    assert isinstance(checked, RegisterApplication)
    assert checked.providers == []


def test_a_home_visit_may_be_requested_within_fifteen_days_of_registration() -> None:
    registered = date(2027, 3, 1)
    assert home_visit_request_by(registered) == date(2027, 3, 16)
    assert home_visit_problem(registered, date(2027, 3, 16)) is None
    late = home_visit_problem(registered, date(2027, 3, 17))
    assert late is not None and late.field == "requested_on"
    assert home_visit_problem(registered, date(2027, 2, 28)) is not None


def test_a_parents_notice_of_a_change_is_due_fifteen_days_after_it() -> None:
    assert parent_notice_due_on(date(2027, 3, 1)) == date(2027, 3, 16)
    update = InformationUpdate(
        given_by=Provider.PARENT,
        given_on=date(2027, 3, 20),
        changed_on=date(2027, 3, 1),
        summary="moved house",
    )
    assert update.notice_due_on() == date(2027, 3, 16)
    assert update.late()
    from_provider = update.model_copy(update={"given_by": Provider.PROVIDER})
    assert from_provider.notice_due_on() is None and not from_provider.late()


def test_information_changed_after_it_was_given_is_refused() -> None:
    with pytest.raises(ValueError, match="changed_on: is after given_on"):
        InformationUpdate.model_validate(
            {
                "given_by": "parent",
                "given_on": date(2027, 3, 1),
                "changed_on": date(2027, 3, 2),
                "summary": "x",
            }
        )


def test_a_provider_may_be_asked_for_an_update_once_every_three_months() -> None:
    assert next_provider_request_on(None) is None
    assert next_provider_request_on(date(2027, 1, 15)) == date(2027, 4, 15)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert provider_request_problem(None, date(2027, 1, 1)) is None
    assert provider_request_problem(date(2027, 1, 15), date(2027, 4, 15)) is None
    early = provider_request_problem(date(2027, 1, 15), date(2027, 4, 14))
    assert early == Problem(
        "requested_on",
        "the provider was asked on 2027-01-15; the council may ask again from 2027-04-15, "
        "3 months later (s436E)",
    )


def test_an_entry_is_quoted_by_its_reference() -> None:
    assert entry_reference(123) == "CNIS-000123"
