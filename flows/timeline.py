"""Which rules of the case's timeline each decision form answers to (models/timeline_rules.py).

Every form's dates are checked against the day its stage began and today: a date that records
something done (a visit, a check, a decision) lies between the two; a day a letter is to be sent on
is today or later, since the letter is prepared after the approval. The decisions that wait for a
statutory period, or confirm a letter sent, are given the dates they wait for at the call site
(flows/case.py, flows/service.py). A problem found re-asks the form with it shown, as a malformed
answer is (flows/decisions.py). The officers' table: docs/statutory-timeline.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import TypeVar

from flows.forms import (
    Compliance,
    DecisionForm,
    EsoConsideration,
    EsoConsideration2026,
    HomeVisitRecord,
    LaAcknowledgement,
    LetterSent,
    LetterServed,
    OfferOutcome,
    OrderCompliance,
    OrderS436ICompliance,
    OrderS436IService,
    ParentAnswer,
    ParentChoice,
    PeriodicReview,
    PlaceRoute,
    PreliminaryNoticeResponse,
    PreliminaryNoticeService,
    ProsecutionOutcome,
    S437NoticeService,
    S437Response,
    S438NoticeOfIntention,
    SaoCompliance,
    SaoService,
    SchoolNominationNotice,
    SchoolPlaceOffer,
    SchoolPlaceRequest,
    SchoolStart,
    StartOutcome,
    WhereaboutsUnknown,
)
from models.enums import Stage
from models.timeline_rules import (
    Problem,
    Timeline,
    after_period,
    no_application_after_period,
    not_after_today,
    not_before,
    not_before_stage,
    not_before_today,
    not_started_after_period,
    s437_not_satisfied_after_period,
    sao_after_s438_period,
    sao_not_complied_after_period,
    sent_on_or_after_approved_day,
)

F = TypeVar("F", bound=DecisionForm)
Rules = Callable[[F, Timeline], Iterable[Problem | None]]

# The fields that record a day something was done: not before the stage began, not after today.
DONE_DATES: dict[type[DecisionForm], tuple[str, ...]] = {
    HomeVisitRecord: ("visit_date",),
    LaAcknowledgement: ("acknowledged_on",),
    WhereaboutsUnknown: (
        "police_referral_on",
        "childrens_social_care_referral_on",
        "s2s_search_on",
    ),
    PeriodicReview: ("reviewed_on",),
    S437Response: ("decided_on",),
    SaoCompliance: ("checked_on",),
    EsoConsideration: ("decided_on",),
    ProsecutionOutcome: ("decided_on",),
    SchoolPlaceRequest: ("made_on",),
    SchoolPlaceOffer: ("decided_on",),
    SchoolStart: ("checked_on",),
    PreliminaryNoticeResponse: ("decided_on",),
    OrderS436ICompliance: ("checked_on",),
    EsoConsideration2026: ("decided_on",),
}

# The fields that give the day a letter is to be sent: today or later (not when closing instead).
PLANNED_DATES: dict[type[DecisionForm], tuple[str, ...]] = {
    S437NoticeService: ("served_on",),
    S438NoticeOfIntention: ("served_on",),
    SaoService: ("served_on",),
    PreliminaryNoticeService: ("served_on",),
    SchoolNominationNotice: ("served_on",),
    OrderS436IService: ("served_on",),
    LetterServed: ("reissue_sent_on",),
}


def dates_in_order(form: type[DecisionForm], stage: Stage) -> Rules[DecisionForm]:
    """The rules every answer to `form` meets: its dates within its stage and today."""

    def check(answer: DecisionForm, timeline: Timeline) -> Iterable[Problem | None]:
        for field in DONE_DATES.get(form, ()):
            day: date = getattr(answer, field)
            yield not_before_stage(field, day, timeline.stage_began, stage.label)
            yield not_after_today(field, day, timeline.today)
        if answer.closes_case() is None:
            for field in PLANNED_DATES.get(form, ()):
                planned: date | None = getattr(answer, field)
                if planned is not None:
                    yield not_before_today(field, planned, timeline.today)

    return check


def letter_sent(sent_on: date) -> Rules[LetterServed]:
    """A letter confirmed sent as it states: not before the day it states (s572)."""

    def check(answer: LetterServed, timeline: Timeline) -> Iterable[Problem | None]:
        if answer.sent is LetterSent.SENT_AS_STATED:
            yield sent_on_or_after_approved_day(timeline.today, sent_on)

    return check


def s437_answer(period_ends: date) -> Rules[S437Response]:
    """'Not satisfied' or 'no answer' only after the s437(1) period; satisfied on any day."""

    def check(answer: S437Response, timeline: Timeline) -> Iterable[Problem | None]:
        unsatisfied = answer.answer in (ParentAnswer.NOT_SATISFIED, ParentAnswer.NO_ANSWER)
        yield s437_not_satisfied_after_period(not unsatisfied, answer.decided_on, period_ends)

    return check


def sao_order(choice_ends: date) -> Rules[SaoService]:
    """The order naming the proposed school is sent after the s438 period; one naming the
    parent's own choice may be sent as soon as the parent has chosen."""

    def check(answer: SaoService, timeline: Timeline) -> Iterable[Problem | None]:
        if answer.closes_case() is None:
            chose = answer.parent_choice is not ParentChoice.PROPOSED_SCHOOL
            yield sao_after_s438_period(chose, answer.served_on, choice_ends)

    return check


def sao_compliance(compliance_ends: date) -> Rules[SaoCompliance]:
    """'Not complied' only after the time given to register; compliance on any day."""

    def check(answer: SaoCompliance, timeline: Timeline) -> Iterable[Problem | None]:
        complied = answer.compliance is not Compliance.NOT_COMPLIED
        yield sao_not_complied_after_period(complied, answer.checked_on, compliance_ends)

    return check


def place_request(apply_by: date | None) -> Rules[SchoolPlaceRequest]:
    """'No application' only after the time given to apply; an application on any day."""

    def check(answer: SchoolPlaceRequest, timeline: Timeline) -> Iterable[Problem | None]:
        if apply_by is not None:
            applied = answer.outcome is not PlaceRoute.NO_APPLICATION
            yield no_application_after_period(applied, answer.made_on, apply_by)

    return check


def place_offer(requested_on: date) -> Rules[SchoolPlaceOffer]:
    """An offer (or a refusal, or a referral on) answers a request made on `requested_on`; an
    accepted place starts on or after the day it was accepted."""

    def check(answer: SchoolPlaceOffer, timeline: Timeline) -> Iterable[Problem | None]:
        yield not_before(
            "decided_on", answer.decided_on, requested_on, "the application or referral it answers"
        )
        if answer.outcome is OfferOutcome.OFFER_ACCEPTED and answer.start_date is not None:
            yield not_before("start_date", answer.start_date, answer.decided_on, "the offer")

    return check


def school_start(accepted_on: date, start_by: date) -> Rules[SchoolStart]:
    """'Not started' only after the time given to start; a start on any day after the offer
    was accepted, and not after today."""

    def check(answer: SchoolStart, timeline: Timeline) -> Iterable[Problem | None]:
        if answer.started_on is not None:
            yield not_before("started_on", answer.started_on, accepted_on, "the offer accepted")
            yield not_after_today("started_on", answer.started_on, timeline.today)
        started = answer.outcome is not StartOutcome.NOT_STARTED
        yield not_started_after_period(started, answer.checked_on, start_by)

    return check


# --- The 2026 Act's route (flows/cwsa_route.py) ---------------------------------------------


def preliminary_answer(period_ends: date) -> Rules[PreliminaryNoticeResponse]:
    """'Not satisfied' or 'no answer' only after the period the preliminary notice gave; an answer
    that satisfies the council on any day."""

    def check(answer: PreliminaryNoticeResponse, timeline: Timeline) -> Iterable[Problem | None]:
        if answer.answer in (ParentAnswer.NOT_SATISFIED, ParentAnswer.NO_ANSWER):
            yield after_period(
                "decided_on", answer.decided_on, period_ends,
                "the period the preliminary notice gave (its last day is the one it states)",
            )  # fmt: skip

    return check


def order_s436i(choice_ends: date) -> Rules[OrderS436IService]:
    """The order naming the nominated school is sent after the school nomination notice's window;
    one naming a school the parent selected as soon as they have selected it."""

    def check(answer: OrderS436IService, timeline: Timeline) -> Iterable[Problem | None]:
        if answer.closes_case() is None and answer.parent_choice is ParentChoice.PROPOSED_SCHOOL:
            yield after_period(
                "served_on", answer.served_on, choice_ends,
                "the parent's window to select a school (its last day is the one the school "
                "nomination notice states)",
            )  # fmt: skip

    return check


def order_s436i_compliance(compliance_ends: date) -> Rules[OrderS436ICompliance]:
    """'Not complied' only after the time given to register; registration, revocation or a
    withdrawal while the order is in force on any day."""

    def check(answer: OrderS436ICompliance, timeline: Timeline) -> Iterable[Problem | None]:
        if answer.compliance is OrderCompliance.NOT_COMPLIED:
            yield after_period(
                "checked_on", answer.checked_on, compliance_ends,
                "the time the council gives the parent to register the child at the named school",
            )  # fmt: skip

    return check
