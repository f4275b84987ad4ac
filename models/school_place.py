"""Where a child supported to a school place stands, read from the stage's decisions. Pure.

The DfE termly return counts children "in the process of applying for a school place" and those
"offered a place for a future date but not yet started" (docs/dfe-return.md; docs/domain.md,
stages); the caseload shows each case in support by its step and how long it has
waited there. The codes compared here are the stored choice codes of the support stage's forms
(flows/forms.py: PlaceRoute, OfferOutcome); tests/unit/test_school_place.py pins the two together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from models.enums import LabelledEnum

IN_YEAR_APPLICATION = "in_year_application"
FAIR_ACCESS_REFERRAL = "fair_access_referral"
OFFER_ACCEPTED = "offer_accepted"
OFFER_REFUSED = "offer_refused"
REFUSED_EVERY_OFFER = "refused_every_offer"
NO_PLACE_REFER_TO_FAIR_ACCESS = "no_place_refer_to_fair_access"
# Outcomes that end the support: the s437(1) notice follows, the child is at school, home
# educated, or the case closed (flows/forms.py PlaceRoute, OfferOutcome, StartOutcome).
ENDING = frozenset(
    {"no_application", REFUSED_EVERY_OFFER, "started", "not_started", "elective_home_education",
     "close_case"}
)  # fmt: skip


class SupportStep(LabelledEnum):
    """The step a case in support to a school place waits at."""

    AWAITING_APPLICATION = "awaiting_application"
    APPLYING = "applying"
    FAIR_ACCESS = "fair_access"
    OFFERED_NOT_STARTED = "offered_not_started"
    ENDED = "ended"

    @property
    def label(self) -> str:
        return _STEP_WORDS[self]

    @property
    def applying(self) -> bool:
        """DfE: "in the process of applying for a school place" (Fair Access included)."""
        return self in (SupportStep.APPLYING, SupportStep.FAIR_ACCESS)


_STEP_WORDS = {
    SupportStep.AWAITING_APPLICATION: "Awaiting the family's application",
    SupportStep.APPLYING: "In-year application: awaiting an offer",
    SupportStep.FAIR_ACCESS: "Fair Access panel: awaiting a place",
    SupportStep.OFFERED_NOT_STARTED: "Offered a place, not yet started",
    SupportStep.ENDED: "Support ended",
}


@dataclass(frozen=True)
class SupportPosition:
    """The step and the day the case reached it (days waiting count from that day)."""

    step: SupportStep
    since: date


def _day(values: Mapping[str, object], field: str, fallback: date) -> date:
    value = values.get(field)
    return date.fromisoformat(value) if isinstance(value, str) and value else fallback


def support_position(began: date, decisions: Sequence[Mapping[str, object]]) -> SupportPosition:
    """Where the case stands, from the stage's decisions in the order they were made (their stored
    values). A stage that has just begun awaits the family's application."""
    position = SupportPosition(SupportStep.AWAITING_APPLICATION, began)
    route = SupportStep.APPLYING
    for values in decisions:
        outcome = values.get("outcome")
        if outcome == IN_YEAR_APPLICATION:
            route = SupportStep.APPLYING
            position = SupportPosition(route, _day(values, "made_on", position.since))
        elif outcome == FAIR_ACCESS_REFERRAL:
            route = SupportStep.FAIR_ACCESS
            position = SupportPosition(route, _day(values, "made_on", position.since))
        elif outcome == NO_PLACE_REFER_TO_FAIR_ACCESS:
            route = SupportStep.FAIR_ACCESS
            position = SupportPosition(route, _day(values, "decided_on", position.since))
        elif outcome == OFFER_REFUSED:
            position = SupportPosition(route, _day(values, "decided_on", position.since))
        elif outcome == OFFER_ACCEPTED:
            position = SupportPosition(
                SupportStep.OFFERED_NOT_STARTED, _day(values, "decided_on", position.since)
            )
        elif outcome in ENDING:
            day = _day(values, "checked_on", _day(values, "decided_on", position.since))
            position = SupportPosition(SupportStep.ENDED, _day(values, "made_on", day))
    return position


def offered_school_of(decisions: Sequence[Mapping[str, object]]) -> str:
    """The school last offered (accepted or refused), for the s437(1) notice that follows."""
    offered = ""
    for values in decisions:
        school = values.get("school_offered")
        if values.get("outcome") in (OFFER_ACCEPTED, OFFER_REFUSED, REFUSED_EVERY_OFFER) and (
            isinstance(school, str) and school.strip()
        ):
            offered = school.strip()
    return offered
