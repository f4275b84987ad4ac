"""Where a case in support to a school place stands, and the school a notice names."""

from __future__ import annotations

from datetime import date

from flows.forms import OfferOutcome, PlaceRoute
from models import school_place
from models.school_place import SupportStep, offered_school_of, support_position

BEGAN = date(2026, 11, 10)


def test_the_codes_compared_are_the_forms_choice_codes() -> None:
    assert PlaceRoute.IN_YEAR_APPLICATION.value == school_place.IN_YEAR_APPLICATION
    assert PlaceRoute.FAIR_ACCESS_REFERRAL.value == school_place.FAIR_ACCESS_REFERRAL
    assert OfferOutcome.OFFER_ACCEPTED.value == school_place.OFFER_ACCEPTED
    assert OfferOutcome.OFFER_REFUSED.value == school_place.OFFER_REFUSED
    assert OfferOutcome.REFUSED_EVERY_OFFER.value == school_place.REFUSED_EVERY_OFFER
    assert (
        OfferOutcome.NO_PLACE_REFER_TO_FAIR_ACCESS.value
        == school_place.NO_PLACE_REFER_TO_FAIR_ACCESS
    )


def test_a_stage_just_begun_awaits_the_familys_application() -> None:
    position = support_position(BEGAN, [])
    assert (position.step, position.since) == (SupportStep.AWAITING_APPLICATION, BEGAN)
    assert not position.step.applying


def test_an_application_then_a_refusal_is_still_applying_from_the_refusal() -> None:
    position = support_position(
        BEGAN,
        [
            {"outcome": "in_year_application", "made_on": "2026-11-12"},
            {"outcome": "offer_refused", "decided_on": "2026-11-20", "school_offered": "A"},
        ],
    )
    assert (position.step, position.since) == (SupportStep.APPLYING, date(2026, 11, 20))
    assert position.step.applying


def test_no_place_then_fair_access_then_an_accepted_offer_is_offered_not_started() -> None:
    decisions: list[dict[str, object]] = [
        {"outcome": "in_year_application", "made_on": "2026-11-12"},
        {"outcome": "no_place_refer_to_fair_access", "decided_on": "2026-11-30"},
    ]
    assert support_position(BEGAN, decisions).step is SupportStep.FAIR_ACCESS
    decisions.append(
        {"outcome": "offer_accepted", "decided_on": "2026-12-10", "school_offered": "B"}
    )
    position = support_position(BEGAN, decisions)
    assert (position.step, position.since) == (SupportStep.OFFERED_NOT_STARTED, date(2026, 12, 10))
    assert offered_school_of(decisions) == "B"


def test_the_school_named_is_the_last_offered() -> None:
    assert offered_school_of([]) == ""
    assert (
        offered_school_of(
            [
                {"outcome": "offer_refused", "school_offered": "Example Primary School"},
                {"outcome": "refused_every_offer", "school_offered": "Sample Academy "},
            ]
        )
        == "Sample Academy"
    )


def test_a_refusal_of_every_offer_or_a_start_ends_the_support() -> None:
    ended = support_position(
        BEGAN,
        [
            {"outcome": "in_year_application", "made_on": "2026-11-12"},
            {"outcome": "refused_every_offer", "decided_on": "2026-11-20", "school_offered": "A"},
        ],
    )
    assert (ended.step, ended.since) == (SupportStep.ENDED, date(2026, 11, 20))
    started = support_position(
        BEGAN,
        [
            {"outcome": "offer_accepted", "decided_on": "2026-11-20"},
            {"outcome": "started", "checked_on": "2026-11-30", "started_on": "2026-11-30"},
        ],
    )
    assert (started.step, started.since) == (SupportStep.ENDED, date(2026, 11, 30))
