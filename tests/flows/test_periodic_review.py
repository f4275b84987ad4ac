"""Periodic review: a child whose whereabouts are unknown stays open and is reviewed until found."""

from __future__ import annotations

from datetime import date

import pytest

from flows.forms import HomeVisitFinding, PeriodicReview, ReviewOutcome
from models.enums import CaseStatus, ClosureOutcome, Stage
from tests.factories import make_referral
from tests.flows.casework import OFFICER, Product, only_case, run_case, to_home_visit, visit
from tests.flows.test_home_visit import whereabouts_unknown


def to_periodic_review(product: Product) -> None:
    to_home_visit(product)
    for number in (1, 2, 3):
        product.officer.answer(f"home-visit-visit-{number}", visit(HomeVisitFinding.NO_CONTACT))
    product.officer.answer("home-visit-whereabouts-unknown", whereabouts_unknown())


def review(outcome: ReviewOutcome, on: date, **details: object) -> PeriodicReview:
    return PeriodicReview(officer=OFFICER, reviewed_on=on, outcome=outcome, **details)


def test_still_missing_moves_the_review_clock_and_asks_again(product: Product) -> None:
    to_periodic_review(product)
    product.officer.answer(
        "periodic-review-review-1", review(ReviewOutcome.STILL_MISSING, date(2026, 11, 27))
    )
    ran = run_case(make_referral())
    assert ran.waiting_on == "periodic-review-review-2"
    record = only_case(product)
    assert record.case.status is CaseStatus.UNDER_PERIODIC_REVIEW
    assert record.case.current_stage is Stage.PERIODIC_REVIEW
    # 28 days after the review of 27 November is Christmas Day; Boxing Day's substitute is Mon
    # 28 December, so this local target rolls to the next working day, Tue 29 December.
    assert record.stage(Stage.PERIODIC_REVIEW.value).due_on == date(2026, 12, 29)
    assert "review 2" in product.officer.descriptions["periodic-review-review-2"].lower()


def test_a_child_found_at_review_is_supported_to_a_school_place(product: Product) -> None:
    to_periodic_review(product)
    product.officer.answer(
        "periodic-review-review-1", review(ReviewOutcome.STILL_MISSING, date(2026, 11, 27))
    )
    product.officer.answer(
        "periodic-review-review-2", review(ReviewOutcome.LOCATED_NO_EDUCATION, date(2026, 12, 22))
    )
    ran = run_case(make_referral())
    assert ran.waiting_on == "school-place-support-place-request"
    record = only_case(product)
    assert record.case.status is CaseStatus.OPEN
    assert record.case.current_stage is Stage.SCHOOL_PLACE_SUPPORT
    assert record.stage_names == [
        Stage.REFERRAL_CHECK.value,
        Stage.HOME_VISIT.value,
        Stage.PERIODIC_REVIEW.value,
        Stage.SCHOOL_PLACE_SUPPORT.value,
    ]
    # Found on Tue 22 Dec 2026: 10 school days to apply, from Tue 5 Jan 2027 (4 Jan is INSET)
    # to Mon 18 January.
    assert record.stage(Stage.SCHOOL_PLACE_SUPPORT.value).due_on == date(2027, 1, 18)


@pytest.mark.parametrize(
    "outcome",
    [ClosureOutcome.WHEREABOUTS_UNKNOWN_CLOSED, ClosureOutcome.MOVED_ABROAD_BELIEVED],
)
def test_a_review_can_close_the_case_with_an_outcome(
    product: Product, outcome: ClosureOutcome
) -> None:
    to_periodic_review(product)
    product.officer.answer(
        "periodic-review-review-1",
        review(ReviewOutcome.CLOSE_CASE, date(2026, 11, 27), closure_outcome=outcome),
    )
    ran = run_case(make_referral())
    record = only_case(product)
    assert ran.reference == record.case.reference
    assert record.case.status is CaseStatus.CLOSED
    assert record.case.closure_outcome is outcome
    assert record.case.current_stage is Stage.PERIODIC_REVIEW
