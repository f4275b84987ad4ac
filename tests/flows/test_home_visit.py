"""Home visit: each finding, no contact up to the configured visits, a move to another LA."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from flows.forms import HomeVisitFinding, LaAcknowledgement, S2sSearchResult, WhereaboutsUnknown
from models.enums import CaseStatus, ClosureOutcome, LetterKind, Stage
from tests.factories import make_referral
from tests.flows.casework import (
    OFFICER,
    Product,
    located,
    only_case,
    run_case,
    to_home_visit,
    visit,
)
from tests.mail import body_of


@pytest.mark.parametrize(
    ("finding", "details", "outcome"),
    [
        (HomeVisitFinding.ON_ROLL_ELSEWHERE, {"school_name": "Sample Academy"},
         ClosureOutcome.FOUND_ON_ROLL),
        (HomeVisitFinding.MOVED_ABROAD_CONFIRMED, {"country": "Portugal"},
         ClosureOutcome.MOVED_ABROAD_CONFIRMED),
        (HomeVisitFinding.MOVED_ABROAD_BELIEVED, {}, ClosureOutcome.MOVED_ABROAD_BELIEVED),
        (HomeVisitFinding.CLOSE_CASE, {"closure_outcome": ClosureOutcome.DECEASED},
         ClosureOutcome.DECEASED),
    ],
)  # fmt: skip
def test_a_visit_that_finds_the_child_elsewhere_closes_the_case(
    product: Product, finding: HomeVisitFinding, details: dict[str, Any], outcome: ClosureOutcome
) -> None:
    to_home_visit(product)
    product.officer.answer("home-visit-visit-1", visit(finding, **details))
    ran = run_case(make_referral())
    record = only_case(product)
    assert ran.reference == record.case.reference
    assert record.case.closure_outcome is outcome
    assert record.case.current_stage is Stage.HOME_VISIT
    assert record.stage_names == [Stage.REFERRAL_CHECK.value, Stage.HOME_VISIT.value]
    assert product.inbox.about(record.case.reference) == []


def test_elective_home_education_after_a_home_visit_hands_the_child_to_the_ehe_team(
    product: Product,
) -> None:
    to_home_visit(product)
    product.officer.answer(
        "home-visit-visit-1",
        visit(HomeVisitFinding.ELECTIVE_HOME_EDUCATION, child_seen=True, seen="mother and child"),
    )
    run_case(make_referral())
    record = only_case(product)
    assert record.case.closure_outcome is ClosureOutcome.ELECTIVE_HOME_EDUCATION
    assert record.case.current_stage is Stage.HOME_VISIT
    assert set(record.decisions) == {"referral-check-reasonable-enquiries", "home-visit-visit-1"}
    (email,) = product.inbox.wait_for(record.case.reference)
    assert email["X-Envelope-To"] == "ehe.team@example.gov.uk"
    assert record.case.reference in body_of(email)
    assert "found electively home educated at a visit" in body_of(email)


def test_a_child_located_but_not_in_education_is_supported_to_a_school_place(
    product: Product,
) -> None:
    to_home_visit(product)
    product.officer.answer("home-visit-visit-2", located())
    product.officer.answer("home-visit-visit-1", visit(HomeVisitFinding.NO_CONTACT))
    ran = run_case(make_referral())
    assert ran.waiting_on == "school-place-support-place-request"
    record = only_case(product)
    assert record.case.current_stage is Stage.SCHOOL_PLACE_SUPPORT
    assert set(record.decisions) == {
        "referral-check-reasonable-enquiries",
        "home-visit-visit-1",
        "home-visit-visit-2",
    }


def test_moved_to_another_local_authority_is_notified_and_closes_on_acknowledgement(
    product: Product,
) -> None:
    to_home_visit(product)
    product.officer.answer(
        "home-visit-visit-1",
        visit(
            HomeVisitFinding.MOVED_TO_OTHER_LA,
            seen="neighbour",
            other_local_authority="Luton Borough Council",
            other_local_authority_email="cme@luton.example.gov.uk",
            new_address="2 Sample Road, Luton LU1 1AA",
        ),
    )
    ran = run_case(make_referral())
    assert ran.waiting_on == "home-visit-la-acknowledgement"
    record = only_case(product)
    assert record.case.status is CaseStatus.OPEN  # open until the other authority acknowledges
    (notice,) = product.inbox.wait_for(record.case.reference)
    assert notice["X-Envelope-To"] == "cme@luton.example.gov.uk"
    assert "2 Sample Road, Luton LU1 1AA" in body_of(notice)
    attachments = [part.get_filename() for part in notice.iter_attachments()]
    (letter,) = record.letters
    assert letter.kind is LetterKind.OTHER_LA_NOTICE
    assert attachments == [letter.path.rsplit("/", 1)[-1]]
    assert (product.home / "letters" / letter.path).is_file()
    description = product.officer.descriptions["home-visit-la-acknowledgement"]
    assert "Luton Borough Council" in description and letter.path in description
    # The acknowledgement is due 10 working days after the visit (the configured clock).
    assert record.stage(Stage.HOME_VISIT.value).due_on == date(2026, 11, 24)


def test_acknowledgement_by_the_other_authority_closes_the_case(product: Product) -> None:
    to_home_visit(product)
    product.officer.answer(
        "home-visit-visit-1",
        visit(
            HomeVisitFinding.MOVED_TO_OTHER_LA,
            other_local_authority="Luton Borough Council",
            other_local_authority_email="cme@luton.example.gov.uk",
            new_address="2 Sample Road, Luton LU1 1AA",
        ),
    )
    product.officer.answer(
        "home-visit-la-acknowledgement",
        LaAcknowledgement(
            officer=OFFICER, acknowledged_on=date(2026, 11, 20),
            acknowledged_by="CME Officer, Luton",
        ),
    )  # fmt: skip
    ran = run_case(make_referral())
    record = only_case(product)
    assert ran.reference == record.case.reference
    assert record.case.closure_outcome is ClosureOutcome.MOVED_TO_OTHER_LA
    assert len(product.inbox.about(record.case.reference)) == 1


def whereabouts_unknown() -> WhereaboutsUnknown:
    return WhereaboutsUnknown(
        officer=OFFICER,
        police_referral_on=date(2026, 11, 24),
        childrens_social_care_referral_on=date(2026, 11, 24),
        s2s_search_on=date(2026, 11, 25),
        s2s_result=S2sSearchResult.NO_TRACE,
    )


def test_no_contact_at_every_visit_leads_to_whereabouts_unknown_then_periodic_review(
    product: Product,
) -> None:
    to_home_visit(product)
    for number in (1, 2, 3):  # config/cme.toml: max_home_visits = 3
        product.officer.answer(f"home-visit-visit-{number}", visit(HomeVisitFinding.NO_CONTACT))
    product.officer.answer("home-visit-whereabouts-unknown", whereabouts_unknown())
    ran = run_case(make_referral())
    assert ran.waiting_on == "periodic-review-review-1"
    assert "home-visit-visit-4" not in product.officer.asked
    record = only_case(product)
    assert record.case.status is CaseStatus.UNDER_PERIODIC_REVIEW
    assert record.case.current_stage is Stage.PERIODIC_REVIEW
    assert record.stage(Stage.HOME_VISIT.value).outcome is not None


def test_input_the_server_accepts_but_the_form_rejects_asks_again_with_the_error(
    product: Product,
) -> None:
    to_home_visit(product)
    # JSON Schema does not enforce "format: date": the server accepts this and the run resumes.
    malformed = visit(HomeVisitFinding.NO_CONTACT).model_dump(mode="json")
    product.officer.answer("home-visit-visit-1", malformed | {"visit_date": "31/13/2026"})
    # A cross-field rule the server cannot check at all.
    no_school = visit(HomeVisitFinding.NO_CONTACT).model_dump(mode="json")
    product.officer.answer(
        "home-visit-visit-1-retry-1", no_school | {"finding": "on_roll_elsewhere"}
    )
    product.officer.answer(
        "home-visit-visit-1-retry-2",
        visit(HomeVisitFinding.ON_ROLL_ELSEWHERE, school_name="Example Academy, Luton"),
    )
    ran = run_case(make_referral())

    description = product.officer.descriptions["home-visit-visit-1-retry-1"]
    assert "not accepted" in description and "visit_date" in description
    assert "31/13/2026" not in description  # the error names the field, not what was typed
    assert "school_name" in product.officer.descriptions["home-visit-visit-1-retry-2"]
    record = only_case(product)
    assert ran.reference == record.case.reference
    assert record.case.closure_outcome is ClosureOutcome.FOUND_ON_ROLL
    assert record.decisions["home-visit-visit-1"]["school_name"] == "Example Academy, Luton"
    assert len(record.decisions) == 2  # the rejected answers were never recorded as decisions
