"""Every key a case's run is found again by, built here and nowhere else.

A suspended case run is resumed by the key of the form it waits on; on the replay that follows,
each decision, letter and notification the case database already holds is found by its key, so
nothing is asked, written or sent twice. A case can wait for months, across releases: a key that
changed in between would strand it (its form never found) or repeat what it already did (a second
letter, a second email). So the keys are derived from the stages and steps in this one place, and
tests/unit/test_replay_keys.py pins every one of them as literal text.
"""

from __future__ import annotations

from enum import StrEnum

from models.enums import Stage


class Step(StrEnum):
    """The named steps of the stages: each officer decision, and each letter or notice a stage
    produces that is not a decision. The value is part of the keys; renaming one strands cases."""

    REASONABLE_ENQUIRIES = "reasonable-enquiries"
    WHEREABOUTS_UNKNOWN = "whereabouts-unknown"
    OTHER_LA_NOTICE = "other-la-notice"
    LA_ACKNOWLEDGEMENT = "la-acknowledgement"
    S437_NOTICE = "s437-notice"
    S437_RESPONSE = "s437-response"
    S438_NOTICE = "s438-notice"
    SAO_SERVICE = "sao-service"
    SAO_COMPLIANCE = "sao-compliance"
    ESO_CONSIDERATION = "eso-consideration"
    LEGAL_SERVICES_REFERRAL = "legal-services-referral"
    PROSECUTION_OUTCOME = "prosecution-outcome"
    SCHOOL_PLACE_HELP = "school-place-help"
    PLACE_REQUEST = "place-request"
    SCHOOL_START = "school-start"
    # The 2026 Act's route (flows/cwsa_route.py).
    PRELIMINARY_NOTICE = "preliminary-notice"
    PRELIMINARY_RESPONSE = "preliminary-response"
    SCHOOL_NOMINATION_NOTICE = "school-nomination-notice"
    SAO_S436I_SERVICE = "sao-s436i-service"
    SAO_S436I_COMPLIANCE = "sao-s436i-compliance"
    ESO_CONSIDERATION_2026 = "eso-consideration-2026"


def visit_step(visit: int) -> str:
    """The decision recording home visit `visit` (1-based)."""
    return f"visit-{visit}"


def review_step(review: int) -> str:
    """The decision recording periodic review `review` (1-based)."""
    return f"review-{review}"


def offer_step(offer: int) -> str:
    """The decision recording answer `offer` (1-based) to a school-place request: an offer, a
    refusal, or a referral on to the Fair Access panel."""
    return f"offer-{offer}"


def served_step(step: str, issue: int) -> str:
    """The decision confirming that issue `issue` of the letter `step` approved was sent."""
    return f"{step}-served-{issue}"


def decision_key(stage: Stage, step: str) -> str:
    """The key of one decision: the form's suspend key and the decision's row."""
    return f"{stage.value.replace('_', '-')}-{step}"


def attempt_key(key: str, attempt: int) -> str:
    """The suspend key of one asking of a decision: an answer the form model refused is asked
    for again under a new key (Prefect keeps one answer per key)."""
    return key if attempt == 0 else f"{key}-retry-{attempt}"


def letter_key(stage: Stage, step: str, issue: int = 1) -> str:
    """A letter a stage's step produces; a notice re-issued for another day is a new issue."""
    return f"{decision_key(stage, step)}-{issue}"


# The decision whose answer names the school in the School Attendance Order.
SAO_DECISION_KEY = decision_key(Stage.SAO_NOTICE, Step.SAO_SERVICE)
# The 2026 Act's order and the officer's check of compliance with it (flows/cwsa_route.py).
SAO_S436I_DECISION_KEY = decision_key(Stage.SAO_NOTICE, Step.SAO_S436I_SERVICE)
SAO_S436I_COMPLIANCE_KEY = decision_key(Stage.SAO_NOTICE, Step.SAO_S436I_COMPLIANCE)
OTHER_LA_NOTICE_LETTER_KEY = letter_key(Stage.HOME_VISIT, Step.OTHER_LA_NOTICE)
LEGAL_SERVICES_REFERRAL_LETTER_KEY = letter_key(
    Stage.PROSECUTION_REFERRAL, Step.LEGAL_SERVICES_REFERRAL
)
SCHOOL_PLACE_HELP_LETTER_KEY = letter_key(Stage.SCHOOL_PLACE_SUPPORT, Step.SCHOOL_PLACE_HELP)
# Written once the case has closed, outside any stage.
CLOSING_LETTER_KEY = "case-closed-referrer-1"

# What raised a safeguarding escalation: the referral's own screen, a decision (by its key), or
# a further referral about the child (further_referral_origin).
REFERRAL_SCREEN_ORIGIN = Stage.REFERRAL_CHECK.value


def further_referral_origin(referral_id: int) -> str:
    """A further referral recorded on an open case: its referral record keys its notifications."""
    return f"further-referral-{referral_id}"


def safeguarding_key(reference: str, origin: str) -> str:
    """The escalation to MASH, the team lead and the officer: once per origin."""
    return f"{reference}:{origin}:safeguarding:1"


def ehe_handoff_key(reference: str, stage: Stage) -> str:
    """The hand-over to the EHE team from the stage that found the child home educated."""
    return f"{reference}:{stage.value}:ehe_handoff:1"


def other_la_notice_key(reference: str) -> str:
    """The email to the authority the child moved to (only a home visit finds that)."""
    return f"{reference}:{Stage.HOME_VISIT.value}:other_la_notice:1"


def admissions_notice_key(reference: str, notice: int = 1) -> str:
    """The admissions team told of the family's in-year application or Fair Access referral
    (notice 1), or of a referral on to the Fair Access panel at answer n (notice n + 1)."""
    return f"{reference}:{Stage.SCHOOL_PLACE_SUPPORT.value}:admissions_notice:{notice}"


def school_start_notice_key(reference: str, offer: int) -> str:
    """The offered school told, before the start date, of the child it admits (per offer)."""
    return f"{reference}:{Stage.SCHOOL_PLACE_SUPPORT.value}:school_start_notice:{offer}"


def legal_referral_key(reference: str) -> str:
    """The referral to legal services for proceedings."""
    return f"{reference}:{Stage.PROSECUTION_REFERRAL.value}:legal_referral:1"


def closed_elsewhere_key(reference: str, stage: Stage, request_id: int) -> str:
    """The officer told that the stage closed on a request from outside the run."""
    return f"{reference}:{stage.value}:closed_elsewhere:{request_id}"


def further_referral_officer_key(reference: str, referral_id: int) -> str:
    """The officer told of a further referral recorded on their case."""
    return f"{reference}:{further_referral_origin(referral_id)}:officer:1"
