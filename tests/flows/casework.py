"""Running a case in process and reading what it recorded; the officer's typical answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine, select

from flows.case import cme_case
from flows.forms import (
    Compliance,
    DecisionForm,
    EnforcementDecision,
    EnquiryResult,
    EsoConsideration,
    HomeVisitFinding,
    HomeVisitRecord,
    LetterSent,
    LetterServed,
    NoticeDecision,
    OfferOutcome,
    OrderDecision,
    ParentAnswer,
    ParentChoice,
    PlaceRoute,
    ReasonableEnquiries,
    ReferralCheckDecision,
    S437NoticeService,
    S437Response,
    S438NoticeOfIntention,
    SaoCompliance,
    SaoService,
    SchoolPlaceOffer,
    SchoolPlaceRequest,
    SchoolStart,
    StartOutcome,
)
from flows.timeline import DONE_DATES
from models.calendar import ServiceMethod
from models.referral import Referral
from store import case_events, cases, decisions, letters
from store.database import session_scope
from store.orm import Case, Letter, StageRecord
from tests.mail import Inbox

OFFICER = "cme-officer-dspl-6-9"  # AL1 (St Albans) is DSPL 7
SIGNED_IN_AS = "officer.south"  # the username of the person whose team id is OFFICER


@dataclass(frozen=True)
class WithoutGateway:
    """An answer sent straight to Prefect's API, past the sign-in gateway: exactly these values,
    with no officer or username written in."""

    values: dict[str, Any]


Answer = DecisionForm | dict[str, Any] | WithoutGateway


class StillWaiting(Exception):
    """The case waits on a form the script does not answer: where the real run would suspend."""

    def __init__(self, key: str) -> None:
        super().__init__(f"waiting on {key}")
        self.key = key


# The day the factory's referral is received: the case opens on it, and the clock starts there.
START = date(2026, 11, 2)


@dataclass
class OfficersClock:
    """The product's clock in these tests: it stands still until the officer answers a form on a
    later day (`Officer.answer(..., on=day)`)."""

    now: datetime = field(default_factory=lambda: datetime.combine(START, time(10), tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def move_to(self, day: date) -> None:
        self.now = datetime.combine(day, time(12), tzinfo=UTC)


@dataclass
class Officer:
    """Answers the case's forms from a script: suspend key -> the form's values, submitted as
    through the sign-in gateway, which writes the signed-in person into every answer; each on the
    day the script gives (the product's clock moves to it when the form is answered), or else on
    the latest day the answer records as done."""

    clock: OfficersClock = field(default_factory=OfficersClock)
    team_id: str = OFFICER
    username: str = SIGNED_IN_AS
    answers: dict[str, Answer] = field(default_factory=dict)
    days: dict[str, date] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)
    descriptions: dict[str, str] = field(default_factory=dict)
    # Run when the flow looks for an answer under a key: what happens while the case waits there.
    while_waiting: dict[str, Callable[[], None]] = field(default_factory=dict)

    def answer(self, key: str, value: Answer, *, on: date | None = None) -> None:
        self.answers[key] = value
        if on is not None:
            self.days[key] = on

    def has_answer(self, pause_key: str) -> bool:
        # The run's first pass at this key: nobody has answered yet, so the flow describes the
        # form and looks for a closure requested from outside before it suspends.
        if (event := self.while_waiting.pop(pause_key, None)) is not None:
            event()
        return False

    def suspend(self, *, wait_for_input: type[BaseModel], key: str, timeout: Any) -> BaseModel:
        self.asked.append(key)
        self.descriptions[key] = str(getattr(wait_for_input, "_description", "") or "")
        if key not in self.answers:
            raise StillWaiting(key)
        answer = self.answers[key]
        if key in self.days:
            self.clock.move_to(self.days[key])
        elif isinstance(answer, DecisionForm) and (done := _days_done(answer)):
            # Unless told otherwise, recorded on the latest day it records as done (a visit on
            # the day of the visit), or on the clock's day if that is later.
            self.clock.move_to(max(self.clock.now.date(), *done))
        if isinstance(answer, WithoutGateway):
            values = dict(answer.values)
        else:
            values = answer.model_dump(mode="json") if isinstance(answer, BaseModel) else answer
            # As the gateway does: the signed-in person, whatever the answer said.
            values = {**values, "officer": self.team_id, "signed_in_as": self.username}
        # As Prefect loads a submitted form: the server checked only the JSON schema, so the
        # model's own rules (dates, cross-field checks) raise here, inside the flow.
        return wait_for_input.model_validate(values)


def _days_done(answer: DecisionForm) -> list[date]:
    return [getattr(answer, name) for name in DONE_DATES.get(type(answer), ())]


@dataclass
class Product:
    """What one in-process test sees: the case database, the state folder and the inbox."""

    engine: Engine
    home: Path
    inbox: Inbox
    officer: Officer


@dataclass(frozen=True)
class Ran:
    """Where the run stopped: closed (returned the reference) or waiting on a form."""

    reference: str | None
    waiting_on: str | None


def run_case(referral: Referral) -> Ran:
    """The real `cme-case` flow, in this process, until it closes or waits on an unanswered form."""
    try:
        reference = cme_case(referral)
        return Ran(reference=reference if isinstance(reference, str) else None, waiting_on=None)
    except StillWaiting as waiting:
        return Ran(reference=None, waiting_on=waiting.key)


@dataclass(frozen=True)
class Record:
    """The case as the case database holds it."""

    case: Case
    stages: list[StageRecord]
    decisions: dict[str, dict[str, Any]]
    events: list[str]
    letters: list[Letter]

    @property
    def stage_names(self) -> list[str]:
        return [s.name.value for s in self.stages]

    def stage(self, name: str) -> StageRecord:
        return next(s for s in self.stages if s.name.value == name)


def only_case(product: Product) -> Record:
    """The one case this test opened."""
    with session_scope(product.engine) as session:
        (reference,) = session.scalars(select(Case.reference)).all()
    return read_case(product, reference)


def read_case(product: Product, reference: str) -> Record:
    with session_scope(product.engine) as session:
        case = cases.get_case(session=session, reference=reference)
        assert case is not None, reference
        stages = sorted(case.stages, key=lambda s: s.started_at)
        record = Record(
            case=case,
            stages=stages,
            decisions={
                d.key: dict(d.values)
                for d in decisions.list_decisions(session=session, case_id=case.id)
            },
            events=[e.kind for e in case_events.list_events(session=session, case_id=case.id)],
            letters=letters.list_letters(session=session, case_id=case.id),
        )
        session.expunge_all()
        return record


# --- The officer's answers, typed -----------------------------------------------------------


def enquiries(**overrides: Any) -> ReasonableEnquiries:
    values: dict[str, Any] = {
        "officer": OFFICER,
        "school": EnquiryResult.NO_TRACE,
        "admissions": EnquiryResult.NO_TRACE,
        "other_local_authorities": EnquiryResult.NO_TRACE,
        "s2s_lost_pupil_database": EnquiryResult.NO_TRACE,
        "health": EnquiryResult.INFORMATION_FOUND,
        "childrens_social_care": EnquiryResult.NO_TRACE,
        "district_council_tax_and_housing": EnquiryResult.INFORMATION_FOUND,
        "police": EnquiryResult.NOT_MADE,
        "border_force": EnquiryResult.NOT_APPLICABLE,
        "findings": "GP and council tax confirm the family at the address.",
        "decision": ReferralCheckDecision.CONTINUE_TO_HOME_VISIT,
    }
    values.update(overrides)
    return ReasonableEnquiries(**values)


def visit(finding: HomeVisitFinding, **overrides: Any) -> HomeVisitRecord:
    values: dict[str, Any] = {
        "officer": OFFICER,
        "visit_date": date(2026, 11, 10),
        "child_seen": False,
        "seen": "",
        "finding": finding,
    }
    values.update(overrides)
    return HomeVisitRecord(**values)


def located(**overrides: Any) -> HomeVisitRecord:
    return visit(
        HomeVisitFinding.LOCATED_NO_EDUCATION, child_seen=True, seen="father and child", **overrides
    )


def s437_notice(**overrides: Any) -> S437NoticeService:
    values: dict[str, Any] = {
        "officer": OFFICER,
        "decision": NoticeDecision.SERVE_NOTICE,
        "service_method": ServiceMethod.FIRST_CLASS_POST,
        "served_on": date(2026, 11, 19),  # a Thursday: deemed served Monday 23 November
        "served_on_parent": "Sam Testparent",
        "period_days": 15,
    }
    values.update(overrides)
    return S437NoticeService(**values)


def sent_as_stated() -> LetterServed:
    return LetterServed(officer=OFFICER, sent=LetterSent.SENT_AS_STATED)


# The s437(1) notice of `s437_notice()`: deemed served Monday 23 November, so the parent's period
# ends Monday 7 December 2026 and 'not satisfied' may be recorded from the 8th.
S437_PERIOD_ENDS = date(2026, 12, 7)


def not_satisfied(decided_on: date = date(2026, 12, 8)) -> S437Response:
    return S437Response(
        officer=OFFICER,
        answer=ParentAnswer.NOT_SATISFIED,
        decided_on=decided_on,
        expedient_that_child_attend_school=True,
        notes="No evidence of any education was provided.",
    )


def s438_notice(**overrides: Any) -> S438NoticeOfIntention:
    values: dict[str, Any] = {
        "officer": OFFICER,
        "decision": NoticeDecision.SERVE_NOTICE,
        "service_method": ServiceMethod.BY_HAND,
        "served_on": date(2026, 12, 14),
        "served_on_parent": "Sam Testparent",
        "proposed_school": "Example Primary School",
        "alternative_schools": "Sample Academy",
    }
    values.update(overrides)
    return S438NoticeOfIntention(**values)


def sao_service(**overrides: Any) -> SaoService:
    values: dict[str, Any] = {
        "officer": OFFICER,
        "decision": OrderDecision.SERVE_ORDER,
        "parent_choice": ParentChoice.PROPOSED_SCHOOL,
        "named_school": "Example Primary School",
        "service_method": ServiceMethod.BY_HAND,
        "served_on": date(2027, 1, 5),
    }
    values.update(overrides)
    return SaoService(**values)


def compliance(outcome: Compliance, checked_on: date = date(2027, 1, 26)) -> SaoCompliance:
    return SaoCompliance(officer=OFFICER, compliance=outcome, checked_on=checked_on)


def eso_considered(
    decision: EnforcementDecision = EnforcementDecision.PROSECUTE,
) -> EsoConsideration:
    return EsoConsideration(
        officer=OFFICER,
        eso_considered=True,
        decision=decision,
        decided_on=date(2027, 1, 28),
        reasons="An ESO was considered; the family has refused all engagement.",
    )


def to_home_visit(product: Product) -> None:
    product.officer.answer("referral-check-reasonable-enquiries", enquiries())


# Found at the visit of 10 November: the family has 10 school days to apply (config/calendar.toml,
# school_place_application), to Tuesday 24 November; 'no application' from the 25th.
FOUND_ON = date(2026, 11, 10)
APPLY_BY = date(2026, 11, 24)
OFFERED_SCHOOL = "Example Primary School"


def place_request(
    route: PlaceRoute = PlaceRoute.IN_YEAR_APPLICATION, **overrides: Any
) -> SchoolPlaceRequest:
    values: dict[str, Any] = {"officer": OFFICER, "outcome": route, "made_on": FOUND_ON}
    if route is PlaceRoute.IN_YEAR_APPLICATION:
        values["schools_applied_for"] = f"{OFFERED_SCHOOL}; Sample Academy"
    if route is PlaceRoute.FAIR_ACCESS_REFERRAL:
        values["fair_access_panel"] = "DSPL 7 primary Fair Access panel"
    values.update(overrides)
    return SchoolPlaceRequest(**values)


def place_offer(outcome: OfferOutcome, **overrides: Any) -> SchoolPlaceOffer:
    values: dict[str, Any] = {"officer": OFFICER, "outcome": outcome, "decided_on": FOUND_ON}
    if outcome in (
        OfferOutcome.OFFER_ACCEPTED, OfferOutcome.OFFER_REFUSED, OfferOutcome.REFUSED_EVERY_OFFER
    ):  # fmt: skip
        values["school_offered"] = OFFERED_SCHOOL
    if outcome is OfferOutcome.OFFER_ACCEPTED:
        values["school_email"] = "admissions.example-primary@example.gov.uk"
        values["start_date"] = values["decided_on"]
    if outcome is OfferOutcome.NO_PLACE_REFER_TO_FAIR_ACCESS:
        values["fair_access_panel"] = "DSPL 7 primary Fair Access panel"
    values.update(overrides)
    return SchoolPlaceOffer(**values)


def school_start(outcome: StartOutcome, checked_on: date, **overrides: Any) -> SchoolStart:
    values: dict[str, Any] = {"officer": OFFICER, "outcome": outcome, "checked_on": checked_on}
    if outcome is StartOutcome.STARTED:
        values["started_on"] = checked_on
    values.update(overrides)
    return SchoolStart(**values)


def to_school_place_support(product: Product) -> None:
    to_home_visit(product)
    product.officer.answer("home-visit-visit-1", located(), on=FOUND_ON)


def to_education_enquiry(product: Product) -> None:
    """Found at home on 10 November, an in-year application made that day, and the place offered
    refused the same day, with every other: the s437(1) notice follows, naming the school."""
    to_school_place_support(product)
    answer = product.officer.answer
    answer("school-place-support-place-request", place_request(), on=FOUND_ON)
    answer(
        "school-place-support-offer-1",
        place_offer(OfferOutcome.REFUSED_EVERY_OFFER),
        on=FOUND_ON,
    )


def to_s437_response(product: Product) -> None:
    """The s437(1) notice approved, then confirmed sent on the day it states (19 November)."""
    to_education_enquiry(product)
    answer = product.officer.answer
    answer("education-enquiry-s437-notice", s437_notice())
    answer("education-enquiry-s437-notice-served-1", sent_as_stated(), on=date(2026, 11, 19))


def to_sao_notice(product: Product) -> None:
    """Through the s437(1) notice, served as stated, to a parent who did not satisfy the LA."""
    to_s437_response(product)
    product.officer.answer("education-enquiry-s437-response", not_satisfied(), on=date(2026, 12, 8))


# The s438 notice of `s438_notice()`, handed over on 14 December: the parent's choice period
# ends on 28 December 2026, so an order naming the proposed school may be sent from the 29th.
S438_PERIOD_ENDS = date(2026, 12, 28)
# The order of `sao_service()`, handed over on 5 January 2027: 10 school days to register the
# child (config/calendar.toml) end on 19 January 2027.
SAO_COMPLIANCE_ENDS = date(2027, 1, 19)


def to_sao_service(product: Product) -> None:
    """Through the s438 notice, served as stated."""
    to_sao_notice(product)
    answer = product.officer.answer
    answer("sao-notice-s438-notice", s438_notice())
    answer("sao-notice-s438-notice-served-1", sent_as_stated(), on=date(2026, 12, 14))


def to_sao_compliance(product: Product) -> None:
    """Through the s438 notice and the School Attendance Order, both served as stated."""
    to_sao_service(product)
    answer = product.officer.answer
    answer("sao-notice-sao-service", sao_service())
    answer("sao-notice-sao-service-served-1", sent_as_stated(), on=date(2027, 1, 5))


def to_prosecution_outcome(product: Product) -> None:
    to_sao_compliance(product)
    answer = product.officer.answer
    answer("sao-notice-sao-compliance", compliance(Compliance.NOT_COMPLIED), on=date(2027, 1, 26))
    answer("prosecution-referral-eso-consideration", eso_considered(), on=date(2027, 1, 28))
