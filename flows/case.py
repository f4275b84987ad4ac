"""One Children Missing Education case, from referral to closure.

The LA must establish the identities of children in its area who are not registered pupils and not
receiving suitable education (Education Act 1996 s436A), and act under ss437-443 and s447 until each
is back in education. Each stage below is one function; officers decide through typed forms on a
suspended run, and a resumed run replays from the top, skipping every stage the case database
records as finished.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from itertools import count
from typing import Any
from uuid import UUID

from prefect import flow
from prefect.client.schemas.objects import State
from prefect.runtime import flow_run
from prefect.states import Completed

from flows import cwsa_route
from flows.decisions import decide
from flows.forms import (
    EsoConsideration,
    HomeVisitFinding,
    HomeVisitRecord,
    LaAcknowledgement,
    OfferOutcome,
    PeriodicReview,
    PlaceRoute,
    ReasonableEnquiries,
    ReviewOutcome,
    S437NoticeService,
    S437Response,
    S438NoticeOfIntention,
    SaoCompliance,
    SaoService,
    SchoolPlaceOffer,
    SchoolPlaceRequest,
    SchoolStart,
    StartOutcome,
    WhereaboutsUnknown,
)
from flows.proceedings import refer_for_proceedings
from flows.service import serve_notice
from flows.timeline import (
    place_offer,
    place_request,
    s437_answer,
    sao_compliance,
    sao_order,
    school_start,
)
from models.case import CaseHandle, StageResult, closed, next_stage
from models.closure import CaseClosedElsewhereError
from models.deadlines import DeadlineStep
from models.enums import CaseStatus, ClosureOutcome, LetterKind, Stage
from models.extracts import ExtractFinding
from models.intake import ReceivedReferral
from models.letters import NoticeRequest
from models.referral import Referral
from models.regime import RegimeId
from models.replay_keys import (
    OTHER_LA_NOTICE_LETTER_KEY,
    SCHOOL_PLACE_HELP_LETTER_KEY,
    Step,
    offer_step,
    review_step,
    visit_step,
)
from tasks.closures import carry_out_closure_request
from tasks.further_referral import (
    label_further_referral_run,
    screen_further_referral,
    tell_officer,
)
from tasks.handoffs import hand_to_ehe_team, notify_other_authority
from tasks.letters import (
    produce_closing_letter,
    produce_other_la_notice,
    produce_school_place_help_letter,
)
from tasks.opening import (
    REFERRAL_REFUSED,
    check_referral,
    label_flow_run,
    receive_referral,
    refuse_referral,
)
from tasks.recording import (
    begin_stage,
    finish_stage,
    recorded_stage_result,
    set_case_status,
    set_stage_clock,
)
from tasks.regime import case_regime
from tasks.school_place import notify_admissions, notify_offered_school, offered_school
from tasks.screening import check_data_extracts, screen_safeguarding
from tasks.summary import publish_case_summary, refresh_other_case_summaries
from tasks.team import process_settings

ONE_DAY = timedelta(days=1)

StageFunction = Callable[[CaseHandle, Referral, date | None], StageResult]


def referral_check(case: CaseHandle, referral: Referral, due: date | None) -> StageResult:
    """Safeguarding screen, data extracts, then the officer's reasonable enquiries (s436A;
    DfE CME statutory guidance). A child on a roll or the EHE register is not missing education."""
    screen_safeguarding(case, referral)
    match = check_data_extracts(case, referral)
    if match.finding is ExtractFinding.ON_ROLL:
        return closed(ClosureOutcome.FOUND_ON_ROLL)
    if match.finding is ExtractFinding.ON_EHE_REGISTER:
        hand_to_ehe_team(case, Stage.REFERRAL_CHECK, "on the EHE register")
        return closed(ClosureOutcome.ELECTIVE_HOME_EDUCATION)
    enquiries = decide(
        case,
        Stage.REFERRAL_CHECK,
        Step.REASONABLE_ENQUIRIES,
        ReasonableEnquiries,
        ask="Record the reasonable enquiries made and what each found.",
        due_on=due,
    )
    if outcome := enquiries.closes_case():
        return closed(outcome)
    return next_stage(Stage.HOME_VISIT)


def home_visit(case: CaseHandle, referral: Referral, due: date | None) -> StageResult:
    """Visit until the child is found or the configured visits are spent; then whereabouts are
    unknown and the case is referred to police and children's social care and kept under review."""
    visits = process_settings().max_home_visits
    for visit in range(1, visits + 1):
        record = decide(
            case,
            Stage.HOME_VISIT,
            visit_step(visit),
            HomeVisitRecord,
            ask=f"Record home visit {visit} of up to {visits} and what it found.",
            due_on=due,
        )
        if record.finding is HomeVisitFinding.NO_CONTACT:
            continue
        if record.finding is HomeVisitFinding.MOVED_TO_OTHER_LA:
            return moved_to_other_authority(case, record)
        if record.finding is HomeVisitFinding.ELECTIVE_HOME_EDUCATION:
            hand_to_ehe_team(case, Stage.HOME_VISIT, "found electively home educated at a visit")
        if outcome := record.closes_case():
            return closed(outcome)
        return next_stage(Stage.SCHOOL_PLACE_SUPPORT)
    decide(
        case,
        Stage.HOME_VISIT,
        Step.WHEREABOUTS_UNKNOWN,
        WhereaboutsUnknown,
        ask="Whereabouts unknown: record the police and social care referrals and the S2S search.",
        due_on=due,
    )
    return next_stage(Stage.PERIODIC_REVIEW)


def moved_to_other_authority(case: CaseHandle, record: HomeVisitRecord) -> StageResult:
    """Notify the receiving authority and close when it acknowledges (docs/domain.md#outcomes)."""
    assert record.other_local_authority and record.other_local_authority_email
    notice = produce_other_la_notice(
        case, OTHER_LA_NOTICE_LETTER_KEY, record.other_local_authority, record.new_address
    )
    notify_other_authority(
        case, record.other_local_authority, record.other_local_authority_email,
        record.new_address or "", notice,
    )  # fmt: skip
    due = set_stage_clock(
        case, Stage.HOME_VISIT, DeadlineStep.LA_ACKNOWLEDGEMENT, record.visit_date
    )
    decide(
        case,
        Stage.HOME_VISIT,
        Step.LA_ACKNOWLEDGEMENT,
        LaAcknowledgement,
        ask=f"Record {record.other_local_authority}'s acknowledgement of our notice.",
        due_on=due,
        letters=[notice],
    )
    return closed(ClosureOutcome.MOVED_TO_OTHER_LA)


def periodic_review(case: CaseHandle, referral: Referral, due: date | None) -> StageResult:
    """Whereabouts unknown: the case stays open and is reviewed at the configured interval."""
    set_case_status(case, CaseStatus.UNDER_PERIODIC_REVIEW, "whereabouts unknown")
    for review in count(1):
        result = decide(
            case,
            Stage.PERIODIC_REVIEW,
            review_step(review),
            PeriodicReview,
            ask=f"Periodic review {review}: search again and record what you found.",
            due_on=due,
        )
        if result.outcome is ReviewOutcome.STILL_MISSING:
            due = set_stage_clock(
                case, Stage.PERIODIC_REVIEW, DeadlineStep.PERIODIC_REVIEW, result.reviewed_on
            )
            continue
        set_case_status(case, CaseStatus.OPEN, f"periodic review {review}: {result.outcome}")
        if outcome := result.closes_case():
            return closed(outcome)
        return next_stage(Stage.SCHOOL_PLACE_SUPPORT)
    raise AssertionError("unreachable")


# The clock an application or referral starts: the in-year outcome within 15 school days (School
# Admissions Code 2021 para 2.28), a Fair Access placement within 20 (local target).
PLACE_CLOCKS = {
    PlaceRoute.IN_YEAR_APPLICATION: DeadlineStep.IN_YEAR_APPLICATION_OUTCOME,
    PlaceRoute.FAIR_ACCESS_REFERRAL: DeadlineStep.FAIR_ACCESS_PLACEMENT,
}


def school_place_support(case: CaseHandle, referral: Referral, due: date | None) -> StageResult:
    """Found, not in education: support the family to a school place, by an in-year application
    (School Admissions Code 2021 para 2.28) or the Fair Access Protocol, before any s437(1) notice.
    No application, every offer refused, or a place not taken up: the s437(1) notice follows."""
    stage = Stage.SCHOOL_PLACE_SUPPORT
    letter = produce_school_place_help_letter(case, SCHOOL_PLACE_HELP_LETTER_KEY)
    request = decide(
        case,
        stage,
        Step.PLACE_REQUEST,
        SchoolPlaceRequest,
        ask="Send the family the letter below on applying for a school place, then record their "
        "in-year application or the referral to the Fair Access panel. 'No application' may be "
        f"recorded after the time given to apply ({due or 'no date set'}).",
        due_on=due,
        letters=[letter],
        rules=place_request(due),
    )
    if request.outcome is PlaceRoute.NO_APPLICATION:
        return next_stage(Stage.EDUCATION_ENQUIRY)
    if request.outcome is PlaceRoute.ELECTIVE_HOME_EDUCATION:
        hand_to_ehe_team(case, stage, "declared electively home educated while seeking a place")
    if outcome := request.closes_case():
        return closed(outcome)
    clock = PLACE_CLOCKS[request.outcome]
    due = set_stage_clock(case, stage, clock, request.made_on)
    notify_admissions(
        case, request.outcome.label, request.made_on, due,
        request.schools_applied_for, request.fair_access_panel,
    )  # fmt: skip
    requested_on = request.made_on
    for number in count(1):
        offer = decide(
            case,
            stage,
            offer_step(number),
            SchoolPlaceOffer,
            ask=f"Record what came of the application or referral (answer {number}): a place "
            "offered, accepted or refused, or no place and a referral to the Fair Access panel.",
            due_on=due,
            rules=place_offer(requested_on),
        )
        if offer.outcome is OfferOutcome.OFFER_ACCEPTED:
            return school_start_after_offer(case, number, offer)
        if offer.outcome is OfferOutcome.REFUSED_EVERY_OFFER:
            return next_stage(Stage.EDUCATION_ENQUIRY)
        if offer.outcome is OfferOutcome.ELECTIVE_HOME_EDUCATION:
            hand_to_ehe_team(case, stage, "declared electively home educated while seeking a place")
        if outcome := offer.closes_case():
            return closed(outcome)
        referred = offer.outcome is OfferOutcome.NO_PLACE_REFER_TO_FAIR_ACCESS
        if referred:
            clock = DeadlineStep.FAIR_ACCESS_PLACEMENT
        # A refusal with another place sought, or a referral on: the route's clock starts again.
        due = set_stage_clock(case, stage, clock, offer.decided_on)
        if referred:
            notify_admissions(
                case, offer.outcome.label, offer.decided_on, due, "",
                offer.fair_access_panel, number + 1,
            )  # fmt: skip
        requested_on = offer.decided_on
    raise AssertionError("unreachable")


def school_start_after_offer(case: CaseHandle, number: int, offer: SchoolPlaceOffer) -> StageResult:
    """The school is told before the start date; the child started closes the case as on roll
    there, a place not taken up by the time given leads to the s437(1) notice naming it."""
    assert offer.start_date is not None
    stage = Stage.SCHOOL_PLACE_SUPPORT
    notify_offered_school(case, number, offer.school_offered, offer.school_email, offer.start_date)
    start_by = set_stage_clock(case, stage, DeadlineStep.SCHOOL_PLACE_START, offer.start_date)
    start = decide(
        case,
        stage,
        Step.SCHOOL_START,
        SchoolStart,
        ask=f"Has the child started at {offer.school_offered} (start date {offer.start_date})? "
        f"A start may be recorded on any day; 'not started' only from {start_by + ONE_DAY}.",
        due_on=start_by,
        rules=school_start(offer.decided_on, start_by),
    )
    if start.outcome is StartOutcome.ELECTIVE_HOME_EDUCATION:
        hand_to_ehe_team(case, stage, "declared electively home educated before starting school")
    if outcome := start.closes_case():
        return closed(outcome)
    return next_stage(Stage.EDUCATION_ENQUIRY)


def education_enquiry(case: CaseHandle, referral: Referral, due: date | None) -> StageResult:
    """s437(1): serve notice requiring the parent to satisfy the LA, within not less than 15 days
    beginning with the day served, that the child is receiving suitable education. A case whose
    formal stage began once the 2026 Act had commenced takes its preliminary notice instead."""
    if case_regime(case) is RegimeId.CWSA_2026:
        return cwsa_route.education_enquiry(case, due)
    service = decide(
        case,
        Stage.EDUCATION_ENQUIRY,
        Step.S437_NOTICE,
        S437NoticeService,
        ask="Approve the s437(1) notice: to whom, how and when it will be sent. "
        "The letter is prepared for you next.",
        due_on=due,
    )
    if outcome := service.closes_case():
        return closed(outcome)
    # The same dates as the letter states: both come from models.letters.notice_period.
    expires = serve_notice(
        case,
        Stage.EDUCATION_ENQUIRY,
        Step.S437_NOTICE,
        NoticeRequest(
            kind=LetterKind.S437_NOTICE, parent=service.served_on_parent,
            service_method=service.service_method, sent_on=service.served_on,
            period_days=service.period_days, offered_school=offered_school(case),
        ),
        due_on=due,
    )  # fmt: skip
    answer = decide(
        case,
        Stage.EDUCATION_ENQUIRY,
        Step.S437_RESPONSE,
        S437Response,
        ask=f"Record the parent's answer to the s437(1) notice (period ends {expires}). An "
        "answer that satisfies the council may be recorded on any day, even before the period "
        f"ends; 'not satisfied' or 'no answer' only from {expires + ONE_DAY} (s437(3)).",
        due_on=expires,
        rules=s437_answer(expires),
    )
    if outcome := answer.closes_case():
        return closed(outcome)
    return next_stage(Stage.SAO_NOTICE)


def sao_notice(case: CaseHandle, referral: Referral, due: date | None) -> StageResult:
    """s438 notice of intention (15 days for the parent to choose a school), then the School
    Attendance Order naming the school (s437(3)-(5)), then compliance. Under the 2026 Act: the
    school nomination notice and the order under s436I."""
    if case_regime(case) is RegimeId.CWSA_2026:
        return cwsa_route.sao_notice(case, due)
    intention = decide(
        case,
        Stage.SAO_NOTICE,
        Step.S438_NOTICE,
        S438NoticeOfIntention,
        ask="Approve the s438 notice of intention: the proposed school, any alternatives, and "
        "to whom, how and when it will be sent. The letter is prepared for you next.",
        due_on=due,
    )
    if outcome := intention.closes_case():
        return closed(outcome)
    choice_ends = serve_notice(
        case,
        Stage.SAO_NOTICE,
        Step.S438_NOTICE,
        NoticeRequest(
            kind=LetterKind.S438_NOTICE_OF_INTENTION, parent=intention.served_on_parent,
            service_method=intention.service_method, sent_on=intention.served_on,
            proposed_school=intention.proposed_school,
            alternative_schools=intention.alternative_schools,
        ),
        due_on=due,
    )  # fmt: skip
    service_due = set_stage_clock(case, Stage.SAO_NOTICE, DeadlineStep.SAO_SERVICE, choice_ends)
    order = decide(
        case,
        Stage.SAO_NOTICE,
        Step.SAO_SERVICE,
        SaoService,
        ask=f"Approve the School Attendance Order: the school it names, and how and when it will "
        f"be sent. The parent's s438 choice period ends {choice_ends}: an order naming the "
        f"proposed school is sent from {choice_ends + ONE_DAY}; one naming a school the parent "
        "has chosen may be sent as soon as they have chosen. The order is prepared next.",
        due_on=service_due,
        rules=sao_order(choice_ends),
    )
    if outcome := order.closes_case():
        return closed(outcome)
    compliance_due = serve_notice(
        case,
        Stage.SAO_NOTICE,
        Step.SAO_SERVICE,
        NoticeRequest(
            kind=LetterKind.SCHOOL_ATTENDANCE_ORDER, parent=intention.served_on_parent,
            service_method=order.service_method, sent_on=order.served_on,
            named_school=order.named_school,
        ),
        due_on=service_due,
    )  # fmt: skip
    compliance = decide(
        case,
        Stage.SAO_NOTICE,
        Step.SAO_COMPLIANCE,
        SaoCompliance,
        ask=f"Has the parent complied with the order naming {order.named_school}? Registration "
        "or revocation may be recorded on any day; 'not complied' only after the time given to "
        f"register the child, from {compliance_due + ONE_DAY}.",
        due_on=compliance_due,
        rules=sao_compliance(compliance_due),
    )
    if outcome := compliance.closes_case():
        return closed(outcome)
    return next_stage(Stage.PROSECUTION_REFERRAL)


def prosecution_referral(case: CaseHandle, referral: Referral, due: date | None) -> StageResult:
    """s443 offence of failing to comply with an SAO; before proceedings the LA shall consider an
    Education Supervision Order (s447(1)). Only the LA may prosecute (s446). Under the 2026 Act:
    the offence recorded with its order's compliance."""
    if case_regime(case) is RegimeId.CWSA_2026:
        return cwsa_route.prosecution_referral(case, due)
    consideration = decide(
        case,
        Stage.PROSECUTION_REFERRAL,
        Step.ESO_CONSIDERATION,
        EsoConsideration,
        ask="Record that an ESO was considered (s447), your decision and its reasons.",
        due_on=due,
    )
    return refer_for_proceedings(
        case, consideration.decision.label, consideration.reasons, consideration.decided_on
    )


STAGES: dict[Stage, StageFunction] = {
    Stage.REFERRAL_CHECK: referral_check,
    Stage.HOME_VISIT: home_visit,
    Stage.SCHOOL_PLACE_SUPPORT: school_place_support,
    Stage.EDUCATION_ENQUIRY: education_enquiry,
    Stage.SAO_NOTICE: sao_notice,
    Stage.PROSECUTION_REFERRAL: prosecution_referral,
    Stage.PERIODIC_REVIEW: periodic_review,
}


def further_referral(intake: ReceivedReferral, referral: Referral) -> str:
    """The child's case is open: record the referral on it, screen it for safeguarding (an
    indicator still escalates at once) and tell the officer. No second case, no second run."""
    run_id = flow_run.get_id()
    assert run_id is not None
    label_further_referral_run(intake, UUID(run_id))
    screen_further_referral(intake, referral)
    tell_officer(intake, referral, UUID(run_id))
    return intake.case.reference


def run_stage(case: CaseHandle, stage: Stage, referral: Referral) -> Stage | None:
    """Run one stage, or return what the case database recorded for it; None when closed."""
    result = recorded_stage_result(case, stage)
    if result is None:
        due = begin_stage(case, stage)
        actor = case.officer_id
        try:
            result = STAGES[stage](case, referral, due)
        except CaseClosedElsewhereError as elsewhere:
            # A new-pupil return found the child on roll while the case waited: the stage ends
            # with that closure, recorded by this run as any other.
            carry_out_closure_request(case, stage, elsewhere.request)
            result, actor = closed(elsewhere.request.outcome), elsewhere.request.requested_by
        finish_stage(case, stage, result, actor)
        publish_case_summary(case)
    return result.next_stage


@flow(
    name="cme-case",
    description="One Children Missing Education case (Education Act 1996 s436A-s447).",
    persist_result=True,
    result_serializer="json",
    log_prints=False,
    # The referral is validated by the first task, as of today: a refused referral is an outcome
    # (its run ends Completed, "Referral refused"), and Prefect's own check would fail the run and
    # log the values typed. Prefect passes the parameter as it was sent (JSON); the annotation
    # gives the UI its form.
    validate_parameters=False,
)
def cme_case(referral: Referral) -> str | State[Any]:
    """Open the case, then take it through the statutory stages until it closes.

    A referral about a child who already has an open case is recorded on that case instead; one
    the rules refuse (a child outside compulsory school age, a date in the future) opens nothing.
    """
    checked = check_referral(referral)
    if not isinstance(checked, Referral):
        refuse_referral(checked)
        fields = ", ".join(reason.field for reason in checked)
        return Completed(
            name=REFERRAL_REFUSED,
            message=f"{REFERRAL_REFUSED}: see the run's artifact for the problems ({fields})",
        )
    referral = checked
    intake = receive_referral(referral)
    if intake.further_referral:
        return further_referral(intake, referral)
    case = intake.case
    label_flow_run(case)
    if intake.matches:
        # A possible duplicate is noted on both cases: the other's officer sees it now.
        refresh_other_case_summaries([m.reference for m in intake.matches])
    stage: Stage | None = Stage.REFERRAL_CHECK
    while stage is not None:
        stage = run_stage(case, stage, referral)
    if produce_closing_letter(case) is not None:
        publish_case_summary(case)
    return case.reference
