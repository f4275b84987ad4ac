"""Every key the case flow can produce, as literal text.

A case suspended today is found again by these keys after any later release: its form by the
suspend key, its decisions, letters and notifications by theirs. If a test here fails, a waiting
case would not resume, or would send a letter or an email a second time. Put the key back; do not
change this file unless no case anywhere can be waiting under the old key.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from models.config import load_config
from models.enums import Stage
from models.replay_keys import (
    CLOSING_LETTER_KEY,
    LEGAL_SERVICES_REFERRAL_LETTER_KEY,
    OTHER_LA_NOTICE_LETTER_KEY,
    REFERRAL_SCREEN_ORIGIN,
    SAO_DECISION_KEY,
    SCHOOL_PLACE_HELP_LETTER_KEY,
    Step,
    admissions_notice_key,
    attempt_key,
    closed_elsewhere_key,
    decision_key,
    ehe_handoff_key,
    further_referral_officer_key,
    further_referral_origin,
    legal_referral_key,
    letter_key,
    offer_step,
    other_la_notice_key,
    review_step,
    safeguarding_key,
    school_start_notice_key,
    served_step,
    visit_step,
)
from tasks.recording import answer_key

SHIPPED_CONFIG = Path(__file__).resolve().parents[2] / "config" / "cme.toml"
REFERENCE = "CME-2026-00042"
REVIEWS = (
    1,
    2,
    3,
)  # periodic reviews go on while the child is missing; the first few stand for all
OFFERS = (1, 2, 3)  # answers to a school-place request: offers, refusals, referrals on
ISSUES = (1, 2)  # a notice re-issued for another day or method is a new issue
RETRIES = (1, 2)  # an answer the form refused is asked for again
FURTHER_REFERRAL_ID = 7
CLOSURE_REQUEST_ID = 3
# Letters that are not notices served through a decision.
OTHER_LETTER_STEPS = [
    (Stage.HOME_VISIT, Step.OTHER_LA_NOTICE),
    (Stage.PROSECUTION_REFERRAL, Step.LEGAL_SERVICES_REFERRAL),
    (Stage.SCHOOL_PLACE_SUPPORT, Step.SCHOOL_PLACE_HELP),
]
# The stages whose finding can hand the child to the EHE team.
EHE_STAGES = (Stage.REFERRAL_CHECK, Stage.HOME_VISIT, Stage.SCHOOL_PLACE_SUPPORT)
# The notices served on a parent, each through a decision that approves it.
SERVED_NOTICES = [
    (Stage.EDUCATION_ENQUIRY, Step.S437_NOTICE),
    (Stage.SAO_NOTICE, Step.S438_NOTICE),
    (Stage.SAO_NOTICE, Step.SAO_SERVICE),
]


def case_flow_decisions() -> list[tuple[Stage, str]]:
    """The decisions flows/case.py can ask for, stage by stage, in the order it asks them."""
    visits = load_config(SHIPPED_CONFIG).process.max_home_visits

    def served(stage: Stage, step: Step) -> list[tuple[Stage, str]]:
        return [(stage, step), *((stage, served_step(step, issue)) for issue in ISSUES)]

    return [
        (Stage.REFERRAL_CHECK, Step.REASONABLE_ENQUIRIES),
        *((Stage.HOME_VISIT, visit_step(visit)) for visit in range(1, visits + 1)),
        (Stage.HOME_VISIT, Step.WHEREABOUTS_UNKNOWN),
        (Stage.HOME_VISIT, Step.LA_ACKNOWLEDGEMENT),
        *((Stage.PERIODIC_REVIEW, review_step(review)) for review in REVIEWS),
        (Stage.SCHOOL_PLACE_SUPPORT, Step.PLACE_REQUEST),
        *((Stage.SCHOOL_PLACE_SUPPORT, offer_step(offer)) for offer in OFFERS),
        (Stage.SCHOOL_PLACE_SUPPORT, Step.SCHOOL_START),
        *served(Stage.EDUCATION_ENQUIRY, Step.S437_NOTICE),
        (Stage.EDUCATION_ENQUIRY, Step.S437_RESPONSE),
        *served(Stage.SAO_NOTICE, Step.S438_NOTICE),
        *served(Stage.SAO_NOTICE, Step.SAO_SERVICE),
        (Stage.SAO_NOTICE, Step.SAO_COMPLIANCE),
        (Stage.PROSECUTION_REFERRAL, Step.ESO_CONSIDERATION),
        (Stage.PROSECUTION_REFERRAL, Step.PROSECUTION_OUTCOME),
    ]


def built_decision_keys() -> list[str]:
    return [decision_key(stage, step) for stage, step in case_flow_decisions()]


DECISION_KEYS = [
    "referral-check-reasonable-enquiries",
    "home-visit-visit-1",
    "home-visit-visit-2",
    "home-visit-visit-3",
    "home-visit-whereabouts-unknown",
    "home-visit-la-acknowledgement",
    "periodic-review-review-1",
    "periodic-review-review-2",
    "periodic-review-review-3",
    "school-place-support-place-request",
    "school-place-support-offer-1",
    "school-place-support-offer-2",
    "school-place-support-offer-3",
    "school-place-support-school-start",
    "education-enquiry-s437-notice",
    "education-enquiry-s437-notice-served-1",
    "education-enquiry-s437-notice-served-2",
    "education-enquiry-s437-response",
    "sao-notice-s438-notice",
    "sao-notice-s438-notice-served-1",
    "sao-notice-s438-notice-served-2",
    "sao-notice-sao-service",
    "sao-notice-sao-service-served-1",
    "sao-notice-sao-service-served-2",
    "sao-notice-sao-compliance",
    "prosecution-referral-eso-consideration",
    "prosecution-referral-prosecution-outcome",
]

PAUSE_KEYS = [
    "referral-check-reasonable-enquiries",
    "referral-check-reasonable-enquiries-retry-1",
    "referral-check-reasonable-enquiries-retry-2",
    "home-visit-visit-1",
    "home-visit-visit-1-retry-1",
    "home-visit-visit-1-retry-2",
    "home-visit-visit-2",
    "home-visit-visit-2-retry-1",
    "home-visit-visit-2-retry-2",
    "home-visit-visit-3",
    "home-visit-visit-3-retry-1",
    "home-visit-visit-3-retry-2",
    "home-visit-whereabouts-unknown",
    "home-visit-whereabouts-unknown-retry-1",
    "home-visit-whereabouts-unknown-retry-2",
    "home-visit-la-acknowledgement",
    "home-visit-la-acknowledgement-retry-1",
    "home-visit-la-acknowledgement-retry-2",
    "periodic-review-review-1",
    "periodic-review-review-1-retry-1",
    "periodic-review-review-1-retry-2",
    "periodic-review-review-2",
    "periodic-review-review-2-retry-1",
    "periodic-review-review-2-retry-2",
    "periodic-review-review-3",
    "periodic-review-review-3-retry-1",
    "periodic-review-review-3-retry-2",
    "school-place-support-place-request",
    "school-place-support-place-request-retry-1",
    "school-place-support-place-request-retry-2",
    "school-place-support-offer-1",
    "school-place-support-offer-1-retry-1",
    "school-place-support-offer-1-retry-2",
    "school-place-support-offer-2",
    "school-place-support-offer-2-retry-1",
    "school-place-support-offer-2-retry-2",
    "school-place-support-offer-3",
    "school-place-support-offer-3-retry-1",
    "school-place-support-offer-3-retry-2",
    "school-place-support-school-start",
    "school-place-support-school-start-retry-1",
    "school-place-support-school-start-retry-2",
    "education-enquiry-s437-notice",
    "education-enquiry-s437-notice-retry-1",
    "education-enquiry-s437-notice-retry-2",
    "education-enquiry-s437-notice-served-1",
    "education-enquiry-s437-notice-served-1-retry-1",
    "education-enquiry-s437-notice-served-1-retry-2",
    "education-enquiry-s437-notice-served-2",
    "education-enquiry-s437-notice-served-2-retry-1",
    "education-enquiry-s437-notice-served-2-retry-2",
    "education-enquiry-s437-response",
    "education-enquiry-s437-response-retry-1",
    "education-enquiry-s437-response-retry-2",
    "sao-notice-s438-notice",
    "sao-notice-s438-notice-retry-1",
    "sao-notice-s438-notice-retry-2",
    "sao-notice-s438-notice-served-1",
    "sao-notice-s438-notice-served-1-retry-1",
    "sao-notice-s438-notice-served-1-retry-2",
    "sao-notice-s438-notice-served-2",
    "sao-notice-s438-notice-served-2-retry-1",
    "sao-notice-s438-notice-served-2-retry-2",
    "sao-notice-sao-service",
    "sao-notice-sao-service-retry-1",
    "sao-notice-sao-service-retry-2",
    "sao-notice-sao-service-served-1",
    "sao-notice-sao-service-served-1-retry-1",
    "sao-notice-sao-service-served-1-retry-2",
    "sao-notice-sao-service-served-2",
    "sao-notice-sao-service-served-2-retry-1",
    "sao-notice-sao-service-served-2-retry-2",
    "sao-notice-sao-compliance",
    "sao-notice-sao-compliance-retry-1",
    "sao-notice-sao-compliance-retry-2",
    "prosecution-referral-eso-consideration",
    "prosecution-referral-eso-consideration-retry-1",
    "prosecution-referral-eso-consideration-retry-2",
    "prosecution-referral-prosecution-outcome",
    "prosecution-referral-prosecution-outcome-retry-1",
    "prosecution-referral-prosecution-outcome-retry-2",
]

ANSWER_KEYS = [
    "suspended-referral-check-reasonable-enquiries-response",
    "suspended-home-visit-visit-1-response",
    "suspended-home-visit-visit-2-response",
    "suspended-home-visit-visit-3-response",
    "suspended-home-visit-whereabouts-unknown-response",
    "suspended-home-visit-la-acknowledgement-response",
    "suspended-periodic-review-review-1-response",
    "suspended-periodic-review-review-2-response",
    "suspended-periodic-review-review-3-response",
    "suspended-school-place-support-place-request-response",
    "suspended-school-place-support-offer-1-response",
    "suspended-school-place-support-offer-2-response",
    "suspended-school-place-support-offer-3-response",
    "suspended-school-place-support-school-start-response",
    "suspended-education-enquiry-s437-notice-response",
    "suspended-education-enquiry-s437-notice-served-1-response",
    "suspended-education-enquiry-s437-notice-served-2-response",
    "suspended-education-enquiry-s437-response-response",
    "suspended-sao-notice-s438-notice-response",
    "suspended-sao-notice-s438-notice-served-1-response",
    "suspended-sao-notice-s438-notice-served-2-response",
    "suspended-sao-notice-sao-service-response",
    "suspended-sao-notice-sao-service-served-1-response",
    "suspended-sao-notice-sao-service-served-2-response",
    "suspended-sao-notice-sao-compliance-response",
    "suspended-prosecution-referral-eso-consideration-response",
    "suspended-prosecution-referral-prosecution-outcome-response",
]

LETTER_KEYS = [
    "education-enquiry-s437-notice-1",
    "education-enquiry-s437-notice-2",
    "sao-notice-s438-notice-1",
    "sao-notice-s438-notice-2",
    "sao-notice-sao-service-1",
    "sao-notice-sao-service-2",
    "home-visit-other-la-notice-1",
    "prosecution-referral-legal-services-referral-1",
    "school-place-support-school-place-help-1",
    "case-closed-referrer-1",
]

NOTIFICATION_KEYS = [
    "CME-2026-00042:referral_check:safeguarding:1",
    "CME-2026-00042:referral-check-reasonable-enquiries:safeguarding:1",
    "CME-2026-00042:home-visit-visit-1:safeguarding:1",
    "CME-2026-00042:home-visit-visit-2:safeguarding:1",
    "CME-2026-00042:home-visit-visit-3:safeguarding:1",
    "CME-2026-00042:home-visit-whereabouts-unknown:safeguarding:1",
    "CME-2026-00042:home-visit-la-acknowledgement:safeguarding:1",
    "CME-2026-00042:periodic-review-review-1:safeguarding:1",
    "CME-2026-00042:periodic-review-review-2:safeguarding:1",
    "CME-2026-00042:periodic-review-review-3:safeguarding:1",
    "CME-2026-00042:school-place-support-place-request:safeguarding:1",
    "CME-2026-00042:school-place-support-offer-1:safeguarding:1",
    "CME-2026-00042:school-place-support-offer-2:safeguarding:1",
    "CME-2026-00042:school-place-support-offer-3:safeguarding:1",
    "CME-2026-00042:school-place-support-school-start:safeguarding:1",
    "CME-2026-00042:education-enquiry-s437-notice:safeguarding:1",
    "CME-2026-00042:education-enquiry-s437-notice-served-1:safeguarding:1",
    "CME-2026-00042:education-enquiry-s437-notice-served-2:safeguarding:1",
    "CME-2026-00042:education-enquiry-s437-response:safeguarding:1",
    "CME-2026-00042:sao-notice-s438-notice:safeguarding:1",
    "CME-2026-00042:sao-notice-s438-notice-served-1:safeguarding:1",
    "CME-2026-00042:sao-notice-s438-notice-served-2:safeguarding:1",
    "CME-2026-00042:sao-notice-sao-service:safeguarding:1",
    "CME-2026-00042:sao-notice-sao-service-served-1:safeguarding:1",
    "CME-2026-00042:sao-notice-sao-service-served-2:safeguarding:1",
    "CME-2026-00042:sao-notice-sao-compliance:safeguarding:1",
    "CME-2026-00042:prosecution-referral-eso-consideration:safeguarding:1",
    "CME-2026-00042:prosecution-referral-prosecution-outcome:safeguarding:1",
    "CME-2026-00042:further-referral-7:safeguarding:1",
    "CME-2026-00042:referral_check:ehe_handoff:1",
    "CME-2026-00042:home_visit:ehe_handoff:1",
    "CME-2026-00042:school_place_support:ehe_handoff:1",
    "CME-2026-00042:home_visit:other_la_notice:1",
    "CME-2026-00042:prosecution_referral:legal_referral:1",
    "CME-2026-00042:school_place_support:admissions_notice:1",
    "CME-2026-00042:school_place_support:admissions_notice:2",
    "CME-2026-00042:school_place_support:admissions_notice:3",
    "CME-2026-00042:school_place_support:school_start_notice:1",
    "CME-2026-00042:school_place_support:school_start_notice:2",
    "CME-2026-00042:referral_check:closed_elsewhere:3",
    "CME-2026-00042:home_visit:closed_elsewhere:3",
    "CME-2026-00042:school_place_support:closed_elsewhere:3",
    "CME-2026-00042:education_enquiry:closed_elsewhere:3",
    "CME-2026-00042:sao_notice:closed_elsewhere:3",
    "CME-2026-00042:prosecution_referral:closed_elsewhere:3",
    "CME-2026-00042:periodic_review:closed_elsewhere:3",
    "CME-2026-00042:further-referral-7:officer:1",
]


def test_decision_keys_are_unchanged() -> None:
    assert built_decision_keys() == DECISION_KEYS


def test_suspend_keys_of_each_asking_are_unchanged() -> None:
    built = [
        attempt_key(key, attempt) for key in built_decision_keys() for attempt in (0, *RETRIES)
    ]

    assert built == PAUSE_KEYS


def test_answers_are_read_where_prefect_stores_them() -> None:
    assert [answer_key(key) for key in built_decision_keys()] == ANSWER_KEYS


def test_letter_keys_are_unchanged() -> None:
    built = [
        *(letter_key(stage, step, issue) for stage, step in SERVED_NOTICES for issue in ISSUES),
        OTHER_LA_NOTICE_LETTER_KEY,
        LEGAL_SERVICES_REFERRAL_LETTER_KEY,
        SCHOOL_PLACE_HELP_LETTER_KEY,
        CLOSING_LETTER_KEY,
    ]

    assert built == LETTER_KEYS
    assert [letter_key(stage, step) for stage, step in OTHER_LETTER_STEPS] == built[-4:-1]


def test_the_letters_find_the_school_order_under_its_decision_key() -> None:
    assert SAO_DECISION_KEY == "sao-notice-sao-service"
    assert SAO_DECISION_KEY in built_decision_keys()


def test_notification_keys_are_unchanged() -> None:
    origins = [
        REFERRAL_SCREEN_ORIGIN,
        *built_decision_keys(),
        further_referral_origin(FURTHER_REFERRAL_ID),
    ]
    built = [
        *(safeguarding_key(REFERENCE, origin) for origin in origins),
        *(ehe_handoff_key(REFERENCE, stage) for stage in EHE_STAGES),
        other_la_notice_key(REFERENCE),
        legal_referral_key(REFERENCE),
        admissions_notice_key(REFERENCE),
        *(admissions_notice_key(REFERENCE, offer + 1) for offer in OFFERS[:2]),
        *(school_start_notice_key(REFERENCE, offer) for offer in OFFERS[:2]),
        *(closed_elsewhere_key(REFERENCE, stage, CLOSURE_REQUEST_ID) for stage in Stage),
        further_referral_officer_key(REFERENCE, FURTHER_REFERRAL_ID),
    ]

    assert built == NOTIFICATION_KEYS


# The 2026 Act's route (flows/cwsa_route.py): its own steps in the same stages, pinned as the
# others are from the release that brings it.
CWSA_SERVED_NOTICES = [
    (Stage.EDUCATION_ENQUIRY, Step.PRELIMINARY_NOTICE),
    (Stage.SAO_NOTICE, Step.SCHOOL_NOMINATION_NOTICE),
    (Stage.SAO_NOTICE, Step.SAO_S436I_SERVICE),
]


def cwsa_route_decisions() -> list[tuple[Stage, str]]:
    """The decisions flows/cwsa_route.py can ask for, in the order it asks them."""

    def served(stage: Stage, step: Step) -> list[tuple[Stage, str]]:
        return [(stage, step), *((stage, served_step(step, issue)) for issue in ISSUES)]

    return [
        *served(Stage.EDUCATION_ENQUIRY, Step.PRELIMINARY_NOTICE),
        (Stage.EDUCATION_ENQUIRY, Step.PRELIMINARY_RESPONSE),
        *served(Stage.SAO_NOTICE, Step.SCHOOL_NOMINATION_NOTICE),
        *served(Stage.SAO_NOTICE, Step.SAO_S436I_SERVICE),
        (Stage.SAO_NOTICE, Step.SAO_S436I_COMPLIANCE),
        (Stage.PROSECUTION_REFERRAL, Step.ESO_CONSIDERATION_2026),
        (Stage.PROSECUTION_REFERRAL, Step.PROSECUTION_OUTCOME),
    ]


CWSA_DECISION_KEYS = [
    "education-enquiry-preliminary-notice",
    "education-enquiry-preliminary-notice-served-1",
    "education-enquiry-preliminary-notice-served-2",
    "education-enquiry-preliminary-response",
    "sao-notice-school-nomination-notice",
    "sao-notice-school-nomination-notice-served-1",
    "sao-notice-school-nomination-notice-served-2",
    "sao-notice-sao-s436i-service",
    "sao-notice-sao-s436i-service-served-1",
    "sao-notice-sao-s436i-service-served-2",
    "sao-notice-sao-s436i-compliance",
    "prosecution-referral-eso-consideration-2026",
    "prosecution-referral-prosecution-outcome",
]
CWSA_LETTER_KEYS = [
    "education-enquiry-preliminary-notice-1",
    "education-enquiry-preliminary-notice-2",
    "sao-notice-school-nomination-notice-1",
    "sao-notice-school-nomination-notice-2",
    "sao-notice-sao-s436i-service-1",
    "sao-notice-sao-s436i-service-2",
]


def test_the_2026_routes_keys_are_unchanged() -> None:
    assert [decision_key(stage, step) for stage, step in cwsa_route_decisions()] == (
        CWSA_DECISION_KEYS
    )
    assert [
        letter_key(stage, step, issue) for stage, step in CWSA_SERVED_NOTICES for issue in ISSUES
    ] == CWSA_LETTER_KEYS
    # The referral to legal services and the outcome keep the keys the old route gives them, and
    # no key of the new route is one of the old route's: a case never finds another route's form.
    assert "prosecution-referral-prosecution-outcome" in DECISION_KEYS
    assert set(CWSA_DECISION_KEYS[:-1]).isdisjoint(DECISION_KEYS)


def test_every_step_is_pinned() -> None:
    pinned = (
        {step for _, step in case_flow_decisions()}
        | {s for _, s in OTHER_LETTER_STEPS}
        | {step for _, step in cwsa_route_decisions()}
    )

    assert set(Step) <= pinned


def test_every_key_is_distinct() -> None:
    for keys in (DECISION_KEYS, PAUSE_KEYS, LETTER_KEYS, NOTIFICATION_KEYS):
        assert len(set(keys)) == len(keys)


@pytest.mark.parametrize("stage", list(Stage))
def test_decision_key_is_dash_separated_lowercase_for_every_stage(stage: Stage) -> None:
    key = decision_key(stage, visit_step(1))

    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", key), key
    assert key.endswith("-visit-1")


def test_decision_key_is_distinct_per_stage_and_step() -> None:
    keys = {decision_key(stage, step) for stage in Stage for step in (visit_step(1), visit_step(2))}

    assert len(keys) == 2 * len(Stage)
